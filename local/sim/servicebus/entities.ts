// The namespace's addressable entities, resolved from definitions: what can be sent to (queues, topics)
// and what can be received from (queues, subscriptions, dead-letter sub-queues). Service Bus matches
// entity names without regard to case, so every lookup goes through a lower-cased key.

import type { ResolvedServiceBusEntities } from "./entity-definitions.ts";

export const DEAD_LETTER_SUFFIX = "/$DeadLetterQueue";
export const MANAGEMENT_SUFFIX = "/$management";

export interface ReceivableEntity {
  readonly kind: "queue" | "subscription" | "dead-letter-queue";
  /** As the client addresses it, e.g. `alerts/Subscriptions/ops` or `notices/$DeadLetterQueue`. */
  readonly path: string;
  /** Lower-cased path: the key messages are stored under. */
  readonly key: string;
  /** Where scheduled messages wait before they reach this entity (a queue itself, a subscription's topic). */
  readonly scheduledSourceKey: string | undefined;
  readonly lockDurationMs: number;
  /** Dead-letter sub-queues never dead-letter again, so they have no limit. */
  readonly maxDeliveryCount: number | undefined;
  readonly deadLetterQueue: ReceivableEntity | undefined;
  readonly deadLetteringOnMessageExpiration: boolean;
  readonly defaultMessageTimeToLiveMs: number | undefined;
}

export interface SendableEntity {
  readonly kind: "queue" | "topic";
  readonly path: string;
  readonly key: string;
  /** Undefined when the entity does not require duplicate detection. */
  readonly duplicateDetectionWindowMs: number | undefined;
  /** A queue delivers to itself; a topic to every subscription. */
  readonly destinations: readonly ReceivableEntity[];
}

export class EntityRegistry {
  private readonly receivables = new Map<string, ReceivableEntity>();
  private readonly sendables = new Map<string, SendableEntity>();

  constructor(definitions: ResolvedServiceBusEntities) {
    for (const queue of definitions.queues) {
      const receivable = this.addReceivable("queue", queue.name, queue.name, queue);
      this.addSendable("queue", queue.name, queue, [receivable]);
    }
    for (const topic of definitions.topics) {
      const subscriptions = topic.subscriptions.map((subscription) =>
        this.addReceivable("subscription", `${topic.name}/Subscriptions/${subscription.name}`, topic.name, {
          ...subscription,
          defaultMessageTimeToLiveMs: shortestDuration(
            subscription.defaultMessageTimeToLiveMs,
            topic.defaultMessageTimeToLiveMs,
          ),
        }),
      );
      this.addSendable("topic", topic.name, topic, subscriptions);
    }
  }

  receivable(address: string): ReceivableEntity | undefined {
    return this.receivables.get(address.toLowerCase());
  }

  sendable(address: string): SendableEntity | undefined {
    return this.sendables.get(address.toLowerCase());
  }

  /** Every path a client may address, dead-letter sub-queues included. */
  paths(): string[] {
    const paths = new Set([...this.sendables.values(), ...this.receivables.values()].map((e) => e.path));
    return [...paths];
  }

  private addReceivable(
    kind: "queue" | "subscription",
    path: string,
    scheduledSource: string,
    settings: {
      lockDurationMs: number;
      maxDeliveryCount: number;
      deadLetteringOnMessageExpiration: boolean;
      defaultMessageTimeToLiveMs?: number | undefined;
    },
  ): ReceivableEntity {
    const deadLetterPath = `${path}${DEAD_LETTER_SUFFIX}`;
    const deadLetterQueue: ReceivableEntity = {
      kind: "dead-letter-queue",
      path: deadLetterPath,
      key: deadLetterPath.toLowerCase(),
      scheduledSourceKey: undefined,
      lockDurationMs: settings.lockDurationMs,
      maxDeliveryCount: undefined,
      deadLetterQueue: undefined,
      deadLetteringOnMessageExpiration: false,
      defaultMessageTimeToLiveMs: undefined,
    };
    const entity: ReceivableEntity = {
      kind,
      path,
      key: path.toLowerCase(),
      scheduledSourceKey: scheduledSource.toLowerCase(),
      lockDurationMs: settings.lockDurationMs,
      maxDeliveryCount: settings.maxDeliveryCount,
      deadLetterQueue,
      deadLetteringOnMessageExpiration: settings.deadLetteringOnMessageExpiration,
      defaultMessageTimeToLiveMs: settings.defaultMessageTimeToLiveMs,
    };
    this.receivables.set(entity.key, entity);
    this.receivables.set(deadLetterQueue.key, deadLetterQueue);
    return entity;
  }

  private addSendable(
    kind: "queue" | "topic",
    path: string,
    settings: {
      requiresDuplicateDetection: boolean;
      duplicateDetectionWindowMs: number;
    },
    destinations: readonly ReceivableEntity[],
  ): void {
    this.sendables.set(path.toLowerCase(), {
      kind,
      path,
      key: path.toLowerCase(),
      duplicateDetectionWindowMs: settings.requiresDuplicateDetection
        ? settings.duplicateDetectionWindowMs
        : undefined,
      destinations,
    });
  }
}

/** The shorter of two optional durations, where absent means unlimited. */
export function shortestDuration(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
