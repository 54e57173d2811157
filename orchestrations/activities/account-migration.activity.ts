// Prices the overlap: the old pool's node-hours while the new one ran, by VM size.
import { capabilities } from "../../shared/composition.ts";
import { nodeHoursCost } from "../../shared/domain/cost/cost.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.accountMigration, {
  handler: async ({ vmSize, overlapNodeHours }) => ({
    cost: nodeHoursCost(capabilities("prices").prices, [{ vmSize, nodeHours: overlapNodeHours }]),
  }),
});
