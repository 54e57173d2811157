// The migrations' audit log in SQLite: a row per record, numbered per migration in the order appended.
// Checking the id and taking the next number are one write transaction, so appends from several
// connections each get their own number and a record appended again is found, not added twice.

import type { AuditRecord, AuditRepository } from "../domain/ports/migrations.ts";
import type { SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS migration_audit (
  migration_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  audit_id TEXT NOT NULL,
  record TEXT NOT NULL,
  PRIMARY KEY (migration_id, seq),
  UNIQUE (migration_id, audit_id)
) STRICT;
`;

export class SqliteAuditRepository implements AuditRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async append(record: AuditRecord): Promise<"appended" | "exists"> {
    return this.store.write((sql) => {
      const existing = sql.get(
        "SELECT 1 FROM migration_audit WHERE migration_id = ? AND audit_id = ?",
        record.migrationId,
        record.id,
      );
      if (existing) return "exists";
      sql.run(
        `INSERT INTO migration_audit (migration_id, seq, audit_id, record)
         SELECT ?, coalesce(max(seq), 0) + 1, ?, ? FROM migration_audit WHERE migration_id = ?`,
        record.migrationId,
        record.id,
        JSON.stringify(record),
        record.migrationId,
      );
      return "appended";
    });
  }

  async list(migrationId: string): Promise<AuditRecord[]> {
    return this.store
      .read((sql) =>
        sql.all<{ record: string }>(
          "SELECT record FROM migration_audit WHERE migration_id = ? ORDER BY seq",
          migrationId,
        ),
      )
      .map((row) => JSON.parse(row.record) as AuditRecord);
  }
}
