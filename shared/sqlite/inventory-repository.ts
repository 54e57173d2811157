// Inventory snapshots in SQLite: a row per scan (its summary as JSON), and per scan a row per cluster
// (with its errors) and per pool, with the columns pool filters need. The latest scan is the greatest
// finished scan id, the latest complete one likewise, so no pointer row can lag behind a crash.

import type { Cluster } from "../domain/fleet/model.ts";
import { poolKey } from "../domain/fleet/model.ts";
import type { PoolState } from "../domain/lifecycle/pool-assessment.ts";
import type {
  ClusterScanError,
  ClusterSnapshot,
  InventoryRepository,
  KnownPool,
  PoolFilter,
  PoolSnapshot,
  RecordedCluster,
  ScanSummary,
} from "../domain/ports/inventory.ts";
import {
  poolSnapshotFromStored,
  type StoredPoolSnapshot,
  storedPoolSnapshot,
} from "../domain/records/pool-snapshot-records.ts";
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
} from "../domain/records/scan-records.ts";
import type { Sql, SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS scans (
  scan_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  summary TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS scan_clusters (
  scan_id TEXT NOT NULL,
  cluster_key TEXT NOT NULL,
  error_count INTEGER NOT NULL,
  inventory_failed INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (scan_id, cluster_key)
) STRICT;
CREATE TABLE IF NOT EXISTS scan_pools (
  scan_id TEXT NOT NULL,
  pool_key TEXT NOT NULL,
  cluster_key TEXT NOT NULL,
  cluster_name TEXT NOT NULL,
  subscription_key TEXT NOT NULL,
  state TEXT NOT NULL,
  os_sku_key TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  PRIMARY KEY (scan_id, pool_key)
) STRICT;
CREATE INDEX IF NOT EXISTS scan_pools_by_cluster ON scan_pools (scan_id, cluster_key);
CREATE INDEX IF NOT EXISTS scan_pools_by_subscription ON scan_pools (scan_id, subscription_key, pool_key);
`;

export class SqliteInventoryRepository implements InventoryRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async beginScan(scanId: string, startedAt: string): Promise<ScanSummary> {
    checkScanId(scanId);
    return this.store.write((sql) => {
      sql.run(
        "INSERT INTO scans (scan_id, status, summary) VALUES (?, 'running', ?) ON CONFLICT DO NOTHING",
        scanId,
        JSON.stringify(runningScan(scanId, startedAt)),
      );
      return scanOf(sql, scanId) as ScanSummary;
    });
  }

  async recordCluster(scanId: string, cluster: Cluster, pools: readonly PoolSnapshot[]): Promise<void> {
    await this.recordClusters(scanId, [{ cluster, pools }]);
  }

  /** One transaction: a commit waits for the disk, so a page of clusters waits once. */
  async recordClusters(scanId: string, clusters: readonly RecordedCluster[]): Promise<void> {
    for (const { cluster, pools } of clusters) checkPoolsBelongTo(cluster, pools);
    this.store.write((sql) => {
      checkRunning(scanId, scanOf(sql, scanId));
      for (const { cluster, pools } of clusters) {
        const clusterKey = cluster.id.toLowerCase();
        sql.run("DELETE FROM scan_pools WHERE scan_id = ? AND cluster_key = ?", scanId, clusterKey);
        for (const snapshot of pools) {
          sql.run(
            `INSERT OR REPLACE INTO scan_pools
               (scan_id, pool_key, cluster_key, cluster_name, subscription_key, state, os_sku_key, snapshot)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            scanId,
            poolKey(snapshot.ref),
            clusterKey,
            snapshot.ref.cluster,
            snapshot.ref.subscriptionId.toLowerCase(),
            snapshot.assessment.state,
            (snapshot.pool.osSku ?? "").toLowerCase(),
            JSON.stringify(storedPoolSnapshot(snapshot)),
          );
        }
        writeCluster(sql, scanId, listedCluster(cluster, pools, clusterOf(sql, scanId, clusterKey)));
      }
    });
  }

  async recordClusterError(scanId: string, clusterId: string, error: ClusterScanError): Promise<void> {
    this.store.write((sql) => {
      checkRunning(scanId, scanOf(sql, scanId));
      const changed = withClusterError(clusterId, clusterOf(sql, scanId, clusterId.toLowerCase()), error);
      if (changed) writeCluster(sql, scanId, changed);
    });
  }

  async finishScan(
    scanId: string,
    outcome: { finishedAt: string; incompleteReasons: string[] },
  ): Promise<ScanSummary> {
    return this.store.write((sql) => {
      const begun = scanOf(sql, scanId);
      if (!begun) throw new Error(`scan ${scanId} was never begun`);
      const clusters = sql.all<{ error_count: number; inventory_failed: number }>(
        "SELECT error_count, inventory_failed FROM scan_clusters WHERE scan_id = ?",
        scanId,
      );
      const states = sql.all<{ state: PoolState }>("SELECT state FROM scan_pools WHERE scan_id = ?", scanId);
      const summary = finishedScan(
        begun,
        outcome,
        clusters.map((row) => ({ errorCount: row.error_count, inventoryFailed: row.inventory_failed === 1 })),
        states.map((row) => row.state),
      );
      sql.run(
        "UPDATE scans SET status = ?, summary = ? WHERE scan_id = ?",
        summary.status,
        JSON.stringify(summary),
        scanId,
      );
      return summary;
    });
  }

  async getScan(scanId: string): Promise<ScanSummary | undefined> {
    return this.store.read((sql) => scanOf(sql, scanId));
  }

  async latestScan(): Promise<ScanSummary | undefined> {
    return this.store.read((sql) => {
      const row = sql.get<{ summary: string }>(
        "SELECT summary FROM scans WHERE status <> 'running' ORDER BY scan_id DESC LIMIT 1",
      );
      return row && (JSON.parse(row.summary) as ScanSummary);
    });
  }

  async listClusters(scanId: string): Promise<ClusterSnapshot[]> {
    return this.store.read((sql) =>
      sql
        .all<{ snapshot: string }>(
          "SELECT snapshot FROM scan_clusters WHERE scan_id = ? ORDER BY cluster_key",
          scanId,
        )
        .map((row) => JSON.parse(row.snapshot) as ClusterSnapshot),
    );
  }

  async listPools(scanId: string, filter: PoolFilter = {}): Promise<PoolSnapshot[]> {
    const clauses = ["scan_id = ?"];
    const params = [scanId];
    const where = (clause: string, value: string) => {
      clauses.push(clause);
      params.push(value);
    };
    if (filter.subscriptionId !== undefined)
      where("subscription_key = ?", filter.subscriptionId.toLowerCase());
    if (filter.cluster !== undefined) {
      if (filter.cluster.startsWith("/")) where("cluster_key = ?", filter.cluster.toLowerCase());
      else where("cluster_name = ?", filter.cluster);
    }
    if (filter.state !== undefined) where("state = ?", filter.state);
    if (filter.osSku !== undefined) where("os_sku_key = ?", filter.osSku.toLowerCase());
    return this.store.read((sql) =>
      sql
        .all<{ snapshot: string }>(
          `SELECT snapshot FROM scan_pools WHERE ${clauses.join(" AND ")} ORDER BY pool_key`,
          ...params,
        )
        .map((row) => poolSnapshotFromStored(JSON.parse(row.snapshot) as StoredPoolSnapshot)),
    );
  }

  async latestKnownPools(filter: PoolFilter = {}): Promise<KnownPool[]> {
    const latestComplete = this.store.read((sql) =>
      sql.get<{ scan_id: string }>(
        "SELECT scan_id FROM scans WHERE status = 'complete' ORDER BY scan_id DESC LIMIT 1",
      ),
    );
    return knownPools(this, latestComplete?.scan_id, filter);
  }

  async trends(range: { from?: string; to?: string } = {}): Promise<ScanSummary[]> {
    return this.store.read((sql) =>
      sql
        .all<{ summary: string }>(
          `SELECT summary FROM scans
           WHERE status <> 'running' AND scan_id >= coalesce(?, scan_id) AND scan_id <= coalesce(?, scan_id)
           ORDER BY scan_id`,
          range.from ?? null,
          range.to ?? null,
        )
        .map((row) => JSON.parse(row.summary) as ScanSummary),
    );
  }
}

function scanOf(sql: Sql, scanId: string): ScanSummary | undefined {
  const row = sql.get<{ summary: string }>("SELECT summary FROM scans WHERE scan_id = ?", scanId);
  return row && (JSON.parse(row.summary) as ScanSummary);
}

function clusterOf(sql: Sql, scanId: string, clusterKey: string): ClusterSnapshot | undefined {
  const row = sql.get<{ snapshot: string }>(
    "SELECT snapshot FROM scan_clusters WHERE scan_id = ? AND cluster_key = ?",
    scanId,
    clusterKey,
  );
  return row && (JSON.parse(row.snapshot) as ClusterSnapshot);
}

function writeCluster(sql: Sql, scanId: string, snapshot: ClusterSnapshot): void {
  sql.run(
    `INSERT OR REPLACE INTO scan_clusters (scan_id, cluster_key, error_count, inventory_failed, snapshot)
     VALUES (?, ?, ?, ?, ?)`,
    scanId,
    snapshot.cluster.id.toLowerCase(),
    snapshot.errors.length,
    inventoryFailed(snapshot) ? 1 : 0,
    JSON.stringify(snapshot),
  );
}
