// Receivers attached to the namespace (our rhea senders) and their link credit. The client grants
// credit itself and drains it at the end of a receive, so credit is counted here, not read from rhea:
// rhea lowers `credit` only once a transfer is written, after our sends (servicebus-protocol.md).

import type { Sender } from "rhea";
import type { ReceiveMode } from "./broker.ts";
import type { ReceivableEntity } from "./entities.ts";

export interface Consumer {
  readonly link: Sender;
  readonly entity: ReceivableEntity;
  readonly mode: ReceiveMode;
  /** Deliveries handed to rhea plus credit given back by drains: our side of the delivery count. */
  sent: number;
  /** Whether the drain asked for by the latest flow was answered. */
  drainAnswered: boolean;
}

/** The parts of rhea's Sender that credit accounting needs and its typings leave out. */
interface SenderInternals {
  credit: number;
  delivery_count: number;
  _draining: boolean;
  _drained: boolean;
  _get_drain: () => boolean;
  session: { outgoing: { available(): number } };
  connection: { _register(): void };
}

function internals(link: Sender): SenderInternals {
  return link as unknown as SenderInternals;
}

export class ConsumerSet {
  private readonly byEntity = new Map<string, Set<Consumer>>();
  private readonly byLink = new Map<Sender, Consumer>();

  add(link: Sender, entity: ReceivableEntity, mode: ReceiveMode): Consumer {
    answerDrainsWhenCreditIsSpent(link);
    const consumer: Consumer = { link, entity, mode, sent: 0, drainAnswered: true };
    this.byLink.set(link, consumer);
    let consumers = this.byEntity.get(entity.key);
    if (!consumers) {
      consumers = new Set();
      this.byEntity.set(entity.key, consumers);
    }
    consumers.add(consumer);
    return consumer;
  }

  of(link: Sender): Consumer | undefined {
    return this.byLink.get(link);
  }

  /** Open consumers of an entity; closed ones are forgotten on the way. */
  ofEntity(entityKey: string): Consumer[] {
    const consumers = this.byEntity.get(entityKey);
    if (!consumers) return [];
    for (const consumer of consumers) {
      if (!consumer.link.is_open()) this.remove(consumer);
    }
    return [...consumers];
  }

  /** Entities where some receiver holds unused credit: what the namespace must wake up for. */
  waitingEntities(): ReceivableEntity[] {
    const waiting: ReceivableEntity[] = [];
    for (const key of [...this.byEntity.keys()]) {
      const consumers = this.ofEntity(key);
      const first = consumers[0];
      if (first && consumers.some((consumer) => availableCredit(consumer) > 0)) waiting.push(first.entity);
    }
    return waiting;
  }

  removeWhere(predicate: (consumer: Consumer) => boolean): void {
    for (const consumer of [...this.byLink.values()]) {
      if (predicate(consumer)) this.remove(consumer);
    }
  }

  private remove(consumer: Consumer): void {
    this.byLink.delete(consumer.link);
    const consumers = this.byEntity.get(consumer.entity.key);
    consumers?.delete(consumer);
    if (consumers?.size === 0) this.byEntity.delete(consumer.entity.key);
  }
}

/** Deliveries the consumer may still receive: its credit, and room in the session's delivery buffer. */
export function availableCredit(consumer: Consumer): number {
  const link = internals(consumer.link);
  const limit = link.credit + link.delivery_count;
  return Math.min(limit - consumer.sent, link.session.outgoing.available());
}

/** The latest flow asked for a drain: give back the unused credit and tell the client so. */
export function answerDrainIfAsked(consumer: Consumer): void {
  const link = internals(consumer.link);
  if (!link._draining || consumer.drainAnswered) return;
  consumer.drainAnswered = true;
  consumer.sent = link.credit + link.delivery_count;
  consumer.link.set_drained(true);
  // Outside rhea's own event processing, nothing else would get the flow written.
  link.connection._register();
}

/**
 * rhea sends the drain flag only while credit is left; when our transfers already used it up, the
 * client would wait for a drained flow until its timeout and then close the link.
 */
function answerDrainsWhenCreditIsSpent(link: Sender): void {
  const sender = internals(link);
  sender._get_drain = function getDrain(this: SenderInternals) {
    if (!this._draining || !this._drained) return false;
    this.delivery_count += this.credit;
    this.credit = 0;
    return true;
  };
}
