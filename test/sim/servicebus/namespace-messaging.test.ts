// The simulated namespace through the real @azure/service-bus client: sending, peek-lock outcomes,
// dead-lettering, peek, deferral, topics, the subscribe() style and the errors Service Bus answers.
// Settlements with different outcomes go one at a time (rhea merges back-to-back dispositions).

import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { connectedNamespace, receiveExactly } from "./namespace-fixture.ts";

describe("sending and receiving", () => {
  it("delivers single and batched sends in order, with the broker's properties, and completes them", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    const sender = client.createSender("notices");
    await sender.sendMessages({
      body: { pool: "np1" },
      messageId: "m-1",
      applicationProperties: { kind: "retire" },
    });
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    for (const body of ["b-1", "b-2", "b-3"]) expect(batch.tryAddMessage({ body })).toBe(true);
    await sender.sendMessages(batch);
    await sender.sendMessages([{ body: "a-1" }, { body: "a-2" }]);

    const receiver = client.createReceiver("notices");
    const received = await receiveExactly(receiver, 6);
    expect(received.map((message) => message.body)).toEqual([
      { pool: "np1" },
      "b-1",
      "b-2",
      "b-3",
      "a-1",
      "a-2",
    ]);
    expect(received.map((message) => message.sequenceNumber?.toNumber())).toEqual([1, 2, 3, 4, 5, 6]);
    const first = received[0] as ServiceBusReceivedMessage;
    expect(first.messageId).toBe("m-1");
    expect(first.applicationProperties).toEqual({ kind: "retire" });
    expect(first.deliveryCount).toBe(0);
    expect(first.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      (first.lockedUntilUtc?.getTime() ?? 0) - (first.enqueuedTimeUtc?.getTime() ?? 0),
    ).toBeGreaterThanOrEqual(59_000);
    // Messages sent without an id get one, as Service Bus gives them.
    expect(received[1]?.messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(namespace.counts("notices")).toMatchObject({ active: 6, locked: 6 });

    for (const message of received) await receiver.completeMessage(message);
    expect(namespace.counts("notices")).toEqual({
      active: 0,
      locked: 0,
      deferred: 0,
      scheduled: 0,
      deadLetter: 0,
    });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
  });

  it("redelivers an abandoned message with a growing delivery count", async () => {
    const { client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client.createSender("notices").sendMessages({ body: "again" });
    const receiver = client.createReceiver("notices");
    const counts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiveExactly(receiver, 1);
      counts.push(message?.deliveryCount ?? -1);
      if (attempt < 2) await receiver.abandonMessage(message as ServiceBusReceivedMessage);
      else await receiver.completeMessage(message as ServiceBusReceivedMessage);
    }
    expect(counts).toEqual([0, 1, 2]);
  });

  it("applies properties modified on abandon", async () => {
    const { client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client
      .createSender("notices")
      .sendMessages({ body: "x", applicationProperties: { attempt: "first" } });
    const receiver = client.createReceiver("notices");
    const [message] = await receiveExactly(receiver, 1);
    await receiver.abandonMessage(message as ServiceBusReceivedMessage, { attempt: "second" });
    const [again] = await receiveExactly(receiver, 1);
    expect(again?.applicationProperties).toEqual({ attempt: "second" });
  });

  it("removes messages on delivery in receive-and-delete mode", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client.createSender("notices").sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = client.createReceiver("notices", { receiveMode: "receiveAndDelete" });
    const received = await receiveExactly(receiver, 2);
    expect(received.map((message) => [message.body, message.lockToken])).toEqual([
      [1, undefined],
      [2, undefined],
    ]);
    expect(namespace.counts("notices").active).toBe(0);
  });

  it("matches entity names without regard to case", async () => {
    const { client } = await connectedNamespace({ queues: [{ name: "Retirement-Notices" }] });
    await client.createSender("retirement-notices").sendMessages({ body: "case" });
    const [message] = await receiveExactly(client.createReceiver("RETIREMENT-NOTICES"), 1);
    expect(message?.body).toBe("case");
  });
});

