// Dependency results in SQLite: one row per cluster holding its whole result as JSON. No size limit
// applies here, so every reason is kept (the Tables adapter has to summarise results over 1 MiB).

import type { ClusterDependencies, DependencyRepository } from "../domain/ports/dependencies.ts";
import type { PoolMigrationRisk } from "../domain/risk/migration-risk.ts";
import type { Sql, SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS dependencies (
  cluster_key TEXT PRIMARY KEY,
  result TEXT NOT NULL
) STRICT;
`;

export class SqliteDependencyRepository implements DependencyRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async recordDependencies(
    clusterId: string,
    result: { scanId: string; scannedAt: string; pools: readonly PoolMigrationRisk[] },
  ): Promise<void> {
    const recorded: ClusterDependencies = { clusterId, ...result, pools: [...result.pools] };
    this.store.write((sql) => writeResult(sql, recorded));
  }

  async recordDependencyError(
    clusterId: string,
    error: { scanId: string; at: string; message: string },
  ): Promise<void> {
    this.store.write((sql) => {
      const before = resultOf(sql, clusterId) ?? { clusterId, scanId: "", scannedAt: "", pools: [] };
      writeResult(sql, { ...before, lastError: error });
    });
  }

  async clusterDependencies(clusterId: string): Promise<ClusterDependencies | undefined> {
    return this.store.read((sql) => resultOf(sql, clusterId));
  }
}

function resultOf(sql: Sql, clusterId: string): ClusterDependencies | undefined {
  const row = sql.get<{ result: string }>(
    "SELECT result FROM dependencies WHERE cluster_key = ?",
    clusterId.toLowerCase(),
  );
  return row && (JSON.parse(row.result) as ClusterDependencies);
}

function writeResult(sql: Sql, result: ClusterDependencies): void {
  sql.run(
    "INSERT OR REPLACE INTO dependencies (cluster_key, result) VALUES (?, ?)",
    result.clusterId.toLowerCase(),
    JSON.stringify(result),
  );
}
