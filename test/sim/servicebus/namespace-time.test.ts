// Time in the namespace runs on the shared Clock: locks expire, scheduled messages arrive, duplicate
// windows close and messages expire in virtual time, stepped by hand or jumped to when idle.

import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../local/clock.ts";
import { connectedNamespace, receiveExactly } from "./namespace-fixture.ts";

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

function steppedClock(): VirtualClock {
  const clock = new VirtualClock(START);
  clock.pause();
  return clock;
}

describe("locks", () => {
  it("renews a lock by the lock duration, and a lapsed lock is lost: settling it fails, the message returns", async () => {
    const clock = steppedClock();
    const { namespace, client } = await connectedNamespace({
      clock,
      queues: [{ name: "notices", lockDurationMs: 30 * SECOND }],
    });
    await client.createSender("notices").sendMessages([{ body: "kept" }, { body: "lost" }]);
    // The client's own lock renewal runs on real time; switched off so only the test renews.
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    const [kept, lost] = (await receiveExactly(receiver, 2)) as [
      ServiceBusReceivedMessage,
      ServiceBusReceivedMessage,
    ];
    expect(kept.enqueuedTimeUtc?.getTime()).toBe(START);
    expect(kept.lockedUntilUtc?.getTime()).toBe(START + 30 * SECOND);

    await clock.advanceBy(20 * SECOND);
    expect((await receiver.renewMessageLock(kept)).getTime()).toBe(START + 50 * SECOND);
    await clock.advanceBy(20 * SECOND);

    await receiver.completeMessage(kept);
    await expect(receiver.completeMessage(lost)).rejects.toMatchObject({ code: "MessageLockLost" });
    await expect(receiver.renewMessageLock(lost)).rejects.toMatchObject({ code: "MessageLockLost" });
    const [returned] = await receiveExactly(receiver, 1);
    expect(returned).toMatchObject({ body: "lost", deliveryCount: 1 });
    expect(returned?.lockedUntilUtc?.getTime()).toBe(START + 70 * SECOND);
    expect(namespace.counts("notices")).toMatchObject({ active: 1, locked: 1 });
  });

  it("answers concurrent completions one by one when only one of the locks lapsed", async () => {
    const clock = steppedClock();
    const { client } = await connectedNamespace({
      clock,
      queues: [{ name: "notices", lockDurationMs: 30 * SECOND }],
    });
    await client.createSender("notices").sendMessages([{ body: "renewed" }, { body: "lapsed" }]);
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    const [renewed, lapsed] = (await receiveExactly(receiver, 2)) as [
      ServiceBusReceivedMessage,
      ServiceBusReceivedMessage,
    ];
    await clock.advanceBy(20 * SECOND);
    await receiver.renewMessageLock(renewed);
    await clock.advanceBy(20 * SECOND);
    // Both completions travel in one disposition frame; the answers must not be merged the same way.
    const outcomes = await Promise.allSettled([
      receiver.completeMessage(renewed),
      receiver.completeMessage(lapsed),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(["fulfilled", "rejected"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: "MessageLockLost" });
  });

  it("counts lost locks as deliveries and dead-letters past maxDeliveryCount", async () => {
    const clock = steppedClock();
    const { namespace, client } = await connectedNamespace({
      clock,
      queues: [{ name: "notices", lockDurationMs: 10 * SECOND, maxDeliveryCount: 2 }],
    });
    await client.createSender("notices").sendMessages({ body: "slow", messageId: "slow-1" });
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    for (let attempt = 0; attempt < 2; attempt++) {
      await receiveExactly(receiver, 1);
      await clock.advanceBy(11 * SECOND);
    }
    expect(namespace.counts("notices")).toMatchObject({ active: 0, deadLetter: 1 });
    expect(namespace.deadLetters("notices")).toMatchObject([
      { messageId: "slow-1", reason: "MaxDeliveryCountExceeded", deliveryCount: 2 },
    ]);
  });

  it("redelivers to a waiting receiver when a lock lapses on a free-running virtual clock", async () => {
    const clock = new VirtualClock(START);
    const { client } = await connectedNamespace({
      clock,
      queues: [{ name: "notices", lockDurationMs: MINUTE }],
    });
    await client.createSender("notices").sendMessages({ body: "forgotten" });
    const receiver = client.createReceiver("notices", { maxAutoLockRenewalDurationInMs: 0 });
    await receiveExactly(receiver, 1);
    // Nothing else is pending, so virtual time jumps to the lock's expiry while this receive waits.
    const [again] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(again).toMatchObject({ body: "forgotten", deliveryCount: 1 });
    expect(clock.now()).toBe(START + MINUTE);
  });
});

describe("scheduled messages", () => {
  it("enqueues a scheduled message at its time, and a cancelled one never", async () => {
    const clock = steppedClock();
    const { namespace, client } = await connectedNamespace({ clock, queues: [{ name: "notices" }] });
    const sender = client.createSender("notices");
    const at = new Date(START + 60 * MINUTE);
    const [keep, cancel] = await sender.scheduleMessages([{ body: "keep" }, { body: "cancel" }], at);
    expect(namespace.counts("notices")).toMatchObject({ active: 0, scheduled: 2 });
    const receiver = client.createReceiver("notices");
    const peeked = await receiver.peekMessages(5);
    expect(
      peeked.map((message) => [message.body, message.state, message.scheduledEnqueueTimeUtc?.getTime()]),
    ).toEqual([
      ["keep", "scheduled", at.getTime()],
      ["cancel", "scheduled", at.getTime()],
    ]);

    await sender.cancelScheduledMessages(cancel as NonNullable<typeof cancel>);
    await expect(sender.cancelScheduledMessages(cancel as NonNullable<typeof cancel>)).rejects.toMatchObject({
      code: "MessageNotFound",
    });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);

    await clock.advanceTo(at.getTime());
    const [arrived] = await receiveExactly(receiver, 1);
    expect(arrived?.body).toBe("keep");
    expect(arrived?.sequenceNumber?.toNumber()).toBe(keep?.toNumber());
    expect(arrived?.enqueuedTimeUtc?.getTime()).toBe(at.getTime());
    expect(namespace.counts("notices")).toMatchObject({ active: 1, scheduled: 0 });
  });

  it("holds a message scheduled on a topic until its time, then fans it out", async () => {
    const clock = new VirtualClock(START);
    const { namespace, client } = await connectedNamespace({
      clock,
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }, { name: "audit" }] }],
    });
    const at = new Date(START + 24 * 60 * MINUTE);
    await client.createSender("alerts").sendMessages({ body: "tomorrow", scheduledEnqueueTimeUtc: at });
    expect(namespace.counts("alerts").scheduled).toBe(1);
    expect(namespace.counts("alerts/Subscriptions/ops").active).toBe(0);
    // The waiting receiver lets virtual time jump to the scheduled time.
    const [arrived] = await client
      .createReceiver("alerts", "ops")
      .receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(arrived?.body).toBe("tomorrow");
    expect(clock.now()).toBe(at.getTime());
    expect(namespace.counts("alerts/Subscriptions/audit").active).toBe(1);
  });
});

