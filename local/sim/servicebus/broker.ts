// Service Bus semantics over the message store, independent of AMQP links: enqueue and fan-out,
// duplicate detection, peek-lock and its outcomes, delivery counts, dead-lettering, scheduling,
// deferral, and time (lock expiry, scheduled enqueue, time to live) read from the Clock on access.

import { randomUUID } from "node:crypto";
import type { Message } from "rhea";
import type { Clock } from "../../clock.ts";
import {
  encodeMessage,
  ensureMessageId,
  scheduledEnqueueTime,
  timeToLive,
  withApplicationProperties,
} from "./amqp-message.ts";
import {
  type EntityRegistry,
  type ReceivableEntity,
  type SendableEntity,
  shortestDuration,
} from "./entities.ts";
import { MessageState, type MessageStore, type StoredMessage } from "./message-store.ts";
import { lockLost, messageNotFound, notAllowed } from "./service-bus-fault.ts";

export type ReceiveMode = "peekLock" | "receiveAndDelete";

export type Settlement =
  | { readonly kind: "complete" }
  | { readonly kind: "abandon"; readonly properties?: Record<string, unknown> | undefined }
  | { readonly kind: "defer"; readonly properties?: Record<string, unknown> | undefined }
  | {
      readonly kind: "dead-letter";
      readonly reason?: string | undefined;
      readonly description?: string | undefined;
      readonly properties?: Record<string, unknown> | undefined;
    };

export class Broker {
  private readonly store: MessageStore;
  private readonly registry: EntityRegistry;
  private readonly clock: Clock;
  private readonly onAvailable: (entityKey: string) => void;
  private lastSweepAt = Number.NEGATIVE_INFINITY;

  /** `onAvailable` hears of every entity where a message became receivable. */
  constructor(options: {
    store: MessageStore;
    registry: EntityRegistry;
    clock: Clock;
    onAvailable: (entityKey: string) => void;
  }) {
    this.store = options.store;
    this.registry = options.registry;
    this.clock = options.clock;
    this.onAvailable = options.onAvailable;
  }

  /** Stores messages sent to a queue or topic; returns the sequence numbers of those not dropped as duplicates. */
  send(target: SendableEntity, messages: readonly Message[], detectDuplicates = true): number[] {
    const now = this.sweep();
    return this.store.transaction(() => {
      const sequenceNumbers: number[] = [];
      for (const message of messages) {
        const messageId = ensureMessageId(message);
        if (detectDuplicates && this.isDuplicate(target, messageId, now)) continue;
        const sequenceNumber = this.store.nextSequenceNumber(target.key);
        sequenceNumbers.push(sequenceNumber);
        const body = encodeMessage(message);
        const scheduledAt = scheduledEnqueueTime(message);
        if (scheduledAt !== undefined && scheduledAt > now) {
          this.store.insert({
            entity: target.key,
            sequenceNumber,
            state: MessageState.scheduled,
            body,
            messageId,
            timeToLiveMs: timeToLive(message),
            enqueuedAt: now,
            scheduledAt,
            expiresAt: undefined,
            deliveryCount: 0,
            lockToken: undefined,
            lockedUntil: undefined,
          });
        } else {
          this.enqueue(target, { sequenceNumber, body, messageId, timeToLiveMs: timeToLive(message) }, now);
        }
      }
      return sequenceNumbers;
    });
  }

  /** Takes the next available message: locked for peek-lock, removed for receive-and-delete. */
  receiveNext(entity: ReceivableEntity, mode: ReceiveMode): StoredMessage | undefined {
    const now = this.sweep();
    const next = this.store.firstAvailable(entity.key);
    if (!next) return undefined;
    return this.take(entity, next, mode, now);
  }

