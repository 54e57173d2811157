// Starts an orchestration (the inventory scan, the alerts re-evaluation after a notice) under a given
// instance id once: if an instance with that id exists (running, or finished: the Durable extension would
// start a finished one again), nothing is started.

import type { DurableClient, DurableOrchestrationStatus } from "durable-functions";
import type { InventoryScanInput } from "../orchestrations/contracts/inventory-scan.contract.ts";
import {
  ORCHESTRATIONS,
  type OrchestrationInput,
  type OrchestrationName,
} from "../orchestrations/contracts.ts";
import { capabilities } from "../shared/composition.ts";

type StartOutcome =
  | { kind: "started"; instanceId: string }
  | { kind: "exists"; instanceId: string; runtimeStatus: string };

/** The instance's status, or undefined when the Durable client knows no such instance. */
export async function instanceStatus(
  client: DurableClient,
  instanceId: string,
): Promise<DurableOrchestrationStatus | undefined> {
  try {
    return await client.getStatus(instanceId);
  } catch (error) {
    // The client reports an unknown instance only through its message.
    if (error instanceof Error && /HTTP 404/.test(error.message)) return undefined;
    throw error;
  }
}

export async function startOnce<K extends OrchestrationName>(
  client: DurableClient,
  orchestration: K,
  instanceId: string,
  input: OrchestrationInput<K>,
): Promise<StartOutcome> {
  const existing = await instanceStatus(client, instanceId);
  if (existing) return { kind: "exists", instanceId, runtimeStatus: String(existing.runtimeStatus) };
  try {
    await client.startNew(orchestration, { instanceId, input });
    return { kind: "started", instanceId };
  } catch (error) {
    // Another trigger started it between the check and the start.
    const raced = await instanceStatus(client, instanceId);
    if (raced) return { kind: "exists", instanceId, runtimeStatus: String(raced.runtimeStatus) };
    throw error;
  }
}

/** The inventory scan under `instanceId`, once, scanning as many clusters at once as the settings say. */
export function startScanOnce(
  client: DurableClient,
  instanceId: string,
  requestedBy: InventoryScanInput["requestedBy"],
): Promise<StartOutcome> {
  const { inventorySettings } = capabilities("inventorySettings");
  const input: InventoryScanInput = { requestedBy, concurrency: inventorySettings.scanConcurrency };
  return startOnce(client, ORCHESTRATIONS.inventoryScan, instanceId, input);
}