describe("duplicate detection", () => {
  it("drops a repeated message id within the window, and accepts it again after", async () => {
    const clock = steppedClock();
    const { namespace, client } = await connectedNamespace({
      clock,
      queues: [{ name: "deduped", requiresDuplicateDetection: true }, { name: "plain" }],
    });
    const deduped = client.createSender("deduped");
    await deduped.sendMessages({ body: "first", messageId: "notice-42" });
    await clock.advanceBy(9 * MINUTE);
    await deduped.sendMessages({ body: "repeat", messageId: "notice-42" });
    const batch = await deduped.createMessageBatch();
    batch.tryAddMessage({ body: "in a batch", messageId: "notice-42" });
    batch.tryAddMessage({ body: "other", messageId: "notice-43" });
    await deduped.sendMessages(batch);
    expect(namespace.counts("deduped").active).toBe(2);

    await clock.advanceBy(2 * MINUTE);
    await deduped.sendMessages({ body: "after the window", messageId: "notice-42" });
    const bodies = (await receiveExactly(client.createReceiver("deduped"), 3)).map((message) => message.body);
    expect(bodies).toEqual(["first", "other", "after the window"]);

    const plain = client.createSender("plain");
    await plain.sendMessages({ body: 1, messageId: "same" });
    await plain.sendMessages({ body: 2, messageId: "same" });
    expect(namespace.counts("plain").active).toBe(2);
  });
});

describe("time to live", () => {
  it("dead-letters expired messages where the entity asks for it, and drops them elsewhere", async () => {
    const clock = steppedClock();
    const { namespace, client } = await connectedNamespace({
      clock,
      queues: [
        { name: "expiring", defaultMessageTimeToLiveMs: MINUTE, deadLetteringOnMessageExpiration: true },
        { name: "vanishing" },
      ],
    });
    await client.createSender("expiring").sendMessages({ body: "stale", messageId: "stale-1" });
    await client.createSender("vanishing").sendMessages({ body: "short-lived", timeToLive: 30 * SECOND });
    const [live] = await client.createReceiver("vanishing").peekMessages(1);
    expect(live?.expiresAtUtc?.getTime()).toBe(START + 30 * SECOND);

    await clock.advanceBy(MINUTE);
    expect(namespace.counts("vanishing")).toMatchObject({ active: 0, deadLetter: 0 });
    expect(namespace.deadLetters("expiring")).toMatchObject([
      {
        messageId: "stale-1",
        reason: "TTLExpiredException",
        description: "The message expired and was dead lettered.",
      },
    ]);
  });
});