  settle(entity: ReceivableEntity, lockToken: string, settlement: Settlement): void {
    const now = this.sweep();
    const locked = this.lockedMessage(entity, lockToken, now);
    switch (settlement.kind) {
      case "complete":
        this.store.delete(locked.entity, locked.sequenceNumber);
        return;
      case "abandon":
        this.failDelivery(entity, withProperties(locked, settlement.properties));
        return;
      case "defer":
        this.store.update({
          ...unlocked(withProperties(locked, settlement.properties)),
          state: MessageState.deferred,
        });
        return;
      case "dead-letter":
        if (!entity.deadLetterQueue) {
          throw notAllowed(
            "A message in a dead-letter queue cannot be dead-lettered again.",
            entity.path,
            now,
          );
        }
        this.deadLetter(entity.deadLetterQueue, locked, {
          ...settlement.properties,
          DeadLetterReason: settlement.reason,
          DeadLetterErrorDescription: settlement.description,
        });
        return;
    }
  }

  /** Extends a lock by the entity's lock duration; returns the new expiry. */
  renewLock(entity: ReceivableEntity, lockToken: string): number {
    const now = this.sweep();
    const locked = this.lockedMessage(entity, lockToken, now);
    const lockedUntil = now + entity.lockDurationMs;
    this.store.update({ ...locked, lockedUntil });
    return lockedUntil;
  }

  /** Messages in any state (active, locked, deferred, scheduled) from a sequence number on. */
  peek(entity: ReceivableEntity, fromSequenceNumber: number, count: number): StoredMessage[] {
    this.sweep();
    return this.store.range(entity.key, fromSequenceNumber, count);
  }

  cancelScheduled(target: SendableEntity, sequenceNumbers: readonly number[]): void {
    const now = this.sweep();
    for (const sequenceNumber of sequenceNumbers) {
      if (this.store.get(target.key, sequenceNumber)?.state !== MessageState.scheduled) {
        throw messageNotFound(
          `No scheduled message with sequence number ${sequenceNumber} is waiting in '${target.path}'.`,
          target.path,
          now,
        );
      }
    }
    this.store.transaction(() => {
      for (const sequenceNumber of sequenceNumbers) this.store.delete(target.key, sequenceNumber);
    });
  }

  /** Deferred messages by sequence number, all or none. */
  receiveDeferred(
    entity: ReceivableEntity,
    sequenceNumbers: readonly number[],
    mode: ReceiveMode,
  ): StoredMessage[] {
    const now = this.sweep();
    const deferred = sequenceNumbers.map((sequenceNumber) => {
      const message = this.store.get(entity.key, sequenceNumber);
      if (message?.state !== MessageState.deferred || message.lockToken !== undefined) {
        throw messageNotFound(
          `Failed to lock the message with sequence number ${sequenceNumber}: it is not a deferred message of '${entity.path}', or another receiver holds its lock.`,
          entity.path,
          now,
        );
      }
      return message;
    });
    return this.store.transaction(() => deferred.map((message) => this.take(entity, message, mode, now)));
  }

  /**
   * Applies what time has done since the last look: lost locks count as failed deliveries, scheduled
   * messages are enqueued, expired ones dead-lettered or dropped. Returns the current time.
   */
  sweep(): number {
    const now = this.clock.now();
    // Every deadline lies after the moment it was set, so nothing can fall due while time stands still.
    if (now <= this.lastSweepAt) return now;
    this.lastSweepAt = now;
    for (const locked of this.store.expiredLocks(now)) {
      const entity = this.registry.receivable(locked.entity);
      if (entity) this.failDelivery(entity, locked);
      else this.store.update(unlocked(locked));
    }
    for (const scheduled of this.store.dueScheduled(now)) {
      this.store.delete(scheduled.entity, scheduled.sequenceNumber);
      const target = this.registry.sendable(scheduled.entity);
      if (target) this.enqueue(target, scheduled, scheduled.scheduledAt ?? now);
    }
    for (const expired of this.store.expired(now)) {
      const entity = this.registry.receivable(expired.entity);
      if (entity?.deadLetteringOnMessageExpiration && entity.deadLetterQueue) {
        this.deadLetter(entity.deadLetterQueue, expired, {
          DeadLetterReason: "TTLExpiredException",
          DeadLetterErrorDescription: "The message expired and was dead lettered.",
        });
      } else {
        this.store.delete(expired.entity, expired.sequenceNumber);
      }
    }
    this.store.forgetMessageIds(now);
    return now;
  }

