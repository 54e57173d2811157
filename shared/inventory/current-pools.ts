// Pools as they stand now: the latest scan's snapshots (with pools an incomplete scan missed, carried
// forward and flagged stale) assessed again against the calendar as it stands and `now`, so a notice that
// moved a date shows at once, not after the next scan.

import type { Cluster } from "../domain/fleet/model.ts";
import type { Calendar } from "../domain/lifecycle/lifecycle-calendar.ts";
import { type PoolAssessment, type PoolAssessor, poolAssessor } from "../domain/lifecycle/pool-assessment.ts";
import type {
  ClusterSnapshot,
  InventoryRepository,
  KnownPool,
  PoolFilter,
  PoolSnapshot,
} from "../domain/ports/inventory.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import { currentCalendar } from "./current-calendar.ts";

export interface CurrentPool {
  known: KnownPool;
  assessment: PoolAssessment;
}

/** Clusters of the scans given, by lower-case id. */
export async function clustersOfScans(
  inventory: InventoryRepository,
  scanIds: Iterable<string>,
): Promise<Map<string, ClusterSnapshot["cluster"]>> {
  const clusters = new Map<string, ClusterSnapshot["cluster"]>();
  for (const scanId of new Set(scanIds)) {
    for (const snapshot of await inventory.listClusters(scanId)) {
      clusters.set(snapshot.cluster.id.toLowerCase(), snapshot.cluster);
    }
  }
  return clusters;
}

/** The pool assessed at `now`; without its cluster's row, the stored assessment stands. */
export function reassess(
  snapshot: PoolSnapshot,
  clusters: ReadonlyMap<string, ClusterSnapshot["cluster"]>,
  assess: PoolAssessor,
): PoolAssessment {
  const listed = clusters.get(snapshot.ref.clusterId.toLowerCase());
  if (!listed) return snapshot.assessment;
  const cluster: Cluster = { ...listed, nodePools: [snapshot.pool] };
  return assess(cluster, snapshot.pool);
}

export async function currentPools(
  deps: { inventory: InventoryRepository; notices: NoticeRepository },
  now: Date,
  filter: PoolFilter = {},
): Promise<{ calendar: Calendar; pools: CurrentPool[] }> {
  const calendar = await currentCalendar(deps.notices);
  const known = await deps.inventory.latestKnownPools(filter);
  const clusters = await clustersOfScans(
    deps.inventory,
    known.map((pool) => pool.scanId),
  );
  const assess = poolAssessor(calendar, now);
  return {
    calendar,
    pools: known.map((pool) => ({ known: pool, assessment: reassess(pool, clusters, assess) })),
  };
}