describe("dead-lettering", () => {
  it("moves a message the client dead-letters, with its reason and description, to the dead-letter queue", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client.createSender("notices").sendMessages({ body: { bad: true }, messageId: "poison" });
    const receiver = client.createReceiver("notices");
    const [message] = await receiveExactly(receiver, 1);
    await receiver.deadLetterMessage(message as ServiceBusReceivedMessage, {
      deadLetterReason: "UnknownPool",
      deadLetterErrorDescription: "pool np9 does not exist",
    });

    expect(namespace.counts("notices")).toMatchObject({ active: 0, deadLetter: 1 });
    expect(namespace.deadLetters("notices")).toMatchObject([
      {
        messageId: "poison",
        reason: "UnknownPool",
        description: "pool np9 does not exist",
        body: { bad: true },
      },
    ]);
    const deadLetterReceiver = client.createReceiver("notices", { subQueueType: "deadLetter" });
    const [dead] = await receiveExactly(deadLetterReceiver, 1);
    expect(dead).toMatchObject({
      messageId: "poison",
      body: { bad: true },
      deadLetterReason: "UnknownPool",
      deadLetterErrorDescription: "pool np9 does not exist",
    });
    await deadLetterReceiver.completeMessage(dead as ServiceBusReceivedMessage);
    expect(namespace.counts("notices").deadLetter).toBe(0);
  });

  it("dead-letters a message after maxDeliveryCount failed deliveries", async () => {
    const { namespace, client } = await connectedNamespace({
      queues: [{ name: "notices", maxDeliveryCount: 3 }],
    });
    await client.createSender("notices").sendMessages({ body: "flaky", messageId: "flaky-1" });
    const receiver = client.createReceiver("notices");
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiveExactly(receiver, 1);
      await receiver.abandonMessage(message as ServiceBusReceivedMessage);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect(namespace.deadLetters("notices")).toMatchObject([
      {
        messageId: "flaky-1",
        reason: "MaxDeliveryCountExceeded",
        description: "Message could not be consumed after 3 delivery attempts.",
        deliveryCount: 3,
      },
    ]);
    const [dead] = await receiveExactly(client.createReceiver("notices", { subQueueType: "deadLetter" }), 1);
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
  });

  it("keeps a subscription's dead letters in its own sub-queue", async () => {
    const { namespace, client } = await connectedNamespace({
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }, { name: "audit" }] }],
    });
    await client.createSender("alerts").sendMessages({ body: "alert" });
    const receiver = client.createReceiver("alerts", "ops");
    const [message] = await receiveExactly(receiver, 1);
    await receiver.deadLetterMessage(message as ServiceBusReceivedMessage, {
      deadLetterReason: "Ignored",
      deadLetterErrorDescription: "not for ops",
    });
    const [dead] = await receiveExactly(
      client.createReceiver("alerts", "ops", { subQueueType: "deadLetter" }),
      1,
    );
    expect(dead?.deadLetterReason).toBe("Ignored");
    expect(namespace.counts("alerts/Subscriptions/audit")).toMatchObject({ active: 1, deadLetter: 0 });
  });
});

