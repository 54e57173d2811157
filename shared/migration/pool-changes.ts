// Agent-pool changes a migration asks of ARM: each request audited, and a create that finds its pool
// already there (the PUT went out before a crash) is not sent again.

import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { OperationStatus, PoolOperations, PoolRequest } from "../domain/ports/pool-operations.ts";
import { audited } from "./audited-effect.ts";

export interface PoolChangeStep extends AuditedStep {
  clusterId: string;
  request: PoolRequest;
}

type Ports = { pools: PoolOperations; audit: AuditRepository; clock: RetryClock };

export async function requestPoolChange({ pools, audit, clock }: Ports, change: PoolChangeStep) {
  const { request, clusterId } = change;
  const target = `${clusterId.slice(clusterId.lastIndexOf("/") + 1)}/${request.kind === "create" ? request.spec.name : request.pool}`;
  const act = { ...change, action: `${request.kind}-pool`, target, evidence: request };
  const now = () => new Date(clock.now()).toISOString();
  if (request.kind === "create") {
    if (await pools.readPool(clusterId, request.spec.name)) return { kind: "exists" as const };
    return audited(
      audit,
      now,
      act,
      () => pools.createPool(clusterId, request.spec),
      (outcome) => outcome.kind,
    );
  }
  if (request.kind === "update") {
    return audited(
      audit,
      now,
      act,
      () => pools.updatePool(clusterId, request.pool, request.changes),
      (o) => o.kind,
    );
  }
  return audited(
    audit,
    now,
    act,
    () => pools.deletePool(clusterId, request.pool),
    (o) => o.kind,
  );
}

/** One look at an operation: by its token, or by the pool's provisioningState when there is none. */
export async function pollPool(
  { pools }: { pools: PoolOperations },
  poll: { clusterId: string; pool: string; operation?: string; deleting?: boolean },
): Promise<OperationStatus> {
  if (poll.operation !== undefined) return pools.pollOperation(poll.operation);
  const pool = await pools.readPool(poll.clusterId, poll.pool);
  if (!pool) {
    return poll.deleting
      ? { status: "succeeded" }
      : { status: "failed", error: `pool ${poll.pool} does not exist` };
  }
  const state = pool.provisioningState ?? "Succeeded";
  if (state === "Succeeded")
    return poll.deleting ? { status: "running", retryAfterSeconds: 15 } : { status: "succeeded" };
  if (state === "Failed" || state === "Canceled")
    return { status: "failed", error: `pool ${poll.pool} is ${state}` };
  return { status: "running", retryAfterSeconds: 15 };
}
