// Looks at a planned pool's cluster again before the rollout starts it.
import { capabilities } from "../../shared/composition.ts";
import { checkRolloutPool } from "../../shared/rollout/check-rollout-pool.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.checkRolloutPool, {
  handler: async (input) => {
    const { pools, migrations } = capabilities("pools", "state");
    return checkRolloutPool({ pools, migrations }, input);
  },
});
