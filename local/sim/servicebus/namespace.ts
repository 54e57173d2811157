// A Service Bus namespace on loopback, spoken to over AMQP 1.0 by the unmodified @azure/service-bus
// client (connection string with UseDevelopmentEmulator=true). Built on rhea's server mode; protocol
// facts from the client's own source (@azure/service-bus, @azure/core-amqp) and
// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-request-response.
// Entities come from the caller, messages live in SQLite, time comes from the Clock.

import { randomUUID } from "node:crypto";
import { once } from "node:events";
import type { Server, Socket } from "node:net";
import rhea, { type Connection, type Delivery, type EventContext, type Message, type Sender } from "rhea";
import { type Clock, RealClock } from "../../clock.ts";
import {
  decodeMessage,
  encodeForReceiver,
  encodeMessage,
  lockTokenToDeliveryTag,
  messagesOfTransfer,
  readableBody,
} from "./amqp-message.ts";
import { Broker, type ReceiveMode, type Settlement } from "./broker.ts";
import { answerDrainIfAsked, availableCredit, type Consumer, ConsumerSet } from "./consumers.ts";
import { EntityRegistry, MANAGEMENT_SUFFIX, type ReceivableEntity, type SendableEntity } from "./entities.ts";
import { parseServiceBusEntities, type QueueDefinition, type TopicDefinition } from "./entity-definitions.ts";
import { handleManagementRequest, type ManagedEntity } from "./management.ts";
import { MessageStore } from "./message-store.ts";
import { entityNotFound, notAllowed, ServiceBusFault } from "./service-bus-fault.ts";

export {
  type QueueDefinition,
  queueDefinitionSchema,
  type ServiceBusEntities,
  type SubscriptionDefinition,
  serviceBusEntitiesSchema,
  subscriptionDefinitionSchema,
  type TopicDefinition,
  topicDefinitionSchema,
} from "./entity-definitions.ts";

/** Standard tier's message size limit: https://learn.microsoft.com/azure/service-bus-messaging/service-bus-quotas */
export const MAX_MESSAGE_SIZE_BYTES = 256 * 1024;

const CBS_ADDRESS = "$cbs";
const SESSION_FILTER = "com.microsoft:session-filter";

export interface ServiceBusNamespaceOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: "127.0.0.1";
  /** SQLite file holding the messages; in memory when absent. */
  dataFile?: string;
  clock?: Clock;
  queues?: QueueDefinition[];
  topics?: TopicDefinition[];
  /**
   * Real milliseconds to hold back accepting a transfer to a queue or topic (asked once per transfer): the
   * messages are enqueued at once, so a sender killed meanwhile cannot know they landed.
   */
  acceptDelayMs?: (entityPath: string) => number;
  /** Told each token a client presents on $cbs (a SAS token signed with the namespace's key). */
  onToken?: (token: string) => void;
}

export interface EntityCounts {
  /** Enqueued messages, locked ones included. */
  readonly active: number;
  readonly locked: number;
  readonly deferred: number;
  readonly scheduled: number;
  readonly deadLetter: number;
}

export interface DeadLetteredMessage {
  readonly sequenceNumber: number;
  readonly messageId: string;
  readonly reason: unknown;
  readonly description: unknown;
  readonly deliveryCount: number;
  readonly enqueuedTime: Date;
  readonly applicationProperties: Record<string, unknown>;
  /** Decoded as the SDK decodes it: JSON data comes back parsed. */
  readonly body: unknown;
}

export interface ServiceBusNamespace {
  /** `Endpoint=sb://127.0.0.1:<port>;…;UseDevelopmentEmulator=true;` for ServiceBusClient. */
  readonly connectionString: string;
  readonly host: string;
  readonly port: number;
  /** Every addressable path: queues, topics, subscriptions and their dead-letter sub-queues. */
  entities(): string[];
  /**
   * Message counts of a queue, subscription or dead-letter sub-queue, as of the clock's now. For a topic,
   * only `scheduled` (messages wait in the topic until they fan out) is non-zero.
   */
  counts(entity: string): EntityCounts;
  /** The dead-letter sub-queue of a queue or subscription, oldest first. */
  deadLetters(entity: string): DeadLetteredMessage[];
  close(): Promise<void>;
}

