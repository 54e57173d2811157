// Adds or removes a taint on nodes (audited).
import { capabilities } from "../../shared/composition.ts";
import { setTaints } from "../../shared/migration/workload-changes.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.setTaints, {
  handler: (input) => setTaints(capabilities("nodes", "state", "clock"), input),
});
