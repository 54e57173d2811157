// The notices queue and the alert topic as the issue asks: duplicate detection on both (Event Grid and
// the alert sender may deliver twice), a bounded delivery count and no sessions on the queue (the trigger
// takes plain messages), and no keys on the namespace.

import { describe, expect, it } from "vitest";
import { block, readInfra } from "./bicep-templates.ts";

const template = readInfra("app/service-bus.bicep");

/** `key: value` lines of one block, values as written. */
function properties(text: string): Record<string, string> {
  return Object.fromEntries(
    [...text.matchAll(/^\s*(\w+): ([^\n{[]+)$/gm)].map((match) => [match[1], match[2]?.trim()]),
  );
}

describe("the Service Bus namespace", () => {
  it("takes no keys", () => {
    expect(properties(template).disableLocalAuth).toBe("true");
  });

  it("has a notices queue with duplicate detection, a max delivery count and no sessions", () => {
    const queue = properties(block(template, "queues: ["));
    expect(queue).toMatchObject({
      name: "noticesQueueName",
      requiresDuplicateDetection: "true",
      requiresSession: "false",
    });
    expect(Number(queue.maxDeliveryCount)).toBeGreaterThan(1);
  });

  it("has an alert topic with duplicate detection", () => {
    expect(properties(block(template, "topics: ["))).toMatchObject({
      name: "alertTopicName",
      requiresDuplicateDetection: "true",
    });
  });
});
