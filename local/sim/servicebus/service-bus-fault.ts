// Errors as Service Bus reports them: an AMQP condition the client maps to its error codes, a management
// status code, and a description in the service's shape (text, then tracking details).

import { randomUUID } from "node:crypto";

export class ServiceBusFault extends Error {
  readonly condition: string;
  /** Status of a management or CBS response carrying this fault. */
  readonly statusCode: number;

  constructor(condition: string, statusCode: number, description: string) {
    super(description);
    this.name = "ServiceBusFault";
    this.condition = condition;
    this.statusCode = statusCode;
  }

  /** The AMQP error sent on a detach or disposition. */
  toAmqpError(): { condition: string; description: string } {
    return { condition: this.condition, description: this.message };
  }
}

export function withTrackingDetails(text: string, entityPath: string, now: number): string {
  const timestamp = new Date(now).toISOString().slice(0, 19);
  return `${text} TrackingId:${randomUUID()}, SystemTracker:${entityPath}, Timestamp:${timestamp}`;
}

export function entityNotFound(endpoint: string, entityPath: string, now: number): ServiceBusFault {
  return new ServiceBusFault(
    "amqp:not-found",
    404,
    withTrackingDetails(
      `The messaging entity '${endpoint}${entityPath}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
      entityPath,
      now,
    ),
  );
}

export function lockLost(entityPath: string, now: number): ServiceBusFault {
  return new ServiceBusFault(
    "com.microsoft:message-lock-lost",
    410,
    withTrackingDetails(
      "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue, or was received by a different receiver instance.",
      entityPath,
      now,
    ),
  );
}

export function messageNotFound(text: string, entityPath: string, now: number): ServiceBusFault {
  return new ServiceBusFault(
    "com.microsoft:message-not-found",
    404,
    withTrackingDetails(text, entityPath, now),
  );
}

export function notAllowed(text: string, entityPath: string, now: number): ServiceBusFault {
  return new ServiceBusFault("amqp:not-allowed", 400, withTrackingDetails(text, entityPath, now));
}
