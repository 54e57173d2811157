// Tells people through the alert sinks; the notice id lets each sink drop a repeat.
import { capabilities } from "../../shared/composition.ts";
import { notifyMigration } from "../../shared/migration/notify-migration.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.notifyMigration, {
  handler: async ({ notificationId, ...notice }) => {
    await notifyMigration(capabilities("alertSinks"), {
      ...notice,
      id: notificationId,
      severity: "warning",
      statusPath: `/api/migrations/${notice.migrationId}`,
    });
    return null;
  },
});
