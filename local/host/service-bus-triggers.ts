// Service Bus queue and topic-subscription triggers, bound as the real host binds them: to the namespace in
// the app setting the trigger's `connection` names, through @azure/service-bus, peek-lock, complete on success,
// abandon on failure (so the entity's max delivery count and dead-lettering apply). Settlements go out one at a
// time: rhea 3.0.5 merges back-to-back dispositions (see the Service Bus protocol note).
import {
  type ProcessErrorArgs,
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import { type Clock, runHeld } from "../clock.ts";
import type { FunctionRegistration, RpcTypedData } from "./functions-core.ts";
import { bindTriggers, type Invoker, type SkippedTrigger, toTypedData, triggerOf } from "./invoker.ts";
import type { Logger } from "./logger.ts";
import { resolveSettingReferences } from "./settings.ts";

interface ServiceBusFunction {
  readonly registration: FunctionRegistration;
  readonly connectionString: string;
  /** "queue" or "topic/Subscriptions/subscription", for logs. */
  readonly entity: string;
  readonly queueName?: string;
  readonly topicName?: string;
  readonly subscriptionName?: string;
}

const DEFAULT_CONNECTION = "AzureWebJobsServiceBus";

/** A string property of the trigger with %Setting% references resolved; undefined when absent. */
function settingProperty(
  trigger: Readonly<Record<string, unknown>>,
  property: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const value = trigger[property];
  return typeof value === "string" && value !== ""
    ? resolveSettingReferences(value, env, `its ${property}`)
    : undefined;
}

/** Binds one trigger as the real host does, or throws the reason it cannot be bound. */
function bindServiceBus(registration: FunctionRegistration, env: NodeJS.ProcessEnv): ServiceBusFunction {
  const trigger = triggerOf(registration);
  if (trigger.isSessionsEnabled === true) {
    throw new Error("session-enabled Service Bus triggers are not supported by the local host");
  }
  if (trigger.cardinality === "many") {
    throw new Error('Service Bus triggers with cardinality "many" are not supported by the local host');
  }
  // The connection names the app setting that holds the connection string; it may itself be %Setting%.
  const connection = settingProperty(trigger, "connection", env) ?? DEFAULT_CONNECTION;
  const connectionString = env[connection];
  if (!connectionString && env[`${connection}__fullyQualifiedNamespace`]) {
    throw new Error(
      `its connection "${connection}" is identity-based; the local host needs a connection string in "${connection}"`,
    );
  }
  if (!connectionString) throw new Error(`its connection setting "${connection}" is not set`);
  const queueName = settingProperty(trigger, "queueName", env);
  if (queueName) return { registration, connectionString, entity: queueName, queueName };
  const topicName = settingProperty(trigger, "topicName", env);
  const subscriptionName = settingProperty(trigger, "subscriptionName", env);
  if (!topicName || !subscriptionName)
    throw new Error("it names neither a queue nor a topic with a subscription");
  const entity = `${topicName}/Subscriptions/${subscriptionName}`;
  return { registration, connectionString, entity, topicName, subscriptionName };
}

/** Reads the Service Bus triggers; those that cannot be bound are skipped, with the reason. */
export function serviceBusFunctions(
  registrations: readonly FunctionRegistration[],
  env: NodeJS.ProcessEnv,
): { bound: ServiceBusFunction[]; skipped: SkippedTrigger[] } {
  return bindTriggers(registrations, "serviceBusTrigger", (registration) =>
    bindServiceBus(registration, env),
  );
}

function typed(value: unknown): RpcTypedData {
  if (value instanceof Date) return { string: value.toISOString() };
  return toTypedData(value);
}

/** The trigger metadata the Functions host passes for a Service Bus message (the library camel-cases keys). */
function triggerMetadata(message: ServiceBusReceivedMessage): Record<string, RpcTypedData> {
  const fields: Record<string, unknown> = {
    MessageId: message.messageId,
    // The .NET SDK behind the real host counts the first delivery as 1; the AMQP header (and this SDK) as 0.
    DeliveryCount: (message.deliveryCount ?? 0) + 1,
    EnqueuedTimeUtc: message.enqueuedTimeUtc,
    ExpiresAtUtc: message.expiresAtUtc,
    LockedUntilUtc: message.lockedUntilUtc,
    SequenceNumber: message.sequenceNumber?.toNumber(),
    LockToken: message.lockToken,
    ContentType: message.contentType,
    CorrelationId: message.correlationId,
    Subject: message.subject,
    Label: message.subject,
    ReplyTo: message.replyTo,
    To: message.to,
    SessionId: message.sessionId,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
  };
  const metadata: Record<string, RpcTypedData> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) metadata[key] = typed(value);
  return metadata;
}

