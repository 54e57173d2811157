// Rollouts in SQLite: a row per rollout (the record as JSON, its revision and status). A save replaces
// the row only with a higher revision, in one statement, so whoever commits the highest wins.

import type { RolloutRepository } from "../domain/ports/rollouts.ts";
import { newestRequestFirst } from "../domain/records/migration-records.ts";
import type { RolloutRecord, RolloutStatus } from "../domain/rollout/rollout-record.ts";
import type { SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS rollouts (
  rollout_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  revision INTEGER NOT NULL,
  record TEXT NOT NULL
) STRICT;
`;

export class SqliteRolloutRepository implements RolloutRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async save(record: RolloutRecord): Promise<void> {
    this.store.write((sql) =>
      sql.run(
        `INSERT INTO rollouts (rollout_id, status, revision, record) VALUES (?, ?, ?, ?)
         ON CONFLICT (rollout_id) DO UPDATE SET
           status = excluded.status, revision = excluded.revision, record = excluded.record
         WHERE excluded.revision > rollouts.revision`,
        record.id,
        record.status,
        record.revision,
        JSON.stringify(record),
      ),
    );
  }

  async get(id: string): Promise<RolloutRecord | undefined> {
    const row = this.store.read((sql) =>
      sql.get<{ record: string }>("SELECT record FROM rollouts WHERE rollout_id = ?", id),
    );
    return row && (JSON.parse(row.record) as RolloutRecord);
  }

  async list(filter: { status?: RolloutStatus } = {}): Promise<RolloutRecord[]> {
    const rows = this.store.read((sql) =>
      filter.status === undefined
        ? sql.all<{ record: string }>("SELECT record FROM rollouts")
        : sql.all<{ record: string }>("SELECT record FROM rollouts WHERE status = ?", filter.status),
    );
    return rows.map((row) => JSON.parse(row.record) as RolloutRecord).sort(newestRequestFirst);
  }
}
