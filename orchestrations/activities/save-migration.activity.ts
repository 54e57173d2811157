// Saves the migration's record; a lower or equal revision (an activity run again) changes nothing.
import { capabilities } from "../../shared/composition.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.saveMigration, {
  handler: async (record) => {
    await capabilities("state").migrations.save(record);
    return null;
  },
});
