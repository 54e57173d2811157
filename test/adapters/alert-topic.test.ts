import { ServiceBusClient } from "@azure/service-bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { type ServiceBusNamespace, startServiceBusNamespace } from "../../local/sim/servicebus/namespace.ts";
import { decideAlerts } from "../../shared/alerts/decide-alerts.ts";
import { deliverPendingAlerts } from "../../shared/alerts/deliver-alerts.ts";
import { TableAlertRepository } from "../../shared/azure/tables/alert-repository.ts";
import { notifyMigration } from "../../shared/migration/notify-migration.ts";
import { serviceBusTopicSink, topicMessageId } from "../../shared/sinks/service-bus-topic.sink.ts";
import { azureLinux2Finding, gateTimeoutNotice, NIGHT } from "../support/alert-fixtures.ts";
import { useAzuriteTables } from "../support/table-fixture.ts";

const tables = useAzuriteTables();
let namespace: ServiceBusNamespace;
let client: ServiceBusClient;

beforeAll(async () => {
  namespace = await startServiceBusNamespace({
    topics: [
      {
        name: "lifecycle-alerts",
        requiresDuplicateDetection: true,
        subscriptions: [{ name: "all" }],
      },
    ],
  });
  client = new ServiceBusClient(namespace.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 10 },
  });
});

afterAll(async () => {
  await client?.close();
  await namespace?.close();
});

describe("the Service Bus topic sink against the simulated namespace", () => {
  it("publishes each alert under a message id derived from its id, stage as subject and filterable properties; repeats are dropped", async () => {
    const repo = new TableAlertRepository(tables.store());
    const alerts = await decideAlerts(
      repo,
      [azureLinux2Finding("prod", "apps"), azureLinux2Finding("prod", "web")],
      NIGHT,
    );
    const sender = client.createSender("lifecycle-alerts");
    const sink = serviceBusTopicSink(sender);
    const report = await deliverPendingAlerts(repo, [sink], new VirtualClock(NIGHT.getTime()));
    expect(report.delivered.sort()).toEqual(alerts.map((a) => a.id).sort());

    // A repeat (a lost acknowledgement, a re-run) carries the same message id: duplicate detection drops it.
    await sink.send(alerts[0] as (typeof alerts)[0]);

    const receiver = client.createReceiver("lifecycle-alerts", "all", { receiveMode: "receiveAndDelete" });
    const received = await receiver.receiveMessages(10, { maxWaitTimeInMs: 1_000 });
    await receiver.close();
    await sender.close();
    expect(received).toHaveLength(2);
    const byId = new Map(received.map((m) => [m.messageId, m]));
    for (const alert of alerts) {
      // Alert ids name the pool by its ARM id: longer than 128 characters, so the id is their hash.
      const message = byId.get(topicMessageId(alert.id));
      expect(message?.body).toEqual(alert);
      expect(message?.subject).toBe("image-removal-90d");
      expect(message?.contentType).toBe("application/json");
      expect(message?.applicationProperties).toMatchObject({
        alertId: alert.id,
        severity: "info",
        stage: "image-removal-90d",
        pool: alert.pool.pool,
        poolKey: alert.poolKey,
        cluster: "prod",
        lifecycleSubject: "osSku:azurelinux2",
      });
    }
  });

  it("keeps message ids within Service Bus's 128 characters by hashing longer alert ids", () => {
    const long = `${"x".repeat(200)}|image-removal-90d|2026-03-31`;
    expect(topicMessageId("short")).toBe("short");
    expect(topicMessageId(long)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(topicMessageId(long)).toBe(topicMessageId(long));
  });

  it("leaves the alert pending and reports it when the topic does not exist", async () => {
    const repo = new TableAlertRepository(tables.store());
    await decideAlerts(repo, [azureLinux2Finding("prod", "apps")], NIGHT);
    const sender = client.createSender("no-such-topic");
    const report = await deliverPendingAlerts(
      repo,
      [serviceBusTopicSink(sender)],
      new VirtualClock(NIGHT.getTime()),
    );
    await sender.close();
    expect(report.delivered).toEqual([]);
    expect(report.failures).toHaveLength(1);
    expect(report.failures[0]?.error).toMatch(/^Service Bus topic no-such-topic: /);
    expect(await repo.pendingAlerts()).toHaveLength(1);
  });
});

describe("migration notices on the Service Bus topic", () => {
  it("publishes a notice under its id, subject migration and the migration's properties; a repeat is dropped", async () => {
    const short = gateTimeoutNotice();
    // A cluster named at length gives a notice id past 128 characters: the message id is its hash.
    const long = gateTimeoutNotice(`migration:${"c".repeat(63)}:batch:3f9a2c9d0e1b`);
    long.id = `${long.id}:${"r".repeat(40)}`;
    const sender = client.createSender("lifecycle-alerts");
    const sink = serviceBusTopicSink(sender);
    for (const notice of [short, long, short, long]) {
      expect(await notifyMigration({ alertSinks: [sink] }, notice)).toEqual({
        delivered: ["topic"],
        failed: [],
      });
    }

    const receiver = client.createReceiver("lifecycle-alerts", "all", { receiveMode: "receiveAndDelete" });
    const received = await receiver.receiveMessages(10, { maxWaitTimeInMs: 1_000 });
    await receiver.close();
    await sender.close();
    expect(received.map((m) => m.messageId)).toEqual([short.id, topicMessageId(long.id)]);
    expect(long.id.length).toBeGreaterThan(128);
    expect(received[1]?.messageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const [message, notice] of [
      [received[0], short],
      [received[1], long],
    ] as const) {
      expect(message?.subject).toBe("migration");
      expect(message?.contentType).toBe("application/json");
      expect(message?.body).toEqual({ kind: "migration", ...notice });
      expect(message?.applicationProperties).toEqual({
        noticeId: notice.id,
        kind: "migration",
        migrationId: notice.migrationId,
        cluster: "aks-prod-eus",
        pool: "batch",
        severity: "warning",
      });
    }
  });

  it("reports a topic that does not exist as a refusal, not thrown", async () => {
    const sender = client.createSender("no-such-topic");
    const report = await notifyMigration({ alertSinks: [serviceBusTopicSink(sender)] }, gateTimeoutNotice());
    await sender.close();
    expect(report.delivered).toEqual([]);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.sink).toBe("topic");
    expect(report.failed[0]?.error).toMatch(/^Service Bus topic no-such-topic: /);
  });
});
