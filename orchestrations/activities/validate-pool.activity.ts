// Looks at the new pool: nodes, daemonsets, the smoke pod.
import { capabilities } from "../../shared/composition.ts";
import { validatePool } from "../../shared/migration/pool-validation.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.validatePool, {
  handler: (input) => validatePool(capabilities("nodes", "state", "clock"), input),
});
