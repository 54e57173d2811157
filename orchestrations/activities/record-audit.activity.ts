// Appends an audit record the workflow decides itself (an override); its id makes a repeat append nothing.
import { capabilities } from "../../shared/composition.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.recordAudit, {
  handler: async (record) => {
    await capabilities("state").audit.append(record);
    return null;
  },
});
