// Saves what the workflow changed in its record; a revision the store has already changes nothing.
import { capabilities } from "../../shared/composition.ts";
import { saveMigrationChange } from "../../shared/migration/save-migration.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.saveMigration, {
  handler: async (change) => {
    await saveMigrationChange(capabilities("state").migrations, change);
    return null;
  },
});
