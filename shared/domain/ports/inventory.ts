// Inventory snapshots: each scan's clusters and pools with their assessments, and the latest known pools.
// Adapters: shared/azure/tables and shared/sqlite; one contract suite runs against both.

import type { Cluster, NodePool, PoolRef } from "../fleet/model.ts";
import type { PoolAssessment, PoolState } from "../lifecycle/pool-assessment.ts";

/** "complete" only when the scan saw the whole fleet; "running" until finishScan. */
export type ScanStatus = "running" | "complete" | "incomplete";

/** Where a cluster failed: listing it (Resource Graph/ARM) or scanning its workloads (Kubernetes). */
export type ClusterScanStage = "inventory" | "dependencies";

export interface ClusterScanError {
  stage: ClusterScanStage;
  message: string;
  /** ISO 8601 instant. */
  at: string;
}

export interface ClusterSnapshot {
  /** The cluster as listed, without its pools (they are PoolSnapshots). */
  cluster: Omit<Cluster, "nodePools">;
  poolNames: string[];
  errors: ClusterScanError[];
}

export interface PoolSnapshot {
  ref: PoolRef;
  pool: NodePool;
  assessment: PoolAssessment;
}

/** A cluster and every pool seen in it, as a scan records them. */
export interface RecordedCluster {
  cluster: Cluster;
  pools: readonly PoolSnapshot[];
}

export interface ScanSummary {
  /** The scan's UTC day ("2026-11-25") or start instant; ids of one kind sort chronologically. */
  scanId: string;
  startedAt: string;
  finishedAt?: string;
  status: ScanStatus;
  /** Why the scan is incomplete, e.g. "Resource Graph truncated the results". */
  incompleteReasons: string[];
  clusterCount: number;
  poolCount: number;
  clustersWithErrors: number;
  /** Pools seen by this scan, by state. */
  poolsByState: Partial<Record<PoolState, number>>;
}

export interface KnownPool extends PoolSnapshot {
  /** The scan the snapshot comes from. */
  scanId: string;
  /** Not seen by the latest scan, which was incomplete: carried forward, never taken as deleted. */
  stale: boolean;
}

export interface PoolFilter {
  subscriptionId?: string;
  /** Cluster ARM id (case-insensitive) or cluster name. */
  cluster?: string;
  state?: PoolState;
  /** The requested osSku (case-insensitive). */
  osSku?: string;
}

export interface InventoryRepository {
  /** Starts a scan, or returns the one already recorded under this id (a retried activity). */
  beginScan(scanId: string, startedAt: string): Promise<ScanSummary>;
  /** The cluster and every pool seen in it; replaces what this scan recorded for it before. */
  recordCluster(scanId: string, cluster: Cluster, pools: readonly PoolSnapshot[]): Promise<void>;
  /** Several clusters, each as recordCluster records it (a page of the listing: one write where it can). */
  recordClusters(scanId: string, clusters: readonly RecordedCluster[]): Promise<void>;
  /**
   * Adds an error to the cluster's row, once: an error of the same stage and message is there already
   * when a re-run activity records it again. A cluster not recorded yet gets a row with only its id.
   */
  recordClusterError(scanId: string, clusterId: string, error: ClusterScanError): Promise<void>;
  /** Counts the scan's rows, marks it complete or incomplete and moves the latest pointers. */
  finishScan(
    scanId: string,
    outcome: { finishedAt: string; incompleteReasons: string[] },
  ): Promise<ScanSummary>;
  getScan(scanId: string): Promise<ScanSummary | undefined>;
  /** The most recent finished scan, complete or not. */
  latestScan(): Promise<ScanSummary | undefined>;
  listClusters(scanId: string): Promise<ClusterSnapshot[]>;
  listPools(scanId: string, filter?: PoolFilter): Promise<PoolSnapshot[]>;
  /**
   * Pools of the latest scan, plus, when it was incomplete, the pools it did not see from the scans
   * back to the latest complete one (flagged stale).
   */
  latestKnownPools(filter?: PoolFilter): Promise<KnownPool[]>;
  /** Finished scans, oldest first, with their pool counts by state. */
  trends(range?: { from?: string; to?: string }): Promise<ScanSummary[]>;
}