export async function startServiceBusNamespace(
  options: ServiceBusNamespaceOptions = {},
): Promise<ServiceBusNamespace> {
  const definitions = parseServiceBusEntities({ queues: options.queues ?? [], topics: options.topics ?? [] });
  const namespace = new AmqpNamespace(
    new EntityRegistry(definitions),
    options.clock ?? new RealClock(),
    options.dataFile,
    options.acceptDelayMs ?? (() => 0),
    options.onToken ?? (() => {}),
  );
  await namespace.listen(options.host ?? "127.0.0.1", options.port ?? 0);
  return namespace;
}

interface InFlightDelivery {
  readonly lockToken: string;
  readonly entity: ReceivableEntity;
}

interface PendingReply {
  readonly delivery: Delivery;
  readonly state: unknown;
  readonly accepted: boolean;
  /** Our own deliveries: the client settled first and will not say so again. */
  readonly outgoing: boolean;
}

/** The outcome constructors rhea has but does not declare. */
const outcomes = rhea.message as unknown as {
  accepted(): { described(): unknown };
  rejected(fields: { error?: { condition: string; description: string } }): { described(): unknown };
  modified(fields: { undeliverable_here?: boolean; delivery_failed?: boolean }): { described(): unknown };
};

class AmqpNamespace implements ServiceBusNamespace {
  host = "127.0.0.1";
  port = 0;
  private readonly registry: EntityRegistry;
  private readonly clock: Clock;
  private readonly acceptDelayMs: (entityPath: string) => number;
  private readonly onToken: (token: string) => void;
  /** Acceptances held back by acceptDelayMs, dropped on close like the connections they would go out on. */
  private readonly delayedAcceptances = new Set<ReturnType<typeof setTimeout>>();
  private readonly store: MessageStore;
  private readonly broker: Broker;
  private readonly container = rhea.create_container({ id: `servicebus-namespace-${randomUUID()}` });
  private readonly consumers = new ConsumerSet();
  private readonly inFlight = new WeakMap<Delivery, InFlightDelivery>();
  private readonly replyLinks = new Map<Connection, Map<string, Sender>>();
  private readonly connections = new Set<Connection>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private closed = false;
  private readonly pumpsDue = new Set<string>();
  private pumpQueued = false;
  private rearmQueued = false;
  private wake: { at: number; abort: AbortController } | undefined;
  private replies: PendingReply[] = [];
  private repliesQueued = false;

  constructor(
    registry: EntityRegistry,
    clock: Clock,
    dataFile: string | undefined,
    acceptDelayMs: (entityPath: string) => number,
    onToken: (token: string) => void,
  ) {
    this.registry = registry;
    this.clock = clock;
    this.acceptDelayMs = acceptDelayMs;
    this.onToken = onToken;
    this.store = new MessageStore(dataFile);
    this.broker = new Broker({
      store: this.store,
      registry,
      clock,
      onAvailable: (entityKey) => this.requestPump(entityKey),
    });
    this.registerHandlers();
  }

  get connectionString(): string {
    return `Endpoint=sb://${this.host}:${this.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
  }

  private get endpoint(): string {
    return `sb://${this.host}:${this.port}/`;
  }

  async listen(host: string, port: number): Promise<void> {
    // Connection options rhea reads but does not declare for servers.
    const connectionOptions = {
      // Modified outcomes carry abandon and defer apart; rhea would fold both into "released".
      treat_modified_as_released: false,
      autoaccept: false,
      // Room for many unsettled deliveries per session (rhea's default is 2048).
      session_buffer_size: 65_536,
    };
    const server = this.container.listen({ host, port, ...connectionOptions });
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    this.server = server;
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string")
      throw new Error("the namespace did not get a TCP port");
    this.host = host;
    this.port = address.port;
  }

  entities(): string[] {
    return this.registry.paths();
  }

  counts(entity: string): EntityCounts {
    this.broker.sweep();
    const receivable = this.registry.receivable(entity);
    if (receivable) {
      const deadLetter = receivable.deadLetterQueue
        ? this.store.counts(receivable.deadLetterQueue.key).active
        : 0;
      return { ...this.store.counts(receivable.key), deadLetter };
    }
    const sendable = this.registry.sendable(entity);
    if (!sendable) throw unknownEntity(entity);
    return {
      active: 0,
      locked: 0,
      deferred: 0,
      scheduled: this.store.counts(sendable.key).scheduled,
      deadLetter: 0,
    };
  }

