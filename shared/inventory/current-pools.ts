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

type ClusterRow = ClusterSnapshot["cluster"];

/**
 * Each scan's cluster rows, by scan and cluster id: a pool carried forward from an earlier scan goes
 * with its own scan's row, since the cluster may have changed since (its support plan, its version).
 */
export class ScannedClusters {
  private readonly rows = new Map<string, ClusterRow>();

  static async read(inventory: InventoryRepository, scanIds: Iterable<string>): Promise<ScannedClusters> {
    const scanned = new ScannedClusters();
    for (const scanId of new Set(scanIds)) {
      for (const { cluster } of await inventory.listClusters(scanId))
        scanned.rows.set(ScannedClusters.key(scanId, cluster.id), cluster);
    }
    return scanned;
  }

  /** The cluster's row in the scan. */
  of(scanId: string, clusterId: string): ClusterRow | undefined {
    return this.rows.get(ScannedClusters.key(scanId, clusterId));
  }

  all(): Iterable<ClusterRow> {
    return this.rows.values();
  }

  private static key(scanId: string, clusterId: string): string {
    return `${scanId}\n${clusterId.toLowerCase()}`;
  }
}

/** The pool assessed at `now`; without its cluster's row, the stored assessment stands. */
export function reassess(
  snapshot: PoolSnapshot,
  listed: ClusterRow | undefined,
  assess: PoolAssessor,
): PoolAssessment {
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
  const clusters = await ScannedClusters.read(
    deps.inventory,
    known.map((pool) => pool.scanId),
  );
  const assess = poolAssessor(calendar, now);
  return {
    calendar,
    pools: known.map((pool) => ({
      known: pool,
      assessment: reassess(pool, clusters.of(pool.scanId, pool.ref.clusterId), assess),
    })),
  };
}
