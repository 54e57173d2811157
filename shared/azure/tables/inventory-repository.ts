// Inventory snapshots in Table Storage.
// - Table Scans: one row per scan (PartitionKey "scan", RowKey = scan id) with its status and pool
//   counts by state, so trends are one range query; pointer rows (PartitionKey "pointer") name the
//   latest finished scan and the latest complete one.
// - Table Snapshots: PartitionKey = scan id, so a whole snapshot is one partition query; RowKey
//   "c|<cluster id>" for clusters (with their errors) and "p|<pool key>" for pools.
// A pool missing from an incomplete scan is never taken as deleted: latestKnownPools carries it forward
// from earlier scans, back to the latest complete one, flagged stale.

import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type { Cluster } from "../../domain/fleet/model.ts";
import { poolKey } from "../../domain/fleet/model.ts";
import type { PoolState } from "../../domain/lifecycle/pool-assessment.ts";
import type {
  ClusterScanError,
  ClusterSnapshot,
  InventoryRepository,
  KnownPool,
  PoolFilter,
  PoolSnapshot,
  RecordedCluster,
  ScanSummary,
} from "../../domain/ports/inventory.ts";
import {
  poolSnapshotFromStored,
  type StoredPoolSnapshot,
  storedPoolSnapshot,
} from "../../domain/records/pool-snapshot-records.ts";
import {
  checkPoolsBelongTo,
  checkRunning,
  checkScanId,
  finishedScan,
  inventoryFailed,
  knownPools,
  listedCluster,
  runningScan,
  withClusterError,
} from "../../domain/records/scan-records.ts";
import { mapBounded } from "../../domain/support/bounded.ts";
import { checkEntitySize, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart, keyPartStart, rowKeyPrefixFilter } from "./table-keys.ts";
import {
  getEntityOrUndefined,
  isConflict,
  listRows,
  type Row,
  readModifyWrite,
  TableRepository,
} from "./table-store.ts";

const SCAN_PARTITION = "scan";
const POINTER_PARTITION = "pointer";
const LATEST = "latest";
const LATEST_COMPLETE = "latest-complete";
const CLUSTER_PREFIX = "c|";
/** Clusters written at once by recordClusters. */
const RECORD_CONCURRENCY = 16;
const POOL_PREFIX = "p|";

export class TableInventoryRepository extends TableRepository implements InventoryRepository {
  private scans(): Promise<TableClient> {
    return this.store.table("Scans");
  }

  private snapshots(): Promise<TableClient> {
    return this.store.table("Snapshots");
  }

  async beginScan(scanId: string, startedAt: string): Promise<ScanSummary> {
    checkScanId(scanId);
    const scans = await this.scans();
    const summary = runningScan(scanId, startedAt);
    try {
      await scans.createEntity(scanRow(summary));
      return summary;
    } catch (error) {
      if (!isConflict(error)) throw error;
      return (await this.getScan(scanId)) as ScanSummary;
    }
  }

  async recordCluster(scanId: string, cluster: Cluster, pools: readonly PoolSnapshot[]): Promise<void> {
    await this.requireRunning(scanId);
    checkPoolsBelongTo(cluster, pools);
    const clusterKey = cluster.id.toLowerCase();
    const table = await this.snapshots();
    const partitionKey = keyPart(scanId);
    const keep = new Set(pools.map((p) => poolRowKey(p)));
    const earlier = await listRows(table, poolFilter(partitionKey, { cluster: clusterKey }), ["RowKey"]);
    const poolActions: TransactionAction[] = [
      ...pools.map((p): TransactionAction => ["upsert", poolRow(partitionKey, p), "Replace"]),
      ...earlier
        .filter((row) => !keep.has(row.rowKey))
        .map((row): TransactionAction => ["delete", { partitionKey, rowKey: row.rowKey }]),
    ];
    await this.updateClusterRow(
      scanId,
      cluster.id,
      (snapshot) => listedCluster(cluster, pools, snapshot),
      poolActions,
    );
  }

  /** Cluster by cluster (a transaction holds one partition's 100 rows), RECORD_CONCURRENCY at once. */
  async recordClusters(scanId: string, clusters: readonly RecordedCluster[]): Promise<void> {
    await mapBounded(clusters, RECORD_CONCURRENCY, ({ cluster, pools }) =>
      this.recordCluster(scanId, cluster, pools),
    );
  }

  async recordClusterError(scanId: string, clusterId: string, error: ClusterScanError): Promise<void> {
    await this.requireRunning(scanId);
    await this.updateClusterRow(scanId, clusterId, (snapshot) =>
      withClusterError(clusterId, snapshot, error),
    );
  }

