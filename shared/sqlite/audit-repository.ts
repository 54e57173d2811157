// The migrations' audit log in SQLite: a row per record, numbered per migration in the order appended.
// Checking the id and taking the next number are one write transaction, so appends from several
// connections each get their own number and a record appended again is found, not added twice; the
// previous record's hash is read in the same transaction, so racing appends still form one chain. The
// chain's head (last number and hash) is a row of its own, written in that transaction.

import type {
  AuditHead,
  AuditRecord,
  AuditRepository,
  ChainedAuditRecord,
} from "../domain/ports/migrations.ts";
import { chainRecord, GENESIS_HASH } from "../domain/records/audit-chain.ts";
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
CREATE TABLE IF NOT EXISTS migration_audit_heads (
  migration_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
) STRICT;
-- Chains written before heads were kept get theirs from their last record.
INSERT OR IGNORE INTO migration_audit_heads (migration_id, seq, hash)
  SELECT migration_id, MAX(seq), json_extract(record, '$.hash') FROM migration_audit
  WHERE migration_id NOT IN (SELECT migration_id FROM migration_audit_heads)
  GROUP BY migration_id;
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
      const last = sql.get<{ seq: number; record: string }>(
        "SELECT seq, record FROM migration_audit WHERE migration_id = ? ORDER BY seq DESC LIMIT 1",
        record.migrationId,
      );
      const previousHash = last ? (JSON.parse(last.record) as ChainedAuditRecord).hash : GENESIS_HASH;
      const sequence = (last?.seq ?? 0) + 1;
      const chained = chainRecord(record, sequence, previousHash);
      sql.run(
        "INSERT INTO migration_audit (migration_id, seq, audit_id, record) VALUES (?, ?, ?, ?)",
        record.migrationId,
        sequence,
        record.id,
        JSON.stringify(chained),
      );
      sql.run(
        `INSERT INTO migration_audit_heads (migration_id, seq, hash) VALUES (?, ?, ?)
         ON CONFLICT (migration_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
        record.migrationId,
        sequence,
        chained.hash,
      );
      return "appended";
    });
  }

  async list(migrationId: string): Promise<ChainedAuditRecord[]> {
    return this.store
      .read((sql) =>
        sql.all<{ record: string }>(
          "SELECT record FROM migration_audit WHERE migration_id = ? ORDER BY seq",
          migrationId,
        ),
      )
      .map((row) => JSON.parse(row.record) as ChainedAuditRecord);
  }

  async head(migrationId: string): Promise<AuditHead | undefined> {
    const row = this.store.read((sql) =>
      sql.get<{ seq: number; hash: string }>(
        "SELECT seq, hash FROM migration_audit_heads WHERE migration_id = ?",
        migrationId,
      ),
    );
    return row && { sequence: row.seq, hash: row.hash };
  }
}
