// Starts a namespace on an ephemeral port with a real ServiceBusClient, both closed when the test ends.

import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import { onTestFinished } from "vitest";
import {
  type ServiceBusNamespace,
  type ServiceBusNamespaceOptions,
  startServiceBusNamespace,
} from "../../../local/sim/servicebus/namespace.ts";

export interface Connected {
  readonly namespace: ServiceBusNamespace;
  readonly client: ServiceBusClient;
}

export async function connectedNamespace(options: ServiceBusNamespaceOptions): Promise<Connected> {
  const namespace = await startServiceBusNamespace({ port: 0, ...options });
  const client = new ServiceBusClient(namespace.connectionString);
  onTestFinished(async () => {
    await client.close();
    await namespace.close();
  });
  return { namespace, client };
}

/** Receives until `count` messages arrived, failing after a few empty rounds. */
export async function receiveExactly(
  receiver: ServiceBusReceiver,
  count: number,
  maxWaitTimeInMs = 2000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  for (let round = 0; round < 5 && received.length < count; round++) {
    received.push(...(await receiver.receiveMessages(count - received.length, { maxWaitTimeInMs })));
  }
  if (received.length !== count) throw new Error(`expected ${count} messages, received ${received.length}`);
  return received;
}
