// Sends a create, update or delete of an agent pool to ARM (audited) without waiting for it.
import { capabilities } from "../../shared/composition.ts";
import { requestPoolChange } from "../../shared/migration/pool-changes.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.requestPoolChange, {
  handler: (input) => requestPoolChange(capabilities("pools", "nodes", "state", "clock"), input),
});
