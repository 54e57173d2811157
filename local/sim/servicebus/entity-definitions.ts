// Queues, topics and subscriptions of the simulated namespace, as a scenario declares them.
// Names follow Azure's rules so a scenario that works here is valid in Azure:
// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftservicebus

import { z } from "zod";

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const entityName = z
  .string()
  .min(1)
  .max(260)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/, {
    message:
      "must be 1-260 letters, digits, '.', '-', '_' or '/', starting and ending with a letter or digit",
  });

const subscriptionName = z
  .string()
  .min(1)
  .max(50)
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, {
    message: "must be 1-50 letters, digits, '.', '-' or '_', starting and ending with a letter or digit",
  });

const milliseconds = z.number().int().positive();

/** What a receiver sees: shared by queues and subscriptions. */
const receiveSettings = {
  maxDeliveryCount: z
    .number()
    .int()
    .min(1)
    .default(10)
    .describe("Deliveries (abandons and lost locks) before a message moves to the dead-letter queue"),
  // Azure's floor is 5 s; shorter locks are allowed here so tests can lose a lock quickly.
  lockDurationMs: milliseconds
    .max(5 * MINUTE_MS)
    .default(MINUTE_MS)
    .describe("How long a peek-lock receiver holds a message"),
  deadLetteringOnMessageExpiration: z
    .boolean()
    .default(false)
    .describe("Expired messages go to the dead-letter queue instead of being dropped"),
  defaultMessageTimeToLiveMs: milliseconds
    .optional()
    .describe("Time to live of messages whose sender sets none shorter; absent: unlimited"),
};

/** What a sender sees: shared by queues and topics. */
const sendSettings = {
  requiresDuplicateDetection: z
    .boolean()
    .default(false)
    .describe("Drop a message whose id was already sent within the window"),
  duplicateDetectionWindowMs: milliseconds.max(7 * DAY_MS).default(10 * MINUTE_MS),
};

export const queueDefinitionSchema = z.strictObject({
  name: entityName,
  ...receiveSettings,
  ...sendSettings,
});

export const subscriptionDefinitionSchema = z.strictObject({
  name: subscriptionName,
  ...receiveSettings,
});

export const topicDefinitionSchema = z
  .strictObject({
    name: entityName,
    ...sendSettings,
    defaultMessageTimeToLiveMs: milliseconds.optional(),
    subscriptions: z.array(subscriptionDefinitionSchema).default([]),
  })
  .superRefine((topic, ctx) => {
    reportDuplicateNames(
      topic.subscriptions.map((subscription) => subscription.name),
      (index, name) =>
        ctx.addIssue({
          code: "custom",
          path: ["subscriptions", index, "name"],
          message: `subscription '${name}' is defined twice in topic '${topic.name}' (names ignore case)`,
        }),
    );
  });

/** The Service Bus part of a scenario: queues and topics share one namespace of names. */
export const serviceBusEntitiesSchema = z
  .strictObject({
    queues: z.array(queueDefinitionSchema).default([]),
    topics: z.array(topicDefinitionSchema).default([]),
  })
  .superRefine((entities, ctx) => {
    const names = [...entities.queues, ...entities.topics].map((entity) => entity.name);
    reportDuplicateNames(names, (index, name) => {
      const isQueue = index < entities.queues.length;
      ctx.addIssue({
        code: "custom",
        path: isQueue ? ["queues", index, "name"] : ["topics", index - entities.queues.length, "name"],
        message: `'${name}' names more than one queue or topic (names ignore case)`,
      });
    });
  });

export type QueueDefinition = z.input<typeof queueDefinitionSchema>;
export type SubscriptionDefinition = z.input<typeof subscriptionDefinitionSchema>;
export type TopicDefinition = z.input<typeof topicDefinitionSchema>;
export type ServiceBusEntities = z.input<typeof serviceBusEntitiesSchema>;
export type ResolvedServiceBusEntities = z.output<typeof serviceBusEntitiesSchema>;

/** Validates definitions, filling defaults; throws an Error listing every problem. */
export function parseServiceBusEntities(input: ServiceBusEntities): ResolvedServiceBusEntities {
  const result = serviceBusEntitiesSchema.safeParse(input);
  if (!result.success) {
    throw new Error(`Invalid Service Bus entity definitions:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

function reportDuplicateNames(names: readonly string[], report: (index: number, name: string) => void): void {
  const seen = new Set<string>();
  names.forEach((name, index) => {
    const key = name.toLowerCase();
    if (seen.has(key)) report(index, name);
    seen.add(key);
  });
}