  /**
   * Read-modify-write of a cluster row, checked against its version (a dependency error and a retried
   * listing may race), in one transaction with `more` actions of the same partition when they fit, else
   * in the last of them (finishing a scan counts pools from cluster rows); `change` returns undefined to
   * leave the row as it is.
   */
  private async updateClusterRow(
    scanId: string,
    clusterId: string,
    change: (snapshot: ClusterSnapshot | undefined) => ClusterSnapshot | undefined,
    more: readonly TransactionAction[] = [],
  ): Promise<void> {
    const partitionKey = keyPart(scanId);
    await readModifyWrite(
      await this.snapshots(),
      { partitionKey, rowKey: clusterRowKey(clusterId) },
      (current) => {
        const changed = change(current && readClusterSnapshot(current));
        return changed && { entity: clusterRow(partitionKey, changed), more };
      },
      `cluster ${clusterId} in scan ${scanId}`,
    );
  }

  async finishScan(
    scanId: string,
    outcome: { finishedAt: string; incompleteReasons: string[] },
  ): Promise<ScanSummary> {
    const begun = await this.getScan(scanId);
    if (!begun) throw new Error(`scan ${scanId} was never begun`);
    const table = await this.snapshots();
    const rows = await listRows(table, odata`PartitionKey eq ${keyPart(scanId)}`, [
      "RowKey",
      "State",
      "ErrorCount",
      "InventoryFailed",
    ]);
    const summary = finishedScan(
      begun,
      outcome,
      rows
        .filter((row) => row.rowKey.startsWith(CLUSTER_PREFIX))
        .map((row) => ({
          errorCount: Number(row.ErrorCount ?? 0),
          inventoryFailed: row.InventoryFailed === true,
        })),
      rows.filter((row) => row.rowKey.startsWith(POOL_PREFIX)).map((row) => row.State as PoolState),
    );
    const scans = await this.scans();
    await scans.upsertEntity(scanRow(summary), "Replace");
    await this.movePointer(LATEST, scanId);
    if (summary.status === "complete") await this.movePointer(LATEST_COMPLETE, scanId);
    return summary;
  }

  async getScan(scanId: string): Promise<ScanSummary | undefined> {
    const row = await getEntityOrUndefined<Row>(await this.scans(), SCAN_PARTITION, keyPart(scanId));
    return row && readScanRow(row);
  }

  async latestScan(): Promise<ScanSummary | undefined> {
    const scanId = await this.pointer(LATEST);
    return scanId === undefined ? undefined : this.getScan(scanId);
  }

  async listClusters(scanId: string): Promise<ClusterSnapshot[]> {
    const table = await this.snapshots();
    const rows = await listRows(table, rowKeyPrefixFilter(keyPart(scanId), CLUSTER_PREFIX));
    return rows.map(readClusterSnapshot);
  }

  async listPools(scanId: string, filter: PoolFilter = {}): Promise<PoolSnapshot[]> {
    const table = await this.snapshots();
    const rows = await listRows(table, poolFilter(keyPart(scanId), filter));
    return rows.map((row) =>
      poolSnapshotFromStored(fromJsonColumns<StoredPoolSnapshot>(row, "Snapshot", `pool row ${row.rowKey}`)),
    );
  }

  async latestKnownPools(filter: PoolFilter = {}): Promise<KnownPool[]> {
    return knownPools(this, await this.pointer(LATEST_COMPLETE), filter);
  }

  async trends(range: { from?: string; to?: string } = {}): Promise<ScanSummary[]> {
    const bounds = [
      odata`PartitionKey eq ${SCAN_PARTITION}`,
      ...(range.from !== undefined ? [odata`RowKey ge ${keyPart(range.from)}`] : []),
      ...(range.to !== undefined ? [odata`RowKey le ${keyPart(range.to)}`] : []),
      odata`Status ne ${"running"}`,
    ];
    const rows = await listRows(await this.scans(), bounds.join(" and "));
    return rows.map(readScanRow).sort((a, b) => a.scanId.localeCompare(b.scanId));
  }

  private async requireRunning(scanId: string): Promise<void> {
    checkRunning(scanId, await this.getScan(scanId));
  }

  private async pointer(name: string): Promise<string | undefined> {
    const row = await getEntityOrUndefined<Row>(await this.scans(), POINTER_PARTITION, name);
    return row?.ScanId as string | undefined;
  }

  /** Points `name` at the scan unless it already points at a later one (scans may finish out of order). */
  private async movePointer(name: string, scanId: string): Promise<void> {
    await readModifyWrite(
      await this.scans(),
      { partitionKey: POINTER_PARTITION, rowKey: name },
      (current) =>
        current && String(current.ScanId) > scanId
          ? undefined
          : { entity: { partitionKey: POINTER_PARTITION, rowKey: name, ScanId: scanId } },
      `pointer ${name}`,
    );
  }
}

