// The retirement-notices queue: product notices, AKS Event Grid / CloudEvents events and Resource Graph
// scheduled events. Valid ones are applied once (by message id and by content); each stored notice starts
// the alerts re-evaluation under an instance id derived from it, so a redelivery starts nothing twice and
// a message redelivered after a failed start still gets its re-evaluation. An invalid message is
// recorded as rejected with its reason and completed: the v4 Node.js model gives the handler no way to
// dead-letter (settlement needs the preview SDK-type bindings), and a thrown error would only be retried
// until Service Bus dead-letters it as MaxDeliveryCountExceeded, losing the reason. The host completes
// the message when the handler resolves, so every write (the notice, the re-evaluation's start) is
// awaited first; transient failures throw, so the message returns.

import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { AlertsReevaluationInput } from "../orchestrations/contracts/alerts.contract.ts";
import { reevaluationInstanceId } from "../orchestrations/contracts/instance-ids.ts";
import { ORCHESTRATIONS } from "../orchestrations/contracts.ts";
import { capabilities } from "../shared/composition.ts";
import { ingestNoticeMessage } from "../shared/notices/ingest-notice.ts";
import { loadServiceBusSettings, SERVICE_BUS_CONNECTION } from "../shared/settings.ts";
import { startOnce } from "./scan-starter.ts";

/** The enqueued time as the trigger metadata gives it (the host may omit the zone: it is UTC). */
function enqueuedAt(metadata: Record<string, unknown> | undefined, fallback: number): string {
  const raw = metadata?.enqueuedTimeUtc;
  const text = typeof raw === "string" ? raw : raw instanceof Date ? raw.toISOString() : undefined;
  const parsed =
    text === undefined ? Number.NaN : Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`);
  return new Date(Number.isNaN(parsed) ? fallback : parsed).toISOString();
}

app.serviceBusQueue("retirement-notices", {
  queueName: loadServiceBusSettings(process.env).noticesQueue,
  connection: SERVICE_BUS_CONNECTION,
  extraInputs: [df.input.durableClient()],
  handler: async (message: unknown, context: InvocationContext) => {
    const { notices, clock } = capabilities("state", "clock");
    const metadata = context.triggerMetadata;
    const messageId = typeof metadata?.messageId === "string" ? metadata.messageId : undefined;
    const outcome = await ingestNoticeMessage(notices, {
      body: message,
      ...(messageId !== undefined && { messageId }),
      receivedAt: enqueuedAt(metadata, clock.now()),
    });
    switch (outcome.kind) {
      case "rejected":
        context.warn(
          `Message ${messageId ?? "(no id)"} rejected (recorded, not retried): ${outcome.rejection.reason}` +
            outcome.rejection.problems.map((problem) => `\n  - ${problem}`).join(""),
        );
        return;
      case "cluster-event":
        context.log(`Cluster event ${outcome.eventId} ${outcome.recorded}.`);
        return;
      case "notice": {
        context.log(`Notice ${outcome.noticeId}: ${outcome.acceptance}.`);
        // Also for a duplicate: the delivery that stored the notice may have failed before this start.
        const noticeId = outcome.storedNoticeId;
        const instanceId = reevaluationInstanceId(noticeId);
        const input: AlertsReevaluationInput = { noticeId };
        const start = await startOnce(
          df.getClient(context),
          ORCHESTRATIONS.alertsReevaluation,
          instanceId,
          input,
        );
        context.log(
          start.kind === "started"
            ? `Alerts are evaluated again after notice ${noticeId} (${instanceId}).`
            : `The re-evaluation ${instanceId} exists already (${start.runtimeStatus}).`,
        );
      }
    }
  },
});
