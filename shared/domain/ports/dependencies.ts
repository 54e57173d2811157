// Dependency results: each cluster's latest migration risk per pool, and why the last scan of it failed.
// Adapters: shared/azure/tables and shared/sqlite; one contract suite runs against both.

import type { PoolMigrationRisk, RiskCode } from "../risk/migration-risk.ts";

export interface StoredPoolRisk extends PoolMigrationRisk {
  /** Set when the full result was over Table Storage's entity limit: reasons beyond these were cut. */
  omitted?: { reasons: number; byCode: Partial<Record<RiskCode, number>> };
}

export interface ClusterDependencies {
  clusterId: string;
  /** The scan whose results these are. */
  scanId: string;
  scannedAt: string;
  pools: StoredPoolRisk[];
  /** The latest attempt failed; pools are then the last good results (possibly none). */
  lastError?: { scanId: string; at: string; message: string };
}

export interface DependencyRepository {
  /** Replaces the cluster's results: pools not in `pools` are dropped. */
  recordDependencies(
    clusterId: string,
    result: { scanId: string; scannedAt: string; pools: readonly PoolMigrationRisk[] },
  ): Promise<void>;
  /** Keeps the last good results and records why this scan has none. */
  recordDependencyError(
    clusterId: string,
    error: { scanId: string; at: string; message: string },
  ): Promise<void>;
  clusterDependencies(clusterId: string): Promise<ClusterDependencies | undefined>;
}
