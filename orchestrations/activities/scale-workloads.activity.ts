// Sets controllers' replica counts (audited).
import { capabilities } from "../../shared/composition.ts";
import { scaleWorkloads } from "../../shared/migration/workload-changes.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.scaleWorkloads, {
  handler: (input) => scaleWorkloads(capabilities("nodes", "state", "clock"), input),
});
