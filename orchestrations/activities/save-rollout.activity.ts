// Saves what the rollout's workflow changed in its record; a revision the store has already changes nothing.
import { capabilities } from "../../shared/composition.ts";
import { applyRolloutChange } from "../../shared/domain/rollout/rollout-record.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.saveRollout, {
  handler: async (change) => {
    const { rollouts } = capabilities("state");
    const next = applyRolloutChange(await rollouts.get(change.id), change);
    if (next) await rollouts.save(next);
    return null;
  },
});
