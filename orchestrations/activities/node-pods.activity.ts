// What the drain does with each pod on a node now.
import { capabilities } from "../../shared/composition.ts";
import { nodePods } from "../../shared/migration/node-drain.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.nodePods, {
  handler: ({ clusterId, node }) => nodePods(capabilities("nodes"), clusterId, node),
});