  /** When something next happens by itself to what these entities' receivers wait for. */
  nextDeadline(entities: Iterable<ReceivableEntity>): number | undefined {
    let earliest: number | undefined;
    for (const entity of entities) {
      const candidates = [
        this.store.earliestLockExpiry(entity.key),
        entity.scheduledSourceKey === undefined
          ? undefined
          : this.store.earliestScheduled(entity.scheduledSourceKey),
      ];
      for (const at of candidates) {
        if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
      }
    }
    return earliest;
  }

  private take(
    entity: ReceivableEntity,
    message: StoredMessage,
    mode: ReceiveMode,
    now: number,
  ): StoredMessage {
    if (mode === "receiveAndDelete") {
      this.store.delete(message.entity, message.sequenceNumber);
      return message;
    }
    const locked = { ...message, lockToken: randomUUID(), lockedUntil: now + entity.lockDurationMs };
    this.store.update(locked);
    return locked;
  }

  private lockedMessage(entity: ReceivableEntity, lockToken: string, now: number): StoredMessage {
    const locked = this.store.byLockToken(lockToken);
    if (!locked || locked.entity !== entity.key || (locked.lockedUntil ?? 0) <= now) {
      throw lockLost(entity.path, now);
    }
    return locked;
  }

  private isDuplicate(target: SendableEntity, messageId: string, now: number): boolean {
    const window = target.duplicateDetectionWindowMs;
    return window !== undefined && this.store.seenWithin(target.key, messageId, now, window);
  }

  private enqueue(
    target: SendableEntity,
    message: Pick<StoredMessage, "sequenceNumber" | "body" | "messageId" | "timeToLiveMs">,
    enqueuedAt: number,
  ): void {
    for (const destination of target.destinations) {
      const timeToLiveMs = shortestDuration(message.timeToLiveMs, destination.defaultMessageTimeToLiveMs);
      this.store.insert({
        entity: destination.key,
        sequenceNumber: message.sequenceNumber,
        state: MessageState.active,
        body: message.body,
        messageId: message.messageId,
        timeToLiveMs: message.timeToLiveMs,
        enqueuedAt,
        scheduledAt: undefined,
        expiresAt: timeToLiveMs === undefined ? undefined : enqueuedAt + timeToLiveMs,
        deliveryCount: 0,
        lockToken: undefined,
        lockedUntil: undefined,
      });
      this.onAvailable(destination.key);
    }
  }

  /** An abandon or a lost lock: one more failed delivery, then the dead-letter queue past the limit. */
  private failDelivery(entity: ReceivableEntity, message: StoredMessage): void {
    const failed = { ...unlocked(message), deliveryCount: message.deliveryCount + 1 };
    const limit = entity.maxDeliveryCount;
    if (limit !== undefined && entity.deadLetterQueue && failed.deliveryCount >= limit) {
      this.deadLetter(entity.deadLetterQueue, failed, {
        DeadLetterReason: "MaxDeliveryCountExceeded",
        DeadLetterErrorDescription: `Message could not be consumed after ${limit} delivery attempts.`,
      });
      return;
    }
    this.store.update(failed);
    if (failed.state === MessageState.active) this.onAvailable(entity.key);
  }

  private deadLetter(
    deadLetterQueue: ReceivableEntity,
    message: StoredMessage,
    properties: Record<string, unknown>,
  ): void {
    this.store.update(
      {
        ...unlocked(message),
        entity: deadLetterQueue.key,
        state: MessageState.active,
        body: withApplicationProperties(message.body, properties),
        expiresAt: undefined,
      },
      message,
    );
    this.onAvailable(deadLetterQueue.key);
  }
}

function unlocked(message: StoredMessage): StoredMessage {
  return { ...message, lockToken: undefined, lockedUntil: undefined };
}

function withProperties(
  message: StoredMessage,
  properties: Record<string, unknown> | undefined,
): StoredMessage {
  if (!properties || Object.keys(properties).length === 0) return message;
  return { ...message, body: withApplicationProperties(message.body, properties) };
}
