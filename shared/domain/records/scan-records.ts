// What every InventoryRepository adapter decides alike, whatever it stores in: scan ids, clusters known
// only by id, errors recorded once, a finished scan's summary and the pools carried forward.

import { type Cluster, poolKey } from "../fleet/model.ts";
import type { PoolState } from "../lifecycle/pool-assessment.ts";
import type {
  ClusterScanError,
  ClusterSnapshot,
  InventoryRepository,
  KnownPool,
  PoolFilter,
  PoolSnapshot,
  ScanSummary,
} from "../ports/inventory.ts";

const SCAN_ID = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z)?$/;

export function checkScanId(scanId: string): void {
  if (!SCAN_ID.test(scanId)) {
    throw new Error(
      `scan id "${scanId}" must be a UTC day (YYYY-MM-DD) or a UTC instant (YYYY-MM-DDTHH:MM:SSZ)`,
    );
  }
}

export function runningScan(scanId: string, startedAt: string): ScanSummary {
  return {
    scanId,
    startedAt,
    status: "running",
    incompleteReasons: [],
    clusterCount: 0,
    poolCount: 0,
    clustersWithErrors: 0,
    poolsByState: {},
  };
}

/** Refuses writes to a scan never begun or already finished. */
export function checkRunning(scanId: string, scan: ScanSummary | undefined): void {
  if (!scan) throw new Error(`scan ${scanId} was never begun`);
  if (scan.status !== "running") throw new Error(`scan ${scanId} is already finished (${scan.status})`);
}

export function checkPoolsBelongTo(cluster: Cluster, pools: readonly PoolSnapshot[]): void {
  const clusterKey = cluster.id.toLowerCase();
  for (const snapshot of pools) {
    if (snapshot.ref.clusterId.toLowerCase() !== clusterKey) {
      throw new Error(
        `recordCluster ${cluster.id}: pool ${snapshot.ref.pool} belongs to cluster ${snapshot.ref.clusterId}`,
      );
    }
  }
}

/** The cluster's row as recordCluster writes it: errors recorded meanwhile are kept. */
export function listedCluster(
  cluster: Cluster,
  pools: readonly PoolSnapshot[],
  before: ClusterSnapshot | undefined,
): ClusterSnapshot {
  const { nodePools: _pools, ...listed } = cluster;
  return { cluster: listed, poolNames: pools.map((p) => p.ref.pool), errors: before?.errors ?? [] };
}

/**
 * The cluster's row with `error` added, or undefined when an error of the same stage and message is there
 * already: activities run at least once, and a re-run's same failure is the same error.
 */
export function withClusterError(
  clusterId: string,
  before: ClusterSnapshot | undefined,
  error: ClusterScanError,
): ClusterSnapshot | undefined {
  const errors = before?.errors ?? [];
  if (errors.some((known) => known.stage === error.stage && known.message === error.message)) {
    return undefined;
  }
  return {
    ...(before ?? { cluster: unlistedCluster(clusterId), poolNames: [] }),
    errors: [...errors, error],
  };
}

/** A cluster that failed before it could be listed: only its id (and name) is known. */
function unlistedCluster(clusterId: string): ClusterSnapshot["cluster"] {
  const name = /\/managedclusters\/([^/]+)/i.exec(clusterId)?.[1] ?? clusterId;
  const subscriptionId = /\/subscriptions\/([^/]+)/i.exec(clusterId)?.[1] ?? "";
  const resourceGroup = /\/resourcegroups\/([^/]+)/i.exec(clusterId)?.[1] ?? "";
  return {
    id: clusterId,
    name,
    subscriptionId,
    resourceGroup,
    location: "",
    kubernetesVersion: "",
    networkProfile: {},
    storageProfile: {},
    autoScalerProfile: {},
  };
}

/** A finished scan from its recorded rows; incomplete when asked, or when a cluster could not be listed. */
export function finishedScan(
  begun: ScanSummary,
  outcome: { finishedAt: string; incompleteReasons: string[] },
  clusters: readonly { errorCount: number; inventoryFailed: boolean }[],
  poolStates: readonly PoolState[],
): ScanSummary {
  const poolsByState: Partial<Record<PoolState, number>> = {};
  for (const state of poolStates) poolsByState[state] = (poolsByState[state] ?? 0) + 1;
  const unlisted = clusters.filter((cluster) => cluster.inventoryFailed).length;
  // A scan finished again (a retried activity) is given its stored reasons back: each once.
  const incompleteReasons = [
    ...new Set([
      ...outcome.incompleteReasons,
      ...(unlisted > 0 ? [`${unlisted} cluster(s) could not be listed`] : []),
    ]),
  ];
  return {
    scanId: begun.scanId,
    startedAt: begun.startedAt,
    finishedAt: outcome.finishedAt,
    status: incompleteReasons.length > 0 ? "incomplete" : "complete",
    incompleteReasons,
    clusterCount: clusters.length,
    poolCount: poolStates.length,
    clustersWithErrors: clusters.filter((cluster) => cluster.errorCount > 0).length,
    poolsByState,
  };
}

export function inventoryFailed(snapshot: ClusterSnapshot): boolean {
  return snapshot.errors.some((error) => error.stage === "inventory");
}

/**
 * latestKnownPools over a repository's own reads: the latest scan's pools, plus, when it was incomplete,
 * the pools it did not see from earlier scans back to `latestComplete` (all of them if none), stale.
 */
export async function knownPools(
  repository: Pick<InventoryRepository, "latestScan" | "listPools" | "trends">,
  latestComplete: string | undefined,
  filter: PoolFilter,
): Promise<KnownPool[]> {
  const latest = await repository.latestScan();
  if (!latest) return [];
  const known = (await repository.listPools(latest.scanId, filter)).map(
    (snapshot): KnownPool => ({ ...snapshot, scanId: latest.scanId, stale: false }),
  );
  if (latest.status === "complete") return known;

  // Newest first.
  const earlier = (
    await repository.trends({
      ...(latestComplete !== undefined && { from: latestComplete }),
      to: latest.scanId,
    })
  )
    .filter((scan) => scan.scanId !== latest.scanId)
    .reverse();
  const seen = new Set(known.map((pool) => poolKey(pool.ref)));
  for (const scan of earlier) {
    for (const snapshot of await repository.listPools(scan.scanId, filter)) {
      const key = poolKey(snapshot.ref);
      if (seen.has(key)) continue;
      seen.add(key);
      known.push({ ...snapshot, scanId: scan.scanId, stale: true });
    }
  }
  return known;
}