export interface ServiceBusTriggerDeps {
  readonly functions: readonly ServiceBusFunction[];
  readonly clock: Clock;
  readonly invoker: Invoker;
  readonly logger: Logger;
  /** host.json extensions.serviceBus.maxConcurrentCalls: messages handled at once per function. */
  readonly maxConcurrentCalls: number;
  /** host.json extensions.serviceBus.autoCompleteMessages. */
  readonly autoComplete: boolean;
}

export class ServiceBusTriggers {
  private readonly deps: ServiceBusTriggerDeps;
  private readonly clients = new Map<string, { client: ServiceBusClient; settling: Promise<unknown> }>();
  private readonly receivers: { receiver: ServiceBusReceiver; close(): Promise<void> }[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(deps: ServiceBusTriggerDeps) {
    this.deps = deps;
  }

  start(): void {
    const { logger, maxConcurrentCalls } = this.deps;
    for (const f of this.deps.functions) {
      const connection = this.connection(f.connectionString);
      const receiver = f.queueName
        ? connection.client.createReceiver(f.queueName, { receiveMode: "peekLock" })
        : connection.client.createReceiver(f.topicName as string, f.subscriptionName as string, {
            receiveMode: "peekLock",
          });
      const subscription = receiver.subscribe(
        {
          processMessage: (message) => this.track(this.process(f, receiver, message)),
          processError: async (args: ProcessErrorArgs) => {
            logger.warn(
              `Service Bus receiver for "${f.registration.name}" (${f.entity}): ${args.error.message}`,
              {
                function: f.registration.name,
                errorSource: args.errorSource,
              },
            );
          },
        },
        { autoCompleteMessages: false, maxConcurrentCalls },
      );
      this.receivers.push({ receiver, close: () => subscription.close() });
      logger.info(`Function "${f.registration.name}" listens to Service Bus entity ${f.entity}.`, {
        function: f.registration.name,
      });
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.receivers.map((r) => r.close()));
    await Promise.allSettled([...this.inFlight]);
    await Promise.allSettled(this.receivers.map((r) => r.receiver.close()));
    await Promise.allSettled([...this.clients.values()].map((c) => c.client.close()));
  }

  private connection(connectionString: string) {
    let connection = this.clients.get(connectionString);
    if (!connection) {
      connection = { client: new ServiceBusClient(connectionString), settling: Promise.resolve() };
      this.clients.set(connectionString, connection);
    }
    return connection;
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /** Settles through the connection's queue: one disposition on the wire at a time. */
  private settle(connectionString: string, settlement: () => Promise<void>): Promise<void> {
    const connection = this.connection(connectionString);
    const next = connection.settling.then(settlement, settlement);
    connection.settling = next.catch(() => undefined);
    return next;
  }

  private async process(
    f: ServiceBusFunction,
    receiver: ServiceBusReceiver,
    message: ServiceBusReceivedMessage,
  ) {
    const { clock, invoker, logger, autoComplete } = this.deps;
    const fields = { function: f.registration.name, messageId: String(message.messageId) };
    await runHeld(clock, async () => {
      let succeeded = false;
      try {
        await invoker.invoke(f.registration, {
          trigger: { rpc: typed(message.body) },
          triggerMetadata: triggerMetadata(message),
          fields,
        });
        succeeded = true;
      } catch (error) {
        logger.warn(
          `Function "${f.registration.name}" failed on a message; it is abandoned: ${(error as Error).message}`,
          {
            ...fields,
            deliveryCount: (message.deliveryCount ?? 0) + 1,
          },
        );
      }
      try {
        if (!succeeded) await this.settle(f.connectionString, () => receiver.abandonMessage(message));
        else if (autoComplete) await this.settle(f.connectionString, () => receiver.completeMessage(message));
      } catch (error) {
        logger.warn(
          `Settling a message of "${f.registration.name}" failed: ${(error as Error).message}`,
          fields,
        );
      }
    });
  }
}
