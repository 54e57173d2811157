// Generic webhook: the alert as JSON, POSTed. The alert id goes in Idempotency-Key so a receiver can
// drop the repeat of a delivery whose answer was lost.
import type { AlertSink } from "../domain/ports/alert-sinks.ts";
import { postJson } from "./http-post.ts";

export interface WebhookSinkOptions {
  url: string;
  name?: string;
  timeoutMs?: number;
}

export function webhookSink(options: WebhookSinkOptions): AlertSink {
  return {
    name: options.name ?? "webhook",
    async send(alert) {
      await postJson(options.url, alert, {
        what: "alert webhook",
        headers: { "idempotency-key": alert.id },
        timeoutMs: options.timeoutMs ?? 30_000,
      });
    },
  };
}