describe("peek and deferral", () => {
  it("peeks without locking and continues where the last peek stopped", async () => {
    const { client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client.createSender("notices").sendMessages([{ body: "p1" }, { body: "p2" }, { body: "p3" }]);
    const receiver = client.createReceiver("notices");
    const firstPeek = await receiver.peekMessages(2);
    const secondPeek = await receiver.peekMessages(2);
    expect(firstPeek.map((message) => message.body)).toEqual(["p1", "p2"]);
    expect(secondPeek.map((message) => [message.body, message.sequenceNumber?.toNumber()])).toEqual([
      ["p3", 3],
    ]);
    expect(await receiver.peekMessages(2)).toEqual([]);
    expect((await receiveExactly(receiver, 3)).map((message) => message.body)).toEqual(["p1", "p2", "p3"]);
  });

  it("sets deferred messages aside until they are received by sequence number", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await client.createSender("notices").sendMessages({ body: "later" });
    const receiver = client.createReceiver("notices");
    const [message] = await receiveExactly(receiver, 1);
    const sequenceNumber = (message as ServiceBusReceivedMessage).sequenceNumber;
    await receiver.deferMessage(message as ServiceBusReceivedMessage);

    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    expect(namespace.counts("notices")).toMatchObject({ active: 0, deferred: 1 });
    expect((await receiver.peekMessages(1, { fromSequenceNumber: sequenceNumber }))[0]?.state).toBe(
      "deferred",
    );

    const [deferred] = await receiver.receiveDeferredMessages(
      sequenceNumber as NonNullable<typeof sequenceNumber>,
    );
    expect(deferred).toMatchObject({ body: "later", state: "deferred" });
    expect(deferred?.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    await receiver.completeMessage(deferred as ServiceBusReceivedMessage);
    expect(namespace.counts("notices").deferred).toBe(0);
    await expect(
      receiver.receiveDeferredMessages(sequenceNumber as NonNullable<typeof sequenceNumber>),
    ).rejects.toMatchObject({ code: "MessageNotFound" });
  });
});

describe("topics", () => {
  it("fans a message out to every subscription, each settled on its own", async () => {
    const { namespace, client } = await connectedNamespace({
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }, { name: "audit" }] }],
    });
    await client.createSender("alerts").sendMessages([{ body: "a1" }, { body: "a2" }]);
    const ops = client.createReceiver("alerts", "ops");
    const audit = client.createReceiver("alerts", "audit");
    const toOps = await receiveExactly(ops, 2);
    const toAudit = await receiveExactly(audit, 2);
    expect(toOps.map((message) => message.body)).toEqual(["a1", "a2"]);
    expect(toAudit.map((message) => message.sequenceNumber?.toNumber())).toEqual(
      toOps.map((message) => message.sequenceNumber?.toNumber()),
    );
    for (const message of toOps) await ops.completeMessage(message);
    expect(namespace.counts("alerts/Subscriptions/ops").active).toBe(0);
    expect(namespace.counts("alerts/Subscriptions/audit").active).toBe(2);
  });

  it("delivers to a subscribe() handler as messages arrive, completing them automatically", async () => {
    const { namespace, client } = await connectedNamespace({
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }] }],
    });
    const receiver = client.createReceiver("alerts", "ops");
    const bodies: unknown[] = [];
    const allReceived = new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            bodies.push(message.body);
            if (bodies.length === 20) resolve();
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 5 },
      );
    });
    const sender = client.createSender("alerts");
    for (let index = 0; index < 20; index++) await sender.sendMessages({ body: index });
    await allReceived;
    await receiver.close();
    expect([...bodies].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(namespace.counts("alerts/Subscriptions/ops")).toMatchObject({ active: 0, locked: 0 });
  });
});

describe("errors as Service Bus answers them", () => {
  it("answers not-found for entities that do not exist, and creates none", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await expect(client.createSender("missing").sendMessages({ body: 1 })).rejects.toMatchObject({
      code: "MessagingEntityNotFound",
      message: expect.stringContaining("The messaging entity 'sb://127.0.0.1:"),
    });
    await expect(
      client.createReceiver("missing").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    ).rejects.toMatchObject({ code: "MessagingEntityNotFound" });
    await expect(client.createReceiver("missing").peekMessages(1)).rejects.toMatchObject({
      code: "MessagingEntityNotFound",
    });
    expect(namespace.entities()).toEqual(["notices", "notices/$DeadLetterQueue"]);
  });

  it("refuses receiving from a topic, sending to a subscription or dead-letter queue, and sessions", async () => {
    const { client } = await connectedNamespace({
      queues: [{ name: "notices" }],
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }] }],
    });
    await expect(
      client.createReceiver("alerts").receiveMessages(1, { maxWaitTimeInMs: 500 }),
    ).rejects.toThrow("Cannot receive from 'alerts'");
    await expect(client.createSender("alerts/Subscriptions/ops").sendMessages({ body: 1 })).rejects.toThrow(
      "Cannot send to 'alerts/Subscriptions/ops'",
    );
    await expect(client.createSender("notices/$DeadLetterQueue").sendMessages({ body: 1 })).rejects.toThrow(
      "Cannot send to 'notices/$DeadLetterQueue'",
    );
    await expect(client.acceptSession("notices", "session-1")).rejects.toThrow("does not simulate sessions");
  });

  it("refuses a message over the size limit", async () => {
    const { namespace, client } = await connectedNamespace({ queues: [{ name: "notices" }] });
    await expect(
      client.createSender("notices").sendMessages({ body: Buffer.alloc(300 * 1024) }),
    ).rejects.toMatchObject({ code: "MessageSizeExceeded" });
    expect(namespace.counts("notices").active).toBe(0);
  });
});
