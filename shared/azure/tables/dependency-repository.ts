// Dependency results (risk of migrating each pool) in Table Storage: table Dependencies, PartitionKey =
// the cluster id, RowKey "cluster" for the scan they come from and the last error, "p|<pool>" per pool.
// A pool's result is JSON split over properties of 64 KiB; if it is still over the 1 MiB entity limit
// (thousands of workloads), the reasons are cut to what fits, most severe first (they come sorted so),
// and the row says how many of each code were left out.

import { odata, type TableClient, type TransactionAction } from "@azure/data-tables";
import type {
  ClusterDependencies,
  DependencyRepository,
  StoredPoolRisk,
} from "../../domain/ports/dependencies.ts";
import type { PoolMigrationRisk, RiskCode } from "../../domain/risk/migration-risk.ts";
import {
  EntityTooLargeError,
  entityBytes,
  fromJsonColumns,
  MAX_ENTITY_BYTES,
  toJsonColumns,
} from "./json-columns.ts";
import { keyPart } from "./table-keys.ts";
import { listRows, readModifyWrite, submitInTransactions, TableRepository } from "./table-store.ts";

const CLUSTER_ROW = "cluster";
const POOL_PREFIX = "p|";

interface ClusterRow {
  clusterId: string;
  scanId: string;
  scannedAt: string;
  pools: string[];
  lastError?: ClusterDependencies["lastError"];
}

export class TableDependencyRepository extends TableRepository implements DependencyRepository {
  private table(): Promise<TableClient> {
    return this.store.table("Dependencies");
  }

  async recordDependencies(
    clusterId: string,
    result: { scanId: string; scannedAt: string; pools: readonly PoolMigrationRisk[] },
  ): Promise<void> {
    const table = await this.table();
    const partitionKey = clusterPartition(clusterId);
    const rows = result.pools.map((risk) => poolRow(partitionKey, clusterId, risk));
    const keep = new Set(rows.map((row) => row.rowKey));
    const earlier = await listRows(table, odata`PartitionKey eq ${partitionKey}`, ["RowKey"]);
    const clusterRow: ClusterRow = {
      clusterId,
      scanId: result.scanId,
      scannedAt: result.scannedAt,
      pools: result.pools.map((risk) => risk.pool),
    };
    // Pools first, the cluster row last: a reader never sees a scan id whose pools are not written yet.
    await submitInTransactions(table, [
      ...rows.map((row): TransactionAction => ["upsert", row, "Replace"]),
      ...earlier
        .filter((row) => row.rowKey !== CLUSTER_ROW && !keep.has(row.rowKey))
        .map((row): TransactionAction => ["delete", { partitionKey, rowKey: row.rowKey }]),
      ["upsert", clusterEntity(partitionKey, clusterRow), "Replace"],
    ]);
  }

  async recordDependencyError(
    clusterId: string,
    error: { scanId: string; at: string; message: string },
  ): Promise<void> {
    const partitionKey = clusterPartition(clusterId);
    await readModifyWrite(
      await this.table(),
      { partitionKey, rowKey: CLUSTER_ROW },
      (current) => {
        const before: ClusterRow = current
          ? fromJsonColumns<ClusterRow>(current, "Cluster", `dependencies of ${clusterId}`)
          : { clusterId, scanId: "", scannedAt: "", pools: [] };
        return { entity: clusterEntity(partitionKey, { ...before, lastError: error }) };
      },
      `dependencies of ${clusterId}`,
    );
  }

  async clusterDependencies(clusterId: string): Promise<ClusterDependencies | undefined> {
    const table = await this.table();
    const partitionKey = clusterPartition(clusterId);
    const rows = await listRows(table, odata`PartitionKey eq ${partitionKey}`);
    const clusterRow = rows.find((row) => row.rowKey === CLUSTER_ROW);
    if (!clusterRow) return undefined;
    const cluster = fromJsonColumns<ClusterRow>(clusterRow, "Cluster", `dependencies of ${clusterId}`);
    const byPool = new Map(
      rows
        .filter((row) => row.rowKey.startsWith(POOL_PREFIX))
        .map((row) => [
          row.rowKey,
          fromJsonColumns<StoredPoolRisk>(row, "Risk", `dependencies row ${row.rowKey}`),
        ]),
    );
    // In the order recorded; a pool row written by a newer, unfinished write is not shown yet.
    const pools = cluster.pools.flatMap((pool) => byPool.get(poolRowKey(pool)) ?? []);
    return {
      clusterId: cluster.clusterId,
      scanId: cluster.scanId,
      scannedAt: cluster.scannedAt,
      pools,
      ...(cluster.lastError && { lastError: cluster.lastError }),
    };
  }
}

function clusterPartition(clusterId: string): string {
  return keyPart(clusterId.toLowerCase());
}

function poolRowKey(pool: string): string {
  return `${POOL_PREFIX}${keyPart(pool.toLowerCase())}`;
}

function clusterEntity(partitionKey: string, row: ClusterRow) {
  return { partitionKey, rowKey: CLUSTER_ROW, ...toJsonColumns("Cluster", row) };
}

function poolRow(partitionKey: string, clusterId: string, risk: PoolMigrationRisk) {
  const base = { partitionKey, rowKey: poolRowKey(risk.pool), Pool: risk.pool };
  const full = { ...base, ...toJsonColumns("Risk", risk) };
  if (entityBytes(full) <= MAX_ENTITY_BYTES) return full;
  const fitted = fitReasons(risk, (stored) => entityBytes({ ...base, ...toJsonColumns("Risk", stored) }));
  if (!fitted) {
    throw new EntityTooLargeError(
      `dependencies of pool ${risk.pool} in ${clusterId}, even without reasons`,
      entityBytes(full),
    );
  }
  return { ...base, ...toJsonColumns("Risk", fitted) };
}

/** The longest prefix of the reasons (most severe first) that fits, with counts of what was cut. */
function fitReasons(
  risk: PoolMigrationRisk,
  bytesOf: (stored: StoredPoolRisk) => number,
): StoredPoolRisk | undefined {
  const keeping = (count: number): StoredPoolRisk => {
    const byCode: Partial<Record<RiskCode, number>> = {};
    for (const reason of risk.reasons.slice(count)) byCode[reason.code] = (byCode[reason.code] ?? 0) + 1;
    return {
      ...risk,
      reasons: risk.reasons.slice(0, count),
      omitted: { reasons: risk.reasons.length - count, byCode },
    };
  };
  let low = 0;
  let high = risk.reasons.length - 1;
  if (bytesOf(keeping(0)) > MAX_ENTITY_BYTES) return undefined;
  // Binary search for the largest count that fits.
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (bytesOf(keeping(middle)) <= MAX_ENTITY_BYTES) low = middle;
    else high = middle - 1;
  }
  return keeping(low);
}
