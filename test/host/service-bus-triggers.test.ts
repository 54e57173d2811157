import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { type ServiceBusNamespace, startServiceBusNamespace } from "../../local/sim/servicebus/namespace.ts";
import { closeGate, probe } from "../host-app/probe.ts";

let namespace: ServiceBusNamespace;
let sender: ServiceBusClient;
let host: RunningHost;

beforeAll(async () => {
  namespace = await startServiceBusNamespace({
    queues: [{ name: "notices", maxDeliveryCount: 3, lockDurationMs: 5_000 }],
    topics: [{ name: "alerts", subscriptions: [{ name: "audit" }] }],
  });
  sender = new ServiceBusClient(namespace.connectionString);
  host = await startHost({
    app: "test/host-app/index.ts",
    port: 0,
    logLevel: "none",
    settings: {
      ServiceBusConnection: namespace.connectionString,
      NoticeQueue: "notices",
      AlertsConnection: "ServiceBusConnection",
    },
  });
});

afterAll(async () => {
  await host?.stop();
  await sender?.close();
  await namespace?.close();
});

function messagesWith(id: string) {
  return probe().messages.filter((m) => m.messageId === id);
}

describe("Service Bus triggers", () => {
  it("delivers a queue message with its metadata and completes it", async () => {
    await sender.createSender("notices").sendMessages({
      messageId: "notice-1",
      body: { cluster: "aks-east" },
      applicationProperties: { source: "event-grid" },
    });
    const sentAt = Date.now();
    await expect.poll(() => messagesWith("notice-1").length).toBe(1);
    const [received] = messagesWith("notice-1");
    expect(received).toEqual({
      queue: "notices",
      body: { cluster: "aks-east" },
      deliveryCount: 1,
      messageId: "notice-1",
      properties: { source: "event-grid" },
      enqueuedTimeUtc: expect.any(String),
    });
    expect(Math.abs(Date.parse(received?.enqueuedTimeUtc as string) - sentAt)).toBeLessThan(60_000);
    await expect.poll(() => namespace.counts("notices").active).toBe(0);
  });

  it("abandons a message whose function fails, so it is delivered again", async () => {
    await sender
      .createSender("notices")
      .sendMessages({ messageId: "notice-2", body: { failUntilDelivery: 2 } });
    await expect.poll(() => messagesWith("notice-2").map((m) => m.deliveryCount)).toEqual([1, 2]);
    await expect.poll(() => namespace.counts("notices").active).toBe(0);
    expect(namespace.deadLetters("notices").map((m) => m.messageId)).not.toContain("notice-2");
  });

  it("settles completes and abandons that finish together one at a time, so none takes another's outcome", async () => {
    // rhea 3.0.5 merges back-to-back dispositions: a complete sent beside an abandon would complete both.
    closeGate();
    const messages = Array.from({ length: 4 }, (_, i) => ({
      messageId: `mixed-${i}`,
      body: i % 2 === 0 ? { atGate: true } : { atGate: true, failUntilDelivery: 2 },
    }));
    try {
      await sender.createSender("notices").sendMessages(messages);
      // host.json allows 4 at once: all four wait at the gate, then finish in the same turn.
      await expect.poll(() => probe().waiting).toBe(4);
    } finally {
      probe().gate?.open();
      probe().gate = undefined;
    }
    const deliveries = () =>
      messages.map(({ messageId }) => messagesWith(messageId).map((m) => m.deliveryCount));
    await expect
      .poll(deliveries, { timeout: 10_000 })
      .toEqual(messages.map((_, i) => (i % 2 === 0 ? [1] : [1, 2])));
    await expect.poll(() => namespace.counts("notices").active).toBe(0);
    expect(namespace.deadLetters("notices").filter((m) => m.messageId.startsWith("mixed-"))).toEqual([]);
  });

  it("dead-letters a message after the queue's max delivery count", async () => {
    await sender.createSender("notices").sendMessages({ messageId: "notice-3", body: { alwaysFail: true } });
    await expect
      .poll(() => namespace.deadLetters("notices").map((m) => m.messageId), { timeout: 10_000 })
      .toContain("notice-3");
    expect(messagesWith("notice-3").map((m) => m.deliveryCount)).toEqual([1, 2, 3]);
    const dead = namespace.deadLetters("notices").find((m) => m.messageId === "notice-3");
    expect(dead?.reason).toBe("MaxDeliveryCountExceeded");
  });

  it("delivers topic messages through the trigger's subscription, its connection named by %AlertsConnection%", async () => {
    await sender.createSender("alerts").sendMessages({ messageId: "alert-1", body: "pool retiring" });
    await expect
      .poll(() => messagesWith("alert-1").map((m) => [m.queue, m.body]))
      .toEqual([["alerts/audit", "pool retiring"]]);
  });

  it("starts an orchestration from a message through the durable client", async () => {
    await sender.createSender("notices").sendMessages({
      messageId: "notice-4",
      body: {
        start: { orchestration: "sequence", instanceId: "from-notice", input: { start: 1, count: 2 } },
      },
    });
    await expect
      .poll(() =>
        host
          .getClient()
          .getStatus("from-notice")
          .then(
            (s) => s.output,
            () => undefined,
          ),
      )
      .toBe(3);
  });

  it("handles no more messages at once than host.json's maxConcurrentCalls", async () => {
    probe().maxConcurrent = 0;
    const messages = Array.from({ length: 12 }, (_, i) => ({ messageId: `busy-${i}`, body: { holdMs: 40 } }));
    await sender.createSender("notices").sendMessages(messages);
    await expect
      .poll(() => probe().messages.filter((m) => String(m.messageId).startsWith("busy-")).length)
      .toBe(12);
    await expect.poll(() => probe().running).toBe(0);
    // test/host-app/host.json sets maxConcurrentCalls to 4.
    expect(probe().maxConcurrent).toBe(4);
  });

  it("reports a trigger whose connection is not configured, and skips it", () => {
    expect(host.skipped).toContainEqual({
      function: "onOrphan",
      reason: 'its connection setting "NoSuchConnection" is not set',
    });
  });

  it("reports a trigger that names an app setting which is not set, skips it, and binds the others", () => {
    expect(host.skipped).toContainEqual({
      function: "onUnresolved",
      reason: 'its queueName refers to app setting "NoSuchQueueSetting", which is not set',
    });
    expect(host.skipped.map((s) => s.function)).not.toContain("onAlert");
  });
});
