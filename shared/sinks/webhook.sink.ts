// Generic webhook: the alert, or the migration notice with `kind: "migration"`, as JSON, POSTed. The id
// goes in Idempotency-Key so a receiver can drop the repeat of a delivery whose answer was lost.
import { migrationNoticeBody } from "../domain/migration/migration-notice.ts";
import type { AlertSink } from "../domain/ports/alert-sinks.ts";
import { postJson } from "./http-post.ts";

export interface WebhookSinkOptions {
  url: string;
  name?: string;
  timeoutMs?: number;
}

export function webhookSink(options: WebhookSinkOptions): AlertSink {
  const post = async (body: unknown, id: string) => {
    await postJson(options.url, body, {
      what: "alert webhook",
      headers: { "idempotency-key": id },
      timeoutMs: options.timeoutMs ?? 30_000,
    });
  };
  return {
    name: options.name ?? "webhook",
    send: (alert) => post(alert, alert.id),
    sendNotice: (notice) => post(migrationNoticeBody(notice), notice.id),
  };
}
