// Before a rollout starts a pool it looks at the cluster again: weeks may have passed since planning. A
// stopped cluster, a pool gone or already on its target is skipped (reported, not fatal), and pools of the
// cluster on the planned pool's old SKU that the plan does not name are reported, never added.

import type { Cluster } from "../fleet/model.ts";

export interface PlannedPool {
  pool: string;
  fromOsSku: string;
  targetOsSku: string;
}

export interface ClusterCheck {
  /** Why the pool is not started now; absent when it may start. */
  skip?: string;
  /** Pools that now need the same move and are not in the plan. */
  unplanned: { pool: string; why: string }[];
}

export function checkClusterForPool(
  cluster: Cluster,
  planned: PlannedPool,
  plannedPools: readonly string[],
): ClusterCheck {
  const named = new Set(plannedPools.map((pool) => pool.toLowerCase()));
  const unplanned = cluster.nodePools
    .filter((pool) => pool.osSku === planned.fromOsSku && !named.has(pool.name.toLowerCase()))
    .map((pool) => ({
      pool: pool.name,
      why: `on ${planned.fromOsSku}, not in the plan (appeared after it?)`,
    }));
  const running = cluster.nodePools.filter((pool) => pool.powerState !== "Stopped");
  if (cluster.nodePools.length > 0 && running.length === 0) {
    return { skip: `cluster ${cluster.name} is stopped`, unplanned };
  }
  const pool = cluster.nodePools.find((each) => each.name.toLowerCase() === planned.pool.toLowerCase());
  if (!pool) return { skip: `pool ${planned.pool} is gone from ${cluster.name}`, unplanned };
  if (pool.osSku === planned.targetOsSku) {
    return { skip: `pool ${planned.pool} is on ${planned.targetOsSku} already`, unplanned };
  }
  return { unplanned };
}

/** What the rollout is told before it starts a pool: its attempt number, or why it is skipped. */
export type RolloutPoolCheck =
  | { kind: "ready"; attempt: number; unplanned: ClusterCheck["unplanned"] }
  | { kind: "skip"; why: string; unplanned: ClusterCheck["unplanned"] };
