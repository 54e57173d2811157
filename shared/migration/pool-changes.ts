// Agent-pool changes a migration asks of ARM: each request audited, and a create that finds its pool
// already there (the PUT went out before a crash) is not sent again, when the pool is the migration's own
// (its MIGRATION_TAG); a pool of that name someone else made is never taken over. A delete of drained
// machines sends those still there; one the pool no longer lists is gone only if its node is gone too.

import type { NodePool } from "../domain/fleet/model.ts";
import { MIGRATION_TAG, type PoolSpec } from "../domain/migration/migration-plan.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { NodeOperations } from "../domain/ports/node-operations.ts";
import {
  type OperationStatus,
  type PoolOperations,
  type PoolRequest,
  type PoolRequestOutcome,
  PoolRequestRefused,
} from "../domain/ports/pool-operations.ts";
import { audited } from "./audited-effect.ts";

export interface PoolChangeStep extends AuditedStep {
  clusterId: string;
  request: PoolRequest;
}

type Ports = {
  pools: PoolOperations;
  nodes: Pick<NodeOperations, "nodes">;
  audit: AuditRepository;
  clock: RetryClock;
};

export async function requestPoolChange({ pools, nodes, audit, clock }: Ports, change: PoolChangeStep) {
  const { request, clusterId } = change;
  const target = `${clusterId.slice(clusterId.lastIndexOf("/") + 1)}/${request.kind === "create" ? request.spec.name : request.pool}`;
  const action = request.kind === "delete-machines" ? "delete-machines" : `${request.kind}-pool`;
  const act = { ...change, action, target, evidence: request };
  if (request.kind === "create") {
    const existing = await pools.readPool(clusterId, request.spec.name);
    if (existing) return ownPool(existing, request.spec, target);
  }
  const effect = () =>
    request.kind === "create"
      ? pools.createPool(clusterId, request.spec)
      : request.kind === "update"
        ? pools.updatePool(clusterId, request.pool, request.changes)
        : request.kind === "delete"
          ? pools.deletePool(clusterId, request.pool)
          : deleteMachines({ pools, nodes }, clusterId, request);
  const send = () => audited({ audit, clock }, act, effect, (outcome) => outcome.kind);
  if (request.kind !== "delete-machines") return send();
  // A refused delete of drained machines only costs money: the drain goes on, told that nothing went.
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof PoolRequestRefused)) throw error;
    return { kind: "refused" as const, reason: `${error.status} ${error.code}: ${error.message}` };
  }
}

/**
 * The machines still there asked to go; gone when none is. A request sent before a crash may have taken
 * some already, but a machine the pool does not list whose node is still there is not gone: its machine
 * is named otherwise than its node. Answered gone, the drain would count it deleted and stop keeping it
 * tainted; failed, the machines go with the pool at the end (a retry finds a node only slow to leave gone).
 */
async function deleteMachines(
  { pools, nodes }: Pick<Ports, "pools" | "nodes">,
  clusterId: string,
  request: { pool: string; machines: string[] },
): Promise<PoolRequestOutcome> {
  const listed = new Set((await pools.machines(clusterId, request.pool)).map((m) => m.toLowerCase()));
  const present = request.machines.filter((m) => listed.has(m.toLowerCase()));
  const unlisted = request.machines.filter((m) => !listed.has(m.toLowerCase()));
  if (unlisted.length > 0) {
    const standing = new Set((await nodes.nodes(clusterId, request.pool)).map((n) => n.metadata?.name));
    const notGone = unlisted.filter((m) => standing.has(m));
    if (notGone.length > 0)
      throw new Error(
        `pool ${request.pool} lists no machine named ${notGone.join(", ")}, yet those nodes are still there: not deleting any`,
      );
  }
  if (present.length === 0) return { kind: "gone" };
  return pools.deleteMachines(clusterId, request.pool, present);
}

/** A pool already there is this migration's create only when it carries the spec's MIGRATION_TAG. */
function ownPool(existing: NodePool, spec: PoolSpec, target: string): { kind: "exists" } {
  const owner = existing.tags?.[MIGRATION_TAG];
  if (owner === spec.tags?.[MIGRATION_TAG]) return { kind: "exists" };
  const whose = owner === undefined ? `not a migration's (no ${MIGRATION_TAG} tag)` : `migration ${owner}'s`;
  throw new PoolRequestRefused(409, "PoolNameTaken", `pool ${target} already exists and is ${whose}`);
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
