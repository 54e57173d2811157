// The servicebus-slow-send fault through the real @azure/service-bus client: a send to the entity is
// enqueued at once and accepted only after the delay (the window where a killed sender cannot know its
// message landed), other entities are not held back, and bad faults are refused naming the field.

import { ServiceBusClient } from "@azure/service-bus";
import { afterEach, describe, expect, it } from "vitest";
import { parseScenario } from "../../../local/sim/scenario/load.ts";
import type { ScenarioInput } from "../../../local/sim/scenario/schema.ts";
import { type Simulator, startSimulator } from "../../../local/sim/simulator.ts";

const scenario = (faults: ScenarioInput["faults"] = []): ScenarioInput => ({
  name: "slow-send",
  subscriptions: [{ id: "0b8e4c2a-3d5f-4a6b-9c7d-8e9f0a1b2c3d" }],
  faults,
  serviceBus: {
    queues: [{ name: "notices" }],
    topics: [{ name: "alerts", subscriptions: [{ name: "ops" }] }],
  },
});

let sim: Simulator | undefined;
let client: ServiceBusClient | undefined;
afterEach(async () => {
  await client?.close();
  await sim?.close();
  client = sim = undefined;
});

async function start(input: ScenarioInput): Promise<{ sim: Simulator; client: ServiceBusClient }> {
  sim = await startSimulator({ scenario: input, clock: "real" });
  client = new ServiceBusClient(sim.endpoints.serviceBusConnectionString as string);
  return { sim, client };
}

async function admin(sim: Simulator, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, sim.endpoints.admin), {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

describe("servicebus-slow-send", () => {
  it("enqueues a send to the entity at once and accepts it only after the delay; other entities go on", async () => {
    // The entity named in another case: Service Bus matches names without regard to case.
    const { client } = await start(
      scenario([{ kind: "servicebus-slow-send", entity: "Alerts", delayMs: 3_000 }]),
    );
    let accepted = false;
    const slow = client
      .createSender("alerts")
      .sendMessages({ body: "late", messageId: "slow-1" })
      .then(() => {
        accepted = true;
      });

    await client.createSender("notices").sendMessages({ body: "prompt" });
    expect(accepted, "the queue's send waited for the topic's").toBe(false);

    const peeker = client.createReceiver("alerts", "ops");
    let peeked: string[] = [];
    while (peeked.length === 0) peeked = (await peeker.peekMessages(10)).map((m) => String(m.messageId));
    expect(peeked).toEqual(["slow-1"]);
    expect(accepted, "the message was on the topic before its send was accepted").toBe(false);

    await slow;
    expect(accepted).toBe(true);
  });

  it("is added and cleared through the admin API, retires after `times`, and refuses an unknown entity", async () => {
    const { sim, client } = await start(scenario());
    const unknown = await admin(sim, "POST", "/faults", {
      kind: "servicebus-slow-send",
      entity: "nowhere",
      delayMs: 200,
    });
    expect(unknown).toEqual({
      status: 400,
      body: { error: `entity: no queue or topic named "nowhere" in this scenario's serviceBus` },
    });
    const added = await admin(sim, "POST", "/faults", {
      kind: "servicebus-slow-send",
      entity: "notices",
      delayMs: 200,
      times: 1,
    });
    expect(added).toMatchObject({ status: 201, body: { kind: "servicebus-slow-send", remaining: 1 } });

    const sender = client.createSender("notices");
    await sender.sendMessages({ body: "first" });
    expect((await admin(sim, "GET", "/faults")).body, "fired once, then retired").toEqual([]);
    await sender.sendMessages({ body: "second" });
    const received = await client
      .createReceiver("notices", { receiveMode: "receiveAndDelete" })
      .receiveMessages(2, { maxWaitTimeInMs: 2_000 });
    expect(received.map((message) => message.body)).toEqual(["first", "second"]);
  });

  it("refuses a scenario whose fault names no queue or topic, with the field's path", () => {
    expect(() =>
      parseScenario(
        scenario([{ kind: "servicebus-slow-send", entity: "alerts/Subscriptions/ops", delayMs: 1 }]),
      ),
    ).toThrow(
      `faults[0].entity: no queue or topic named "alerts/Subscriptions/ops" in this scenario's serviceBus`,
    );
    expect(() =>
      parseScenario(scenario([{ kind: "servicebus-slow-send", entity: "alerts", delayMs: 0 }])),
    ).toThrow(/faults\[0\]\.delayMs: /);
  });
});
