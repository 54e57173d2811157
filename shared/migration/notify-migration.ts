// Sends a running migration's notice to every configured sink. The activity that calls this is retried
// on a throw, so a transient failure throws, after every sink was tried: the retry sends again to all,
// under the notice's id, which the sinks de-duplicate. A sink that refused the notice would refuse it
// again, so that is reported rather than thrown. With no sink configured nothing is sent.

import type { MigrationNotice } from "../domain/migration/migration-notice.ts";
import { type AlertSink, asSinkError } from "../domain/ports/alert-sinks.ts";

export interface NoticeDelivery {
  /** Sinks that accepted the notice. */
  delivered: string[];
  /** Sinks that refused it for good. */
  failed: { sink: string; error: string }[];
}

export class NoticeNotDeliveredError extends Error {
  override name = "NoticeNotDeliveredError";
}

export async function notifyMigration(
  ports: { alertSinks: readonly AlertSink[] },
  notice: MigrationNotice,
): Promise<NoticeDelivery> {
  const results = await Promise.all(
    ports.alertSinks.map(async (sink) => {
      try {
        await sink.sendNotice(notice);
        return { sink: sink.name, error: undefined };
      } catch (thrown) {
        return { sink: sink.name, error: asSinkError(thrown) };
      }
    }),
  );
  const transient = results.filter((result) => result.error?.transient);
  if (transient.length > 0) {
    const reasons = transient.map((result) => `${result.sink}: ${result.error?.message}`).join("; ");
    throw new NoticeNotDeliveredError(`migration notice ${notice.id} not delivered yet (${reasons})`);
  }
  return {
    delivered: results.filter((result) => result.error === undefined).map((result) => result.sink),
    failed: results.flatMap((result) =>
      result.error === undefined ? [] : [{ sink: result.sink, error: result.error.message }],
    ),
  };
}
