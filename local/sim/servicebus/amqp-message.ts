// AMQP encoding as Service Bus applies it: batches, lock tokens, and the broker annotations a delivered
// or peeked message carries, as @azure/service-bus reads them
// (https://learn.microsoft.com/azure/service-bus-messaging/service-bus-amqp-overview).

import { randomUUID } from "node:crypto";
import rhea, { type Message } from "rhea";
import { MessageState, type StoredMessage } from "./message-store.ts";

/** Message format of a batch: one data section per encoded message. */
export const BATCH_FORMAT = 0x80013700;

const SCHEDULED_ENQUEUE_TIME = "x-opt-scheduled-enqueue-time";

export function decodeMessage(encoded: Uint8Array): Message {
  // rhea declares decode's result apart from the Message its links carry; they are one shape.
  return rhea.message.decode(
    Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength),
  ) as unknown as Message;
}

export function encodeMessage(message: Message): Buffer {
  return rhea.message.encode(message);
}

/** The messages of one transfer: rhea decodes a single message, and hands a batch over as bytes. */
export function messagesOfTransfer(payload: Message | Buffer, format: number | undefined): Message[] {
  if (!format) return [payload as Message];
  if (format !== BATCH_FORMAT) {
    throw new Error(`unsupported message format 0x${format.toString(16)}`);
  }
  const envelope = decodeMessage(payload as Buffer);
  const section = envelope.body as { typecode?: number; content?: unknown; multiple?: boolean } | undefined;
  if (section?.typecode !== 0x75) throw new Error("a batch must carry its messages as data sections");
  const contents = section.multiple ? (section.content as Buffer[]) : [section.content as Buffer];
  return contents.map((content) => decodeMessage(content));
}

/**
 * The id duplicate detection compares, and the one the client's lock renewal keys on:
 * Service Bus gives every message one, so a message sent without an id gets a fresh one here.
 */
export function ensureMessageId(message: Message): string {
  const id: unknown = message.message_id;
  if (id === undefined || id === null) {
    message.message_id = randomUUID().replaceAll("-", "");
    return message.message_id as string;
  }
  if (typeof id === "string") return id;
  if (Buffer.isBuffer(id)) return `binary:${id.toString("hex")}`;
  return `${typeof id}:${String(id)}`;
}

export function scheduledEnqueueTime(message: Message): number | undefined {
  const value: unknown = message.message_annotations?.[SCHEDULED_ENQUEUE_TIME];
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  return undefined;
}

export function timeToLive(message: Message): number | undefined {
  return typeof message.ttl === "number" && message.ttl > 0 ? message.ttl : undefined;
}

/** Merges properties into the message's application properties (dead-letter reasons, modified properties). */
export function withApplicationProperties(body: Uint8Array, properties: Record<string, unknown>): Buffer {
  const message = decodeMessage(body);
  const merged: Record<string, unknown> = { ...message.application_properties };
  for (const [key, value] of Object.entries(properties)) {
    if (value !== undefined && value !== null) merged[key] = value;
  }
  message.application_properties = merged;
  return encodeMessage(message);
}

/**
 * The message as Service Bus hands it out: the sender's sections plus the broker's annotations.
 * `lockedUntil` defaults to the message's lock; receive-and-delete deliveries report their delivery time.
 */
export function encodeForReceiver(stored: StoredMessage, lockedUntil = stored.lockedUntil): Buffer {
  const message = decodeMessage(stored.body);
  message.delivery_count = stored.deliveryCount;
  if (stored.expiresAt !== undefined) message.ttl = stored.expiresAt - stored.enqueuedAt;
  const annotations: Record<string, unknown> = {
    ...message.message_annotations,
    "x-opt-sequence-number": rhea.types.wrap_long(stored.sequenceNumber),
    "x-opt-enqueued-time": new Date(stored.enqueuedAt),
    "x-opt-message-state": rhea.types.wrap_int(stored.state),
  };
  if (lockedUntil !== undefined) annotations["x-opt-locked-until"] = new Date(lockedUntil);
  if (stored.state === MessageState.scheduled && stored.scheduledAt !== undefined) {
    annotations[SCHEDULED_ENQUEUE_TIME] = new Date(stored.scheduledAt);
  }
  message.message_annotations = annotations;
  return encodeMessage(message);
}

/** Lock tokens travel as delivery tags in .NET GUID byte order (first three groups byte-reversed). */
export function lockTokenToDeliveryTag(lockToken: string): Buffer {
  return dotNetByteOrder(uuidBytes(lockToken));
}

export function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll("-", ""), "hex");
}

export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function dotNetByteOrder(bytes: Buffer): Buffer {
  const order = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
  return Buffer.from(order.map((index) => bytes[index] as number));
}

/** A body as the SDK's default transformer reads it: data sections holding JSON come back parsed. */
export function readableBody(encoded: Uint8Array): unknown {
  const body: unknown = decodeMessage(encoded).body;
  const section = body as { typecode?: number; content?: unknown } | undefined;
  if (section?.typecode === undefined) return body;
  if (section.typecode !== 0x75 || !Buffer.isBuffer(section.content)) return section.content;
  try {
    return JSON.parse(section.content.toString("utf8"));
  } catch {
    return section.content;
  }
}
