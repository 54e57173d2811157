// Throughput of the simulated Service Bus namespace through the real @azure/service-bus client, with
// messages in a SQLite file as `npm start` keeps them. Run alone: npx node bench/servicebus.bench.ts

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { ServiceBusClient, type ServiceBusReceiver, type ServiceBusSender } from "@azure/service-bus";
import { startServiceBusNamespace } from "../local/sim/servicebus/namespace.ts";

export interface ThroughputResult {
  readonly name: string;
  readonly messages: number;
  readonly seconds: number;
  readonly messagesPerSecond: number;
}

const SINGLE_SENDS = 2_000;
const BATCHED_SENDS = 20_000;
const SUBSCRIBED = 10_000;

export default async function benchServiceBus(): Promise<ThroughputResult[]> {
  const directory = await mkdtemp(join(tmpdir(), "servicebus-bench-"));
  const namespace = await startServiceBusNamespace({
    dataFile: join(directory, "namespace.sqlite"),
    queues: [{ name: "singles" }, { name: "batches" }, { name: "subscribed" }],
  });
  const client = new ServiceBusClient(namespace.connectionString);
  const results: ThroughputResult[] = [];
  try {
    const singles = client.createSender("singles");
    await singles.sendMessages({ body: "warm-up" });
    results.push(
      await measure("send, one message per call", SINGLE_SENDS, async () => {
        for (let index = 0; index < SINGLE_SENDS; index++) await singles.sendMessages({ body: { index } });
      }),
    );
    results.push(
      await measure("receiveMessages(100) + complete, peek-lock", SINGLE_SENDS + 1, () =>
        drain(client.createReceiver("singles"), SINGLE_SENDS + 1),
      ),
    );

    results.push(
      await measure("send, batches of up to 256 KB", BATCHED_SENDS, () =>
        sendBatched(client.createSender("batches"), BATCHED_SENDS, (index) => ({ index, pool: "nodepool1" })),
      ),
    );
    results.push(
      await measure("receiveMessages(500), receive-and-delete", BATCHED_SENDS, async () => {
        const receiver = client.createReceiver("batches", { receiveMode: "receiveAndDelete" });
        let received = 0;
        while (received < BATCHED_SENDS) {
          received += (await receiver.receiveMessages(500, { maxWaitTimeInMs: 1000 })).length;
        }
        await receiver.close();
      }),
    );

    await sendBatched(client.createSender("subscribed"), SUBSCRIBED, (index) => index);
    results.push(
      await measure("subscribe(), 50 concurrent calls, auto-complete", SUBSCRIBED, () =>
        consume(
          client.createReceiver("subscribed"),
          SUBSCRIBED,
          () => namespace.counts("subscribed").active === 0,
        ),
      ),
    );
  } finally {
    await client.close();
    await namespace.close();
    await rm(directory, { recursive: true, force: true });
  }
  for (const result of results) {
    console.log(
      `servicebus  ${result.name.padEnd(50)} ${String(result.messages).padStart(6)} msgs  ${result.seconds.toFixed(2).padStart(6)} s  ${Math.round(result.messagesPerSecond).toString().padStart(6)} msg/s`,
    );
  }
  return results;
}

async function measure(name: string, messages: number, work: () => Promise<void>): Promise<ThroughputResult> {
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  return { name, messages, seconds, messagesPerSecond: messages / seconds };
}

/** Sends `count` messages in batches as full as the client's size limit allows. */
async function sendBatched(
  sender: ServiceBusSender,
  count: number,
  body: (index: number) => unknown,
): Promise<void> {
  let batch = await sender.createMessageBatch();
  for (let index = 0; index < count; index++) {
    if (!batch.tryAddMessage({ body: body(index) })) {
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      batch.tryAddMessage({ body: body(index) });
    }
  }
  await sender.sendMessages(batch);
}

async function drain(receiver: ServiceBusReceiver, count: number): Promise<void> {
  let settled = 0;
  while (settled < count) {
    const messages = await receiver.receiveMessages(100, { maxWaitTimeInMs: 1000 });
    // All completions share one outcome, so settling them together is safe from rhea's disposition merging.
    await Promise.all(messages.map((message) => receiver.completeMessage(message)));
    settled += messages.length;
  }
  await receiver.close();
}

/** Subscribes until `count` messages were handled and `allSettled` says their completions landed. */
async function consume(
  receiver: ServiceBusReceiver,
  count: number,
  allSettled: () => boolean,
): Promise<void> {
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    receiver.subscribe(
      {
        processMessage: async () => {
          received++;
          if (received === count) resolve();
        },
        processError: async (args) => reject(args.error),
      },
      { maxConcurrentCalls: 50 },
    );
  });
  while (!allSettled()) await new Promise((resolve) => setTimeout(resolve, 1));
  await receiver.close();
}

if (import.meta.main) await benchServiceBus();
