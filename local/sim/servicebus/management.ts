// The `<entity>/$management` request-response operations the client uses: peek, renew-lock, scheduling,
// deferred receive and settlement by lock token. Anything else answers 501 as Service Bus does for
// operations it does not know.

import rhea from "rhea";
import { decodeMessage, encodeForReceiver, uuidBytes, uuidFromBytes } from "./amqp-message.ts";
import type { Broker, ReceiveMode, Settlement } from "./broker.ts";
import type { ReceivableEntity, SendableEntity } from "./entities.ts";
import type { StoredMessage } from "./message-store.ts";
import { notAllowed, ServiceBusFault } from "./service-bus-fault.ts";

const AMQP_TYPE = { long: 0x81, timestamp: 0x83, uuid: 0x98 } as const;

export interface ManagedEntity {
  readonly path: string;
  readonly receivable: ReceivableEntity | undefined;
  readonly sendable: SendableEntity | undefined;
}

export interface ManagementResponse {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly errorCondition?: string;
  readonly body?: Record<string, unknown>;
}

export function handleManagementRequest(
  broker: Broker,
  entity: ManagedEntity,
  operation: unknown,
  body: Record<string, unknown>,
  now: () => number,
): ManagementResponse {
  try {
    const receivable = () => entity.receivable ?? refuse(entity, operation, now());
    const sendable = () => entity.sendable ?? refuse(entity, operation, now());
    switch (operation) {
      case "com.microsoft:peek-message":
        return peek(broker, receivable(), body);
      case "com.microsoft:renew-lock": {
        const expirations = lockTokens(body).map((token) => broker.renewLock(receivable(), token));
        return ok({ expirations: rhea.types.wrap_array(expirations, AMQP_TYPE.timestamp, undefined) });
      }
      case "com.microsoft:schedule-message": {
        const messages = list(body.messages, "messages").map((entry) =>
          decodeMessage(binary((entry as Record<string, unknown>).message, "message")),
        );
        const sequenceNumbers = broker.send(sendable(), messages, false);
        return ok({ "sequence-numbers": rhea.types.wrap_array(sequenceNumbers, AMQP_TYPE.long, undefined) });
      }
      case "com.microsoft:cancel-scheduled-message":
        broker.cancelScheduled(sendable(), sequenceNumbers(body));
        return ok({});
      case "com.microsoft:receive-by-sequence-number": {
        const mode: ReceiveMode = body["receiver-settle-mode"] === 0 ? "receiveAndDelete" : "peekLock";
        const messages = broker.receiveDeferred(receivable(), sequenceNumbers(body), mode);
        return ok({ messages: messages.map((message) => deferredEntry(message)) });
      }
      case "com.microsoft:update-disposition": {
        const settlement = settlementOf(body);
        for (const token of lockTokens(body)) broker.settle(receivable(), token, settlement);
        return ok({});
      }
      default:
        return {
          statusCode: 501,
          statusDescription: `The operation '${String(operation)}' is not implemented by this namespace.`,
          errorCondition: "amqp:not-implemented",
        };
    }
  } catch (error) {
    if (error instanceof ServiceBusFault) {
      return {
        statusCode: error.statusCode,
        statusDescription: error.message,
        errorCondition: error.condition,
      };
    }
    if (error instanceof BadRequest) {
      return { statusCode: 400, statusDescription: error.message, errorCondition: "amqp:invalid-field" };
    }
    throw error;
  }
}

class BadRequest extends Error {}

function ok(body: Record<string, unknown>): ManagementResponse {
  return { statusCode: 200, statusDescription: "OK", body };
}

function refuse(entity: ManagedEntity, operation: unknown, now: number): never {
  throw notAllowed(
    `The operation '${String(operation)}' is not allowed on '${entity.path}'.`,
    entity.path,
    now,
  );
}

function peek(broker: Broker, entity: ReceivableEntity, body: Record<string, unknown>): ManagementResponse {
  const from = integer(body["from-sequence-number"], "from-sequence-number");
  const count = integer(body["message-count"], "message-count");
  const messages = broker.peek(entity, from, count);
  if (messages.length === 0) return { statusCode: 204, statusDescription: "No messages to peek." };
  return ok({
    messages: messages.map((message) => ({ message: encodeForReceiver(message) })),
  });
}

function deferredEntry(message: StoredMessage): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    message: encodeForReceiver(message),
  };
  // Tokens in management bodies are in standard GUID byte order, unlike delivery tags.
  if (message.lockToken) entry["lock-token"] = rhea.types.wrap_uuid(uuidBytes(message.lockToken));
  return entry;
}

function settlementOf(body: Record<string, unknown>): Settlement {
  const properties = body["properties-to-modify"] as Record<string, unknown> | undefined;
  const status = body["disposition-status"];
  switch (status) {
    case "completed":
      return { kind: "complete" };
    case "abandoned":
      return { kind: "abandon", properties };
    case "defered":
      return { kind: "defer", properties };
    case "suspended":
      return {
        kind: "dead-letter",
        reason: optionalString(body["deadletter-reason"]),
        description: optionalString(body["deadletter-description"]),
        properties,
      };
    default:
      throw new BadRequest(
        `disposition-status '${String(status)}' is not one of completed, abandoned, defered, suspended`,
      );
  }
}

function lockTokens(body: Record<string, unknown>): string[] {
  return list(body["lock-tokens"], "lock-tokens").map((token) => uuidFromBytes(binary(token, "lock-tokens")));
}

function sequenceNumbers(body: Record<string, unknown>): number[] {
  return list(body["sequence-numbers"], "sequence-numbers").map((value) =>
    integer(value, "sequence-numbers"),
  );
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new BadRequest(`'${field}' must be an array`);
  return value;
}

function binary(value: unknown, field: string): Buffer {
  if (!Buffer.isBuffer(value)) throw new BadRequest(`'${field}' must be binary`);
  return value;
}

function integer(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw new BadRequest(`'${field}' must be an integer`);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