  deadLetters(entity: string): DeadLetteredMessage[] {
    this.broker.sweep();
    const receivable = this.registry.receivable(entity);
    if (!receivable) throw unknownEntity(entity);
    const deadLetterQueue = receivable.deadLetterQueue ?? receivable;
    return this.store.range(deadLetterQueue.key, 0, Number.MAX_SAFE_INTEGER).map((stored) => {
      const properties = (decodeMessage(stored.body).application_properties ?? {}) as Record<string, unknown>;
      return {
        sequenceNumber: stored.sequenceNumber,
        messageId: stored.messageId,
        reason: properties.DeadLetterReason,
        description: properties.DeadLetterErrorDescription,
        deliveryCount: stored.deliveryCount,
        enqueuedTime: new Date(stored.enqueuedAt),
        applicationProperties: properties,
        body: readableBody(stored.body),
      };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake?.abort.abort();
    this.wake = undefined;
    for (const timer of this.delayedAcceptances) clearTimeout(timer);
    for (const connection of this.connections) {
      if (connection.is_open()) {
        connection.close({
          condition: "amqp:connection:forced",
          description: "The namespace is shutting down.",
        });
      }
    }
    // Let the close frames go out before the sockets end.
    await new Promise((resolve) => setImmediate(resolve));
    for (const socket of this.sockets) socket.destroy();
    if (this.server) {
      const closing = once(this.server, "close");
      this.server.close();
      await closing;
    }
    this.store.close();
  }

  private registerHandlers(): void {
    const on = (event: string, handler: (context: EventContext) => void) => {
      this.container.on(event, (context: EventContext) => {
        if (this.closed) return;
        try {
          handler(context);
        } catch (error) {
          reportFailure(event, error);
          const link = context.sender ?? context.receiver;
          if (link?.is_open()) link.close({ condition: "amqp:internal-error", description: String(error) });
        }
        this.requestRearm();
      });
    };
    on("connection_open", (context) => this.connections.add(context.connection));
    on("sender_open", (context) => this.attachReceiver(context.sender as Sender));
    on("receiver_open", (context) => this.attachSender(context));
    on("message", (context) => this.onTransfer(context));
    on("sender_flow", (context) => this.onFlow(context.sender as Sender));
    on("sendable", (context) => this.onSendable(context.sender as Sender));
    on("accepted", (context) => this.onOutcome(context, { kind: "complete" }));
    on("released", (context) => this.onOutcome(context, { kind: "abandon" }));
    on("modified", (context) => this.onOutcome(context, modifiedSettlement(context)));
    on("rejected", (context) => this.onOutcome(context, rejectedSettlement(context)));
    for (const event of [
      "sender_close",
      "receiver_close",
      "session_close",
      "connection_close",
      "disconnected",
    ]) {
      on(event, (context) => this.forgetClosedLinks(context));
    }
    this.container.on("error", (error: unknown) => {
      if (!this.closed) reportFailure("error", error);
    });
  }

  /** The client attaches a receiver: we are the sender, of messages or of replies. */
  private attachReceiver(link: Sender): void {
    const address = String(link.source?.address ?? "");
    echoTermini(link);
    const fault = this.receiveFault(address, link.source?.filter);
    if (fault) {
      this.refuse(link, fault, "source");
    } else if (address === CBS_ADDRESS || isManagementAddress(address)) {
      const replyLinks = this.replyLinksOf(link.connection);
      replyLinks.set(link.name, link);
      if (link.target?.address) replyLinks.set(String(link.target.address), link);
    } else {
      const entity = this.registry.receivable(address) as ReceivableEntity;
      const mode: ReceiveMode = link.snd_settle_mode === 1 ? "receiveAndDelete" : "peekLock";
      setLocalAttach(link, { snd_settle_mode: link.snd_settle_mode, rcv_settle_mode: link.rcv_settle_mode });
      this.consumers.add(link, entity, mode);
    }
  }

  /** The client attaches a sender: messages, CBS tokens or management requests come our way. */
  private attachSender(context: EventContext): void {
    const link = context.receiver;
    if (!link) return;
    const address = String(link.target?.address ?? "");
    echoTermini(link);
    const fault = this.sendFault(address);
    if (fault) this.refuse(link, fault, "target");
  }

  /** Why a receiver may not attach to `address`, if it may not. */
  private receiveFault(address: string, filter: unknown): ServiceBusFault | undefined {
    if (address === CBS_ADDRESS) return undefined;
    if (isManagementAddress(address)) return this.managementFault(address);
    const now = this.clock.now();
    const entity = this.registry.receivable(address);
    if (!entity) {
      return this.registry.sendable(address)
        ? notAllowed(`Cannot receive from '${address}': receive from one of its subscriptions.`, address, now)
        : entityNotFound(this.endpoint, address, now);
    }
    if (filter && typeof filter === "object" && SESSION_FILTER in filter) {
      return new ServiceBusFault(
        "amqp:not-implemented",
        501,
        `'${entity.path}' does not require sessions; this namespace does not simulate sessions.`,
      );
    }
    return undefined;
  }

  /** Why a sender may not attach to `address`, if it may not. */
  private sendFault(address: string): ServiceBusFault | undefined {
    if (address === CBS_ADDRESS || this.registry.sendable(address)) return undefined;
    if (isManagementAddress(address)) return this.managementFault(address);
    const now = this.clock.now();
    return this.registry.receivable(address)
      ? notAllowed(`Cannot send to '${address}': send to its queue or topic.`, address, now)
      : entityNotFound(this.endpoint, address, now);
  }

  private managementFault(address: string): ServiceBusFault | undefined {
    if (this.managedEntity(address)) return undefined;
    return entityNotFound(this.endpoint, entityPathOf(address), this.clock.now());
  }

  /** Refuses an attach as Service Bus does: attach with a null terminus, then detach with the error. */
  private refuse(
    link: Sender | NonNullable<EventContext["receiver"]>,
    fault: ServiceBusFault,
    side: "source" | "target",
  ): void {
    setLocalAttach(link, { [side]: null });
    link.close(fault.toAmqpError());
  }

  private onTransfer(context: EventContext): void {
    const link = context.receiver;
    const delivery = context.delivery;
    const message = context.message;
    if (!link || !delivery || message === undefined) return;
    const address = String(link.target?.address ?? "");
    if (address === CBS_ADDRESS) {
      if (typeof message.body === "string") this.onToken(message.body);
      this.queueReply({ delivery, state: outcomes.accepted().described(), accepted: true, outgoing: false });
      this.reply(link.connection, message, { "status-code": 202, "status-description": "Accepted" });
      return;
    }
    if (isManagementAddress(address)) {
      this.queueReply({ delivery, state: outcomes.accepted().described(), accepted: true, outgoing: false });
      this.onManagementRequest(link.connection, address, message);
      return;
    }
    const target = this.registry.sendable(address);
    if (!target) return;
    try {
      const format = (context as EventContext & { format?: number }).format;
      this.storeTransfer(target, messagesOfTransfer(message, format));
      this.acceptLater(delivery, this.acceptDelayMs(target.path));
    } catch (error) {
      const fault =
        error instanceof ServiceBusFault
          ? error
          : new ServiceBusFault("amqp:decode-error", 400, `The message could not be read: ${String(error)}`);
      this.queueReply({
        delivery,
        state: outcomes.rejected({ error: fault.toAmqpError() }).described(),
        accepted: false,
        outgoing: false,
      });
    }
  }

  private acceptLater(delivery: Delivery, delayMs: number): void {
    const accept = () =>
      this.queueReply({ delivery, state: outcomes.accepted().described(), accepted: true, outgoing: false });
    if (delayMs <= 0) {
      accept();
      return;
    }
    // Real time: under a virtual clock the sender's activity holds the clock, so simulated time would stand still.
    const timer = setTimeout(() => {
      this.delayedAcceptances.delete(timer);
      this.guarded("accepting a delayed transfer", accept);
    }, delayMs);
    this.delayedAcceptances.add(timer);
  }

  private storeTransfer(target: SendableEntity, messages: Message[]): void {
    for (const message of messages) {
      const size = encodeMessage(message).length;
      if (size > MAX_MESSAGE_SIZE_BYTES) {
        throw new ServiceBusFault(
          "amqp:link:message-size-exceeded",
          413,
          `The received message (size: ${size} bytes) exceeds the limit (${MAX_MESSAGE_SIZE_BYTES} bytes) currently allowed on the link.`,
        );
      }
    }
    this.broker.send(target, messages);
  }

  private onManagementRequest(connection: Connection, address: string, request: Message): void {
    const entity = this.managedEntity(address);
    if (!entity) return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const response = handleManagementRequest(
      this.broker,
      entity,
      request.application_properties?.operation,
      body,
      () => this.clock.now(),
    );
    const properties: Record<string, unknown> = {
      statusCode: response.statusCode,
      statusDescription: response.statusDescription,
    };
    if (response.errorCondition) properties.errorCondition = response.errorCondition;
    this.reply(connection, request, properties, response.body);
  }

  private reply(
    connection: Connection,
    request: Message,
    applicationProperties: Record<string, unknown>,
    body?: Record<string, unknown>,
  ): void {
    const replyTo = String(request.reply_to ?? "");
    const link = this.replyLinksOf(connection).get(replyTo);
    if (!link?.is_open()) {
      reportFailure("reply", new Error(`no open link '${replyTo}' to answer on`));
      return;
    }
    link.send({
      correlation_id: request.message_id,
      to: replyTo,
      application_properties: applicationProperties,
      body: body ?? null,
    });
  }

  private onFlow(link: Sender): void {
    const consumer = this.consumers.of(link);
    if (!consumer) return;
    if ((link as unknown as { _draining: boolean })._draining) consumer.drainAnswered = false;
    this.requestPump(consumer.entity.key);
  }

  /** Room again in a session's delivery buffer. */
  private onSendable(link: Sender): void {
    const consumer = this.consumers.of(link);
    if (consumer) this.requestPump(consumer.entity.key);
  }

  private onOutcome(context: EventContext, settlement: Settlement): void {
    const delivery = context.delivery;
    const inFlight = delivery && this.inFlight.get(delivery);
    if (!delivery || !inFlight) return;
    this.inFlight.delete(delivery);
    try {
      this.broker.settle(inFlight.entity, inFlight.lockToken, settlement);
      const accepted = settlement.kind === "complete";
      this.queueReply({ delivery, state: echoedOutcome(settlement), accepted, outgoing: true });
    } catch (error) {
      if (!(error instanceof ServiceBusFault)) throw error;
      const state = outcomes.rejected({ error: error.toAmqpError() }).described();
      this.queueReply({ delivery, state, accepted: false, outgoing: true });
    }
  }

  private requestPump(entityKey: string): void {
    this.pumpsDue.add(entityKey);
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() =>
      this.guarded("delivering messages", () => {
        this.pumpQueued = false;
        const due = [...this.pumpsDue];
        this.pumpsDue.clear();
        for (const key of due) this.pump(key);
        this.requestRearm();
      }),
    );
  }

  /** Hands available messages to the entity's receivers, one each in turn, as far as their credit goes. */
  private pump(entityKey: string): void {
    const consumers = this.consumers.ofEntity(entityKey);
    let delivered = true;
    while (delivered) {
      delivered = false;
      for (const consumer of consumers) {
        if (availableCredit(consumer) <= 0) continue;
        const message = this.broker.receiveNext(consumer.entity, consumer.mode);
        if (!message) break;
        this.deliver(
          consumer,
          message.lockToken,
          encodeForReceiver(message, message.lockedUntil ?? this.clock.now()),
        );
        delivered = true;
      }
    }
    for (const consumer of consumers) answerDrainIfAsked(consumer);
  }

  private deliver(consumer: Consumer, lockToken: string | undefined, payload: Buffer): void {
    const tag = lockTokenToDeliveryTag(lockToken ?? randomUUID());
    const delivery = consumer.link.send(payload, tag, 0);
    consumer.sent++;
    if (lockToken) this.inFlight.set(delivery, { lockToken, entity: consumer.entity });
  }

  /** Sleeps on the clock until the next lock expiry or scheduled message a waiting receiver would see. */
  private requestRearm(): void {
    if (this.rearmQueued || this.closed) return;
    this.rearmQueued = true;
    setImmediate(() =>
      this.guarded("setting the next wake-up", () => {
        this.rearmQueued = false;
        this.rearm();
      }),
    );
  }

  private rearm(): void {
    const at = this.broker.nextDeadline(this.consumers.waitingEntities());
    if (at === this.wake?.at) return;
    this.wake?.abort.abort();
    this.wake = undefined;
    if (at === undefined) return;
    const abort = new AbortController();
    this.wake = { at, abort };
    this.clock.sleep(Math.max(0, at - this.clock.now()), abort.signal).then(
      () =>
        this.guarded("waking up", () => {
          if (this.wake?.abort !== abort) return;
          this.wake = undefined;
          this.broker.sweep();
          this.requestRearm();
        }),
      () => {},
    );
  }

  /**
   * Settles deliveries in groups rhea encodes faithfully: it merges a disposition into the one before
   * whatever their outcomes (servicebus-protocol.md, "A client bug"), so only accepted ones go together.
   */
  private queueReply(reply: PendingReply): void {
    this.replies.push(reply);
    if (this.repliesQueued) return;
    this.repliesQueued = true;
    setImmediate(() => this.guarded("settling deliveries", () => this.flushReplies()));
  }

  private flushReplies(): void {
    this.repliesQueued = false;
    let count = 0;
    while (count < this.replies.length) {
      const reply = this.replies[count] as PendingReply;
      if (count > 0 && !(reply.accepted && this.replies[0]?.accepted)) break;
      // A link closed meanwhile takes its unsettled deliveries with it.
      if (reply.delivery.link.is_open()) reply.delivery.update(true, reply.state);
      // Mode "second": the client settled before us and will not send another disposition.
      if (reply.outgoing) (reply.delivery as unknown as { remote_settled: boolean }).remote_settled = true;
      count++;
    }
    this.replies = this.replies.slice(count);
    if (this.replies.length > 0) {
      this.repliesQueued = true;
      setImmediate(() => this.guarded("settling deliveries", () => this.flushReplies()));
    }
  }

  /** Runs deferred work once the namespace is still open; a failure is reported, never thrown at the event loop. */
  private guarded(where: string, work: () => void): void {
    if (this.closed) return;
    try {
      work();
    } catch (error) {
      reportFailure(where, error);
    }
  }

  private forgetClosedLinks(context: EventContext): void {
    this.consumers.removeWhere((consumer) => !consumer.link.is_open());
    for (const [connection, links] of this.replyLinks) {
      if (!connection.is_open()) {
        this.replyLinks.delete(connection);
        continue;
      }
      for (const [key, link] of links) if (!link.is_open()) links.delete(key);
    }
    if (!context.connection.is_open()) this.connections.delete(context.connection);
  }

  private replyLinksOf(connection: Connection): Map<string, Sender> {
    let links = this.replyLinks.get(connection);
    if (!links) {
      links = new Map();
      this.replyLinks.set(connection, links);
    }
    return links;
  }

  private managedEntity(address: string): ManagedEntity | undefined {
    const path = entityPathOf(address);
    const receivable = this.registry.receivable(path);
    const sendable = this.registry.sendable(path);
    if (!receivable && !sendable) return undefined;
    return { path: receivable?.path ?? sendable?.path ?? path, receivable, sendable };
  }
}

function isManagementAddress(address: string): boolean {
  return address.toLowerCase().endsWith(MANAGEMENT_SUFFIX.toLowerCase());
}

function entityPathOf(managementAddress: string): string {
  return managementAddress.slice(0, managementAddress.length - MANAGEMENT_SUFFIX.length);
}

function unknownEntity(entity: string): Error {
  return new Error(`No queue, topic, subscription or dead-letter queue named '${entity}' in this namespace`);
}

type LinkAttachFields = Record<string, unknown>;

/** Fields of our attach reply, written when rhea next flushes the connection. */
function setLocalAttach(link: object, fields: LinkAttachFields): void {
  Object.assign((link as unknown as { local: { attach: LinkAttachFields } }).local.attach, fields);
}

/** Answers an attach with the client's own source and target, and the namespace's message size limit. */
function echoTermini(link: Sender | NonNullable<EventContext["receiver"]>): void {
  if (link.source) link.set_source({ address: link.source.address });
  if (link.target) link.set_target({ address: link.target.address });
  setLocalAttach(link, { max_message_size: MAX_MESSAGE_SIZE_BYTES });
}

function modifiedSettlement(context: EventContext): Settlement {
  const state = context.delivery?.remote_state as
    | { undeliverable_here?: boolean; message_annotations?: Record<string, unknown> }
    | undefined;
  const properties = state?.message_annotations;
  return state?.undeliverable_here ? { kind: "defer", properties } : { kind: "abandon", properties };
}

function rejectedSettlement(context: EventContext): Settlement {
  const state = context.delivery?.remote_state as { error?: { info?: Record<string, unknown> } } | undefined;
  const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = state?.error?.info ?? {};
  return {
    kind: "dead-letter",
    reason: typeof DeadLetterReason === "string" ? DeadLetterReason : undefined,
    description: typeof DeadLetterErrorDescription === "string" ? DeadLetterErrorDescription : undefined,
    properties,
  };
}

/** The client's outcome, settled, without error: what Service Bus answers when a settlement succeeds. */
function echoedOutcome(settlement: Settlement): unknown {
  switch (settlement.kind) {
    case "complete":
      return outcomes.accepted().described();
    case "abandon":
      return outcomes.modified({ undeliverable_here: false }).described();
    case "defer":
      return outcomes.modified({ undeliverable_here: true }).described();
    case "dead-letter":
      return outcomes.rejected({}).described();
  }
}

function reportFailure(where: string, error: unknown): void {
  console.error(`[servicebus namespace] ${where}:`, error);
}
