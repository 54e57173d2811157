// One look at a pool's long-running operation; the orchestrator waits between looks on durable timers.
import { capabilities } from "../../shared/composition.ts";
import { pollPool } from "../../shared/migration/pool-changes.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.pollPool, {
  handler: (input) => pollPool(capabilities("pools"), input),
});
