// Tells people through the alert sinks; the notice id lets each sink drop a repeat.
import { capabilities } from "../../shared/composition.ts";
import { migrationStatusPath } from "../../shared/domain/migration/migration-notice.ts";
import { notifyMigration } from "../../shared/migration/notify-migration.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.notifyMigration, {
  handler: async (notice) => {
    await notifyMigration(capabilities("alertSinks"), {
      ...notice,
      statusPath: migrationStatusPath(notice.migrationId),
    });
    return null;
  },
});
