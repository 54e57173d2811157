// Migrations in SQLite: a row per migration (the record as JSON, its revision and the keys a listing
// selects on) and a row per answered wait (migration, nonce). A save replaces the row only with a higher
// revision, and an answer is claimed by inserting its row: each one statement, so whoever commits first
// wins, whichever connection or process it comes from. A wait that needs two approvals keeps a row per
// approver; adding one and reading them all is one transaction.

import type { MigrationRecord } from "../domain/migration/migration-record.ts";
import type {
  ClaimResult,
  GateAnswer,
  MigrationFilter,
  MigrationRepository,
} from "../domain/ports/migrations.ts";
import {
  filterKeys,
  type MigrationKeys,
  migrationKeys,
  newestRequestFirst,
} from "../domain/records/migration-records.ts";
import type { Sql, SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS migrations (
  migration_id TEXT PRIMARY KEY,
  cluster_id_key TEXT NOT NULL,
  cluster_key TEXT NOT NULL,
  pool_key TEXT NOT NULL,
  outcome TEXT NOT NULL,
  revision INTEGER NOT NULL,
  record TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS migration_answers (
  migration_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  answer TEXT NOT NULL,
  PRIMARY KEY (migration_id, nonce)
) STRICT;
CREATE TABLE IF NOT EXISTS migration_approvals (
  migration_id TEXT NOT NULL,
  nonce TEXT NOT NULL,
  by_id TEXT NOT NULL,
  answer TEXT NOT NULL,
  PRIMARY KEY (migration_id, nonce, by_id)
) STRICT;
`;

const COLUMNS: Record<keyof MigrationKeys, string> = {
  clusterId: "cluster_id_key",
  cluster: "cluster_key",
  pool: "pool_key",
  outcome: "outcome",
};

export class SqliteMigrationRepository implements MigrationRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async save(record: MigrationRecord): Promise<void> {
    const keys = migrationKeys(record);
    this.store.write((sql) =>
      sql.run(
        `INSERT INTO migrations (migration_id, cluster_id_key, cluster_key, pool_key, outcome, revision, record)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (migration_id) DO UPDATE SET
           cluster_id_key = excluded.cluster_id_key, cluster_key = excluded.cluster_key,
           pool_key = excluded.pool_key, outcome = excluded.outcome,
           revision = excluded.revision, record = excluded.record
         WHERE excluded.revision > migrations.revision`,
        record.id,
        keys.clusterId,
        keys.cluster,
        keys.pool,
        keys.outcome,
        record.revision,
        JSON.stringify(record),
      ),
    );
  }

  async get(id: string): Promise<MigrationRecord | undefined> {
    const row = this.store.read((sql) =>
      sql.get<{ record: string }>("SELECT record FROM migrations WHERE migration_id = ?", id),
    );
    return row && (JSON.parse(row.record) as MigrationRecord);
  }

  async list(filter: MigrationFilter = {}): Promise<MigrationRecord[]> {
    const selected = Object.entries(filterKeys(filter)) as [keyof MigrationKeys, string][];
    const where = selected.map(([key]) => `${COLUMNS[key]} = ?`);
    return this.store
      .read((sql) =>
        sql.all<{ record: string }>(
          `SELECT record FROM migrations WHERE ${["1", ...where].join(" AND ")}`,
          ...selected.map(([, value]) => value),
        ),
      )
      .map((row) => JSON.parse(row.record) as MigrationRecord)
      .sort(newestRequestFirst);
  }

  async claimAnswer(answer: GateAnswer): Promise<ClaimResult> {
    return this.store.write((sql): ClaimResult => {
      const inserted = sql.run(
        "INSERT INTO migration_answers (migration_id, nonce, answer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        answer.migrationId,
        answer.nonce,
        JSON.stringify(answer),
      );
      if (inserted > 0) return { kind: "claimed" };
      const first = sql.get<{ answer: string }>(
        "SELECT answer FROM migration_answers WHERE migration_id = ? AND nonce = ?",
        answer.migrationId,
        answer.nonce,
      ) as { answer: string };
      return { kind: "already-answered", answer: JSON.parse(first.answer) as GateAnswer };
    });
  }

  async addApproval(answer: GateAnswer): Promise<{ added: boolean; approvals: GateAnswer[] }> {
    return this.store.write((sql) => {
      const added = sql.run(
        `INSERT INTO migration_approvals (migration_id, nonce, by_id, answer) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
        answer.migrationId,
        answer.nonce,
        answer.byId,
        JSON.stringify(answer),
      );
      return { added: added > 0, approvals: selectApprovals(sql, answer.migrationId, answer.nonce) };
    });
  }

  async approvals(migrationId: string, nonce: string): Promise<GateAnswer[]> {
    return this.store.read((sql) => selectApprovals(sql, migrationId, nonce));
  }

  async releaseAnswer(migrationId: string, nonce: string): Promise<void> {
    this.store.write((sql) =>
      sql.run("DELETE FROM migration_answers WHERE migration_id = ? AND nonce = ?", migrationId, nonce),
    );
  }
}

/** In the order added (rowid grows with each insert). */
function selectApprovals(sql: Sql, migrationId: string, nonce: string): GateAnswer[] {
  return sql
    .all<{ answer: string }>(
      "SELECT answer FROM migration_approvals WHERE migration_id = ? AND nonce = ? ORDER BY rowid",
      migrationId,
      nonce,
    )
    .map((row) => JSON.parse(row.answer) as GateAnswer);
}
