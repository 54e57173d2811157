// One look at the rollback signals on the watched pools.
import { capabilities } from "../../shared/composition.ts";
import { observeHealth } from "../../shared/migration/health-observation.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.observeHealth, {
  handler: (input) => observeHealth(capabilities("nodes", "clock"), input),
});
