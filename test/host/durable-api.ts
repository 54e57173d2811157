// Reading an instance through the Durable HTTP API as a caller of a deployed app does: the URL the
// unmodified client builds (createHttpManagementPayload), which carries the system key.
import type { DurableClient } from "durable-functions";
import { EventType } from "../../local/host/durable-history.ts";
import type { RunningHost } from "../../local/host/host.ts";

export interface ApiHistoryEvent {
  readonly EventType: string;
  readonly [field: string]: unknown;
}

export interface ApiStatus {
  readonly runtimeStatus: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly historyEvents: ApiHistoryEvent[];
  readonly [field: string]: unknown;
}

/** The instance's status with its history (and the history's inputs and results). */
export async function statusWithHistory(client: DurableClient, instanceId: string): Promise<ApiStatus> {
  const { statusQueryGetUri } = client.createHttpManagementPayload(instanceId);
  const response = await fetch(`${statusQueryGetUri}&showHistory=true&showHistoryOutput=true`);
  if (response.status !== 200 && response.status !== 202) {
    throw new Error(`status of ${instanceId}: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as ApiStatus;
}

/** How many episodes the instance has had, from its stored history (the HTTP API folds them away). */
export function episodes(host: RunningHost, instanceId: string): number {
  return host.history(instanceId).filter((event) => event.EventType === EventType.OrchestratorStarted).length;
}
