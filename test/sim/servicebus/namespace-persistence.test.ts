// Messages live in SQLite: a namespace restarted on the same file has every message, in every state.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { expect, it, onTestFinished } from "vitest";
import { VirtualClock } from "../../../local/clock.ts";
import {
  type ServiceBusNamespace,
  type ServiceBusNamespaceOptions,
  startServiceBusNamespace,
} from "../../../local/sim/servicebus/namespace.ts";
import { receiveExactly } from "./namespace-fixture.ts";

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const MINUTE = 60_000;

async function session<T>(
  options: ServiceBusNamespaceOptions,
  work: (namespace: ServiceBusNamespace, client: ServiceBusClient) => Promise<T>,
): Promise<T> {
  const namespace = await startServiceBusNamespace(options);
  const client = new ServiceBusClient(namespace.connectionString);
  try {
    return await work(namespace, client);
  } finally {
    await client.close();
    await namespace.close();
  }
}

it("loses nothing when restarted on the same data file", async () => {
  const directory = await mkdtemp(join(tmpdir(), "servicebus-namespace-"));
  onTestFinished(() => rm(directory, { recursive: true, force: true }));
  const clock = new VirtualClock(START);
  clock.pause();
  const options: ServiceBusNamespaceOptions = {
    dataFile: join(directory, "namespace.sqlite"),
    clock,
    queues: [{ name: "notices", lockDurationMs: MINUTE, requiresDuplicateDetection: true }],
    topics: [{ name: "alerts", subscriptions: [{ name: "ops" }] }],
  };

  const before = await session(options, async (namespace, client) => {
    const sender = client.createSender("notices");
    await sender.sendMessages(
      ["abandoned", "dead", "deferred", "locked", "waiting"].map((body) => ({ body, messageId: body })),
    );
    await sender.scheduleMessages(
      { body: "scheduled", messageId: "scheduled" },
      new Date(START + 30 * MINUTE),
    );
    await client.createSender("alerts").sendMessages({ body: "alert" });
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    const [abandoned, dead, deferred] = (await receiveExactly(receiver, 4)) as ServiceBusReceivedMessage[];
    await receiver.abandonMessage(abandoned as ServiceBusReceivedMessage);
    await receiver.deadLetterMessage(dead as ServiceBusReceivedMessage, {
      deadLetterReason: "Poison",
      deadLetterErrorDescription: "cannot parse",
    });
    await receiver.deferMessage(deferred as ServiceBusReceivedMessage);
    // "locked" stays locked across the restart.
    return {
      notices: namespace.counts("notices"),
      alerts: namespace.counts("alerts/Subscriptions/ops"),
      deferredSequenceNumber: (deferred as ServiceBusReceivedMessage).sequenceNumber,
    };
  });
  expect(before.notices).toEqual({ active: 3, locked: 1, deferred: 1, scheduled: 1, deadLetter: 1 });

  await session(options, async (namespace, client) => {
    expect(namespace.counts("notices")).toEqual(before.notices);
    expect(namespace.counts("alerts/Subscriptions/ops")).toEqual(before.alerts);
    expect(namespace.deadLetters("notices")).toMatchObject([{ messageId: "dead", reason: "Poison" }]);

    // Duplicate detection remembers what it saw before the restart.
    await client.createSender("notices").sendMessages({ body: "again", messageId: "waiting" });
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    const available = await receiveExactly(receiver, 2);
    expect(available.map((message) => [message.body, message.deliveryCount])).toEqual([
      ["abandoned", 1],
      ["waiting", 0],
    ]);

    for (const message of available) await receiver.completeMessage(message);

    await clock.advanceBy(30 * MINUTE);
    const later = await receiveExactly(receiver, 2);
    expect(later.map((message) => [message.body, message.deliveryCount])).toEqual([
      ["locked", 1],
      ["scheduled", 0],
    ]);
    const [deferred] = await receiver.receiveDeferredMessages(
      before.deferredSequenceNumber as NonNullable<typeof before.deferredSequenceNumber>,
    );
    expect(deferred?.body).toBe("deferred");

    await client.createSender("notices").sendMessages({ body: "new" });
    const [fresh] = await receiveExactly(receiver, 1);
    expect(fresh?.sequenceNumber?.toNumber()).toBe(7);
    expect((await receiveExactly(client.createReceiver("alerts", "ops"), 1))[0]?.body).toBe("alert");
  });
});