function clusterRowKey(clusterId: string): string {
  return `${CLUSTER_PREFIX}${keyPart(clusterId.toLowerCase())}`;
}

function poolRowKey(snapshot: PoolSnapshot): string {
  return `${POOL_PREFIX}${keyPart(poolKey(snapshot.ref))}`;
}

function scanRow(summary: ScanSummary) {
  return {
    partitionKey: SCAN_PARTITION,
    rowKey: keyPart(summary.scanId),
    ScanId: summary.scanId,
    StartedAt: summary.startedAt,
    ...(summary.finishedAt !== undefined && { FinishedAt: summary.finishedAt }),
    Status: summary.status,
    IncompleteReasons: JSON.stringify(summary.incompleteReasons),
    ClusterCount: summary.clusterCount,
    PoolCount: summary.poolCount,
    ClustersWithErrors: summary.clustersWithErrors,
    PoolsByState: JSON.stringify(summary.poolsByState),
  };
}

function readScanRow(row: Row): ScanSummary {
  return {
    scanId: String(row.ScanId),
    startedAt: String(row.StartedAt),
    ...(typeof row.FinishedAt === "string" && { finishedAt: row.FinishedAt }),
    status: row.Status as ScanSummary["status"],
    incompleteReasons: JSON.parse(String(row.IncompleteReasons)),
    clusterCount: Number(row.ClusterCount),
    poolCount: Number(row.PoolCount),
    clustersWithErrors: Number(row.ClustersWithErrors),
    poolsByState: JSON.parse(String(row.PoolsByState)),
  };
}

function clusterRow(partitionKey: string, snapshot: ClusterSnapshot) {
  const entity = {
    partitionKey,
    rowKey: clusterRowKey(snapshot.cluster.id),
    ClusterKey: snapshot.cluster.id.toLowerCase(),
    Name: snapshot.cluster.name,
    ErrorCount: snapshot.errors.length,
    InventoryFailed: inventoryFailed(snapshot),
    ...toJsonColumns("Snapshot", snapshot),
  };
  checkEntitySize(entity, `cluster ${snapshot.cluster.id}`);
  return entity;
}

function readClusterSnapshot(row: Row): ClusterSnapshot {
  return fromJsonColumns<ClusterSnapshot>(row, "Snapshot", `cluster row ${row.rowKey}`);
}

function poolRow(partitionKey: string, snapshot: PoolSnapshot) {
  const entity = {
    partitionKey,
    rowKey: poolRowKey(snapshot),
    PoolKey: poolKey(snapshot.ref),
    ClusterKey: snapshot.ref.clusterId.toLowerCase(),
    ClusterName: snapshot.ref.cluster,
    SubscriptionKey: snapshot.ref.subscriptionId.toLowerCase(),
    Pool: snapshot.ref.pool,
    State: snapshot.assessment.state,
    OsSkuKey: (snapshot.pool.osSku ?? "").toLowerCase(),
    ...toJsonColumns("Snapshot", storedPoolSnapshot(snapshot)),
  };
  checkEntitySize(entity, `pool ${poolKey(snapshot.ref)}`);
  return entity;
}

/**
 * The pool rows the filter selects. A scan's partition holds the whole fleet: a subscription's or a
 * cluster's pools are read as a row-key range (pool keys start with the cluster id), so Table Storage
 * does not scan the partition for them; the property clauses keep the answer exact.
 */
function poolFilter(partitionKey: string, filter: PoolFilter): string {
  const clauses = [
    rowKeyPrefixFilter(partitionKey, `${POOL_PREFIX}${keyPartStart(poolKeyStart(filter)) ?? ""}`),
  ];
  if (filter.subscriptionId !== undefined) {
    clauses.push(odata`SubscriptionKey eq ${filter.subscriptionId.toLowerCase()}`);
  }
  if (filter.cluster !== undefined) {
    const cluster = filter.cluster;
    clauses.push(
      cluster.startsWith("/")
        ? odata`ClusterKey eq ${cluster.toLowerCase()}`
        : odata`ClusterName eq ${cluster}`,
    );
  }
  if (filter.state !== undefined) clauses.push(odata`State eq ${filter.state}`);
  if (filter.osSku !== undefined) clauses.push(odata`OsSkuKey eq ${filter.osSku.toLowerCase()}`);
  return clauses.map((clause) => `(${clause})`).join(" and ");
}

/**
 * What the pool keys (poolKey) the filter selects start with: "" when they may start with anything. A
 * pool's subscription is the one its cluster id names, as Azure has it.
 */
function poolKeyStart(filter: PoolFilter): string {
  if (filter.cluster?.startsWith("/")) return `${filter.cluster.toLowerCase()}/agentpools/`;
  if (filter.subscriptionId !== undefined) return `/subscriptions/${filter.subscriptionId.toLowerCase()}/`;
  return "";
}
