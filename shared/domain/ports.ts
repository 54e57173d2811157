// What the product needs from the outside world, as interfaces the domain can name: the fleet's listing,
// clusters' workloads, product state (inventory snapshots, dependency results, notices, alerts), alert
// sinks and time for retries. Adapters live in shared/azure, shared/kube, shared/sqlite and shared/alerts;
// tests and the composition root pick them, and use cases name only these ports.

import type { AlertDecision, AlertState, LifecycleAlert } from "./alerts/alert-policy.ts";
import type { Cluster, NodePool, PoolRef } from "./fleet/model.ts";
import type { IsoDate } from "./lifecycle/calendar-date.ts";
import type { LifecycleNotice } from "./lifecycle/lifecycle-calendar.ts";
import type { PoolAssessment, PoolState } from "./lifecycle/pool-assessment.ts";
import type { PoolMigrationRisk, RiskCode } from "./risk/migration-risk.ts";
import type { ClusterFacts } from "./workloads/cluster-facts.ts";

/** Time for code that waits between attempts; local/clock.ts's Clock satisfies it, virtual time included. */
export interface RetryClock {
  /** Epoch milliseconds. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------
// The fleet as listed (Resource Graph in Azure) and each cluster's workloads (the Kubernetes API)

/** A row the listing returned that is not a readable managed cluster. */
export interface UnreadableCluster {
  /** The row's id when it has one. */
  id?: string;
  problems: string[];
}

export interface ClusterPage {
  clusters: Cluster[];
  unreadable: UnreadableCluster[];
}

export interface ListingStats {
  queries: number;
  pages: number;
  /** Queries answered 429. */
  throttled: number;
  /** Clock time spent waiting for quota and retries. */
  waitedMs: number;
}

export interface ListingReport {
  clusters: number;
  unreadable: number;
  /** Empty when the listing saw the whole scope. */
  incompleteReasons: string[];
  stats: ListingStats;
}

export interface FleetSource {
  /** Every managed cluster in scope, a page at a time, each cluster once; what was missed is reported. */
  listClusters(onPage: (page: ClusterPage) => Promise<void>): Promise<ListingReport>;
}

export interface ClusterFactsSource {
  /** What the cluster runs, as migration risk needs it; throws when the cluster cannot be reached or read. */
  clusterFacts(clusterId: string): Promise<ClusterFacts>;
}

// ---------------------------------------------------------------------------------------------------
// Inventory snapshots

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

// ---------------------------------------------------------------------------------------------------
// Dependency results

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

// ---------------------------------------------------------------------------------------------------
// Notices and cluster events

export type NoticeOrigin = "operator" | "event-grid" | "resource-graph";

export interface NoticeRecord {
  notice: LifecycleNotice;
  origin: NoticeOrigin;
  /** The Service Bus message id it arrived with, if any. */
  messageId?: string;
  /** Identity of what the notice states (subject, dates, source, note): the same content counts once. */
  contentKey: string;
}

export type NoticeAcceptance =
  | { kind: "accepted"; noticeId: string }
  | { kind: "duplicate-id"; noticeId: string }
  | { kind: "duplicate-content"; noticeId: string; existingNoticeId: string }
  /** The id was accepted before with other content: refused, so a correction cannot hide under an old id. */
  | { kind: "id-conflict"; noticeId: string };

export type ClusterEventKind =
  | "support-ending"
  | "support-ended"
  | "new-kubernetes-versions"
  | "pool-rolling-started"
  | "pool-rolling-succeeded"
  | "pool-rolling-failed"
  | "end-of-support-notification"
  | "maintenance";

/** Something AKS said about one cluster. */
export interface ClusterEvent {
  /** The event id: the same on redelivery. */
  id: string;
  kind: ClusterEventKind;
  /** As on the wire, e.g. Microsoft.ContainerService.ClusterSupportEnding. */
  eventType: string;
  clusterId: string;
  cluster: string;
  /** ISO 8601 instant the event states. */
  occurredAt: string;
  receivedAt: string;
  /** One line for people. */
  summary: string;
  /** The documentation of the event's schema (events carry no URL of their own). */
  sourceUrl: string;
  kubernetesVersion?: string;
  nodePool?: string;
  eolDate?: IsoDate;
  /** The event's data as it came (validated). */
  details: Record<string, unknown>;
}

export interface NoticeRejection {
  /** The key rejections are recorded under: the message id, else a hash of the body. */
  key: string;
  messageId?: string;
  receivedAt: string;
  /** One line: what the message was taken for and what is wrong. */
  reason: string;
  /** Each problem found, "field: what was expected, what came". */
  problems: string[];
  /** The start of the body, for whoever looks at it. */
  bodyExcerpt: string;
}

export interface NoticeRepository {
  acceptNotice(record: NoticeRecord): Promise<NoticeAcceptance>;
  /** Every accepted notice, in the order received. */
  notices(): Promise<NoticeRecord[]>;
  recordClusterEvent(event: ClusterEvent): Promise<"recorded" | "duplicate">;
  clusterEvents(clusterId: string): Promise<ClusterEvent[]>;
  recordRejection(rejection: NoticeRejection): Promise<"recorded" | "duplicate">;
  rejections(): Promise<NoticeRejection[]>;
}

// ---------------------------------------------------------------------------------------------------
// Alerts: state and outbox

export interface SinkDelivery {
  status: "pending" | "delivered";
  /** Attempts over all runs. */
  attempts: number;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
}

export interface OutboxAlert {
  alert: LifecycleAlert;
  decidedAt: string;
  /** Delivered once every sink configured at delivery time has it. */
  status: "pending" | "delivered";
  deliveries: Record<string, SinkDelivery>;
}

/** Alert state as loaded, with the versions a commit checks (optimistic concurrency per track). */
export interface AlertStateSnapshot {
  state: AlertState;
  readonly versions: ReadonlyMap<string, string>;
}

export interface AlertCommit {
  /** Track keys written with their new alerts. */
  committed: string[];
  /** Track keys another writer changed since the snapshot: nothing of them was written. */
  conflicts: string[];
}

/** A pending alert this delivery run holds a lease on. */
export interface OutboxClaim {
  readonly outbox: OutboxAlert;
  /** Epoch ms until which this run holds the alert. */
  readonly leaseUntil: number;
  /** The run holding the lease, when it named itself. */
  readonly holder?: string;
  /** Opaque: the version the next update must match. */
  readonly version: string;
}

export interface AlertRepository {
  loadState(): Promise<AlertStateSnapshot>;
  /**
   * Per track, atomically: its new state and its new alerts as pending. A track changed by someone
   * else since `snapshot` is reported as a conflict and left alone.
   */
  commitDecision(
    snapshot: AlertStateSnapshot,
    decision: AlertDecision,
    decidedAt: string,
  ): Promise<AlertCommit>;
  /** Pending alerts, oldest decision first. */
  pendingAlerts(): Promise<OutboxAlert[]>;
  /**
   * Leases a pending alert until `leaseUntil` (epoch ms); undefined if delivered or leased by another run.
   * A lease taken under the same `holder` is taken over at once: that run, resumed after a crash, is the
   * one left to finish the alert.
   */
  claim(alertId: string, now: number, leaseUntil: number, holder?: string): Promise<OutboxClaim | undefined>;
  /**
   * Records one sink's result. Once every sink in `sinks` has delivered, the alert becomes delivered and
   * leaves the pending list. Returns the claim to use for the next update, or undefined when the lease
   * was lost (another run took the alert over after it expired): then nothing was recorded.
   */
  recordDelivery(
    claim: OutboxClaim,
    sink: string,
    delivery: SinkDelivery,
    sinks: readonly string[],
  ): Promise<OutboxClaim | undefined>;
  /** Ends the lease early so the next run need not wait for it. */
  release(claim: OutboxClaim): Promise<void>;
  listAlerts(filter?: { status?: OutboxAlert["status"] }): Promise<OutboxAlert[]>;
}

// ---------------------------------------------------------------------------------------------------
// Alert sinks

export interface AlertSink {
  /** Stable: per-sink delivery status is recorded under it. */
  readonly name: string;
  /** Resolves once the sink accepted the alert; throws SinkError (or any error: taken as transient). */
  send(alert: LifecycleAlert): Promise<void>;
}
