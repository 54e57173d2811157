import { describe, expect, it } from "vitest";
import { parseServiceBusEntities } from "../../../local/sim/servicebus/entity-definitions.ts";
import { startServiceBusNamespace } from "../../../local/sim/servicebus/namespace.ts";

describe("Service Bus entity definitions", () => {
  it("fills Service Bus's defaults", () => {
    const entities = parseServiceBusEntities({
      queues: [{ name: "retirement-notices" }],
      topics: [{ name: "alerts", subscriptions: [{ name: "ops" }] }],
    });
    expect(entities.queues[0]).toEqual({
      name: "retirement-notices",
      maxDeliveryCount: 10,
      lockDurationMs: 60_000,
      deadLetteringOnMessageExpiration: false,
      requiresDuplicateDetection: false,
      duplicateDetectionWindowMs: 600_000,
    });
    expect(entities.topics[0]?.subscriptions[0]).toMatchObject({ name: "ops", maxDeliveryCount: 10 });
  });

  it("names every problem: bad names, unknown fields, out-of-range settings, names used twice", () => {
    const parse = () =>
      parseServiceBusEntities({
        queues: [
          { name: "-starts-with-dash" },
          { name: "notices", lockDurationMs: 600_000 },
          { name: "Alerts" },
          { name: "typo", maxDeliveryCounts: 3 } as never,
        ],
        topics: [{ name: "alerts", subscriptions: [{ name: "ops" }, { name: "OPS" }, { name: "a/b" }] }],
      });
    expect(parse).toThrow(/Invalid Service Bus entity definitions/);
    const message = (() => {
      try {
        parse();
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain("queues[0].name");
    expect(message).toContain("queues[1].lockDurationMs");
    expect(message).toContain("maxDeliveryCounts");
    expect(message).toContain("'alerts' names more than one queue or topic");
    expect(message).toContain("subscription 'OPS' is defined twice in topic 'alerts'");
    expect(message).toContain("topics[0].subscriptions[2].name");
  });

  it("refuses to start a namespace on invalid definitions", async () => {
    await expect(startServiceBusNamespace({ queues: [{ name: "" }] })).rejects.toThrow(/queues\[0\]\.name/);
  });
});
