// Tells people about a rollout (its communication events, a stopped line) through the alert sinks; the
// notice id lets each sink drop a repeat.
import { capabilities } from "../../shared/composition.ts";
import { notifyMigration } from "../../shared/migration/notify-migration.ts";
import { ACTIVITIES } from "../contracts.ts";
import { registerActivity } from "../steps/register.ts";

registerActivity(ACTIVITIES.notifyRollout, {
  handler: async ({ id, rolloutId, clusters, severity, title, text }) => {
    await notifyMigration(capabilities("alertSinks"), {
      id,
      migrationId: rolloutId,
      cluster: clusters.join(", "),
      pool: "*",
      severity,
      title,
      text,
      statusPath: `/api/rollouts/${encodeURIComponent(rolloutId)}`,
    });
    return null;
  },
});
