// Whether controllers have all their replicas ready.
import { capabilities } from "../../shared/composition.ts";
import { workloadsReady } from "../../shared/migration/workload-changes.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.workloadsReady, {
  handler: (input) => workloadsReady(capabilities("nodes"), input),
});
