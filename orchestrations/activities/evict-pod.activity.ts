// Evicts a pod through the eviction API (audited); never deletes it.
import { capabilities } from "../../shared/composition.ts";
import { evictPod } from "../../shared/migration/node-drain.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.evictPod, {
  handler: (input) => evictPod(capabilities("nodes", "state", "clock"), input),
});
