// Deletes a pod a person chose to delete (audited).
import { capabilities } from "../../shared/composition.ts";
import { deletePod } from "../../shared/migration/node-drain.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.deletePod, {
  handler: (input) => deletePod(capabilities("nodes", "state", "clock"), input),
});
