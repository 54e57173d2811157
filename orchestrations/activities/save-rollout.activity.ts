// Saves the rollout's record; a revision the store has already changes nothing.
import { capabilities } from "../../shared/composition.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.saveRollout, {
  handler: async (record) => {
    await capabilities("state").rollouts.save(record);
    return null;
  },
});
