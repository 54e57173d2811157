// The old pool as it is now (nodes least critical first, autoscaler, controllers), read when the
// migration cordons it: a plan may be days old by then.
import { capabilities } from "../../shared/composition.ts";
import { surveyPool } from "../../shared/migration/preflight.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.surveyPool, {
  handler: (input) => surveyPool(capabilities("pools", "kube"), input),
});
