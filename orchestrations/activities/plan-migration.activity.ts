// The preflight: reads the pool, its workloads and the capacity, changes nothing, returns the plan.
import { capabilities } from "../../shared/composition.ts";
import { planMigration } from "../../shared/migration/preflight.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.planMigration, {
  handler: (input) =>
    planMigration(capabilities("pools", "kube", "prices", "accessSettings", "state"), input),
});
