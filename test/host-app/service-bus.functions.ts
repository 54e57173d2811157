// Service Bus triggers for the conformance suite: a queue, a topic subscription, one whose connection is not
// configured and one whose queue names an app setting that is not set.
import { app, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { probe } from "./probe.ts";

interface Notice {
  /** Keeps the handler busy, counting how many run at once. */
  readonly holdMs?: number;
  /** Waits at the probe's gate (if one is closed) before going on. */
  readonly atGate?: boolean;
  readonly failUntilDelivery?: number;
  readonly alwaysFail?: boolean;
  readonly start?: { readonly orchestration: string; readonly instanceId: string; readonly input: unknown };
}

async function record(queue: string, body: unknown, context: InvocationContext): Promise<void> {
  const metadata = context.triggerMetadata ?? {};
  probe().messages.push({
    queue,
    body,
    deliveryCount: metadata.deliveryCount,
    messageId: metadata.messageId,
    properties: metadata.applicationProperties,
    enqueuedTimeUtc: metadata.enqueuedTimeUtc,
  });
}

app.serviceBusQueue("onNotice", {
  queueName: "%NoticeQueue%",
  connection: "ServiceBusConnection",
  extraInputs: [df.input.durableClient()],
  handler: async (body, context) => {
    await record("notices", body, context);
    const notice = body as Notice;
    const gate = probe().gate;
    if (notice.atGate && gate) {
      probe().waiting++;
      await gate.opened;
      probe().waiting--;
    }
    if (notice.holdMs) {
      const state = probe();
      state.running++;
      state.maxConcurrent = Math.max(state.maxConcurrent, state.running);
      await new Promise((resolve) => setTimeout(resolve, notice.holdMs));
      state.running--;
    }
    const delivery = Number(context.triggerMetadata?.deliveryCount);
    if (
      notice.alwaysFail ||
      (notice.failUntilDelivery !== undefined && delivery < notice.failUntilDelivery)
    ) {
      throw new Error(`refusing delivery ${delivery}`);
    }
    if (notice.start) {
      await df.getClient(context).startNew(notice.start.orchestration, {
        instanceId: notice.start.instanceId,
        input: notice.start.input,
      });
    }
  },
});

app.serviceBusTopic("onAlert", {
  topicName: "alerts",
  subscriptionName: "audit",
  // A %Setting% naming the setting that holds the connection string, as the real host resolves it.
  connection: "%AlertsConnection%",
  handler: (body, context) => record("alerts/audit", body, context),
});

app.serviceBusQueue("onOrphan", {
  queueName: "orphans",
  connection: "NoSuchConnection",
  handler: (body, context) => record("orphans", body, context),
});

app.serviceBusQueue("onUnresolved", {
  queueName: "%NoSuchQueueSetting%",
  connection: "ServiceBusConnection",
  handler: (body, context) => record("unresolved", body, context),
});
