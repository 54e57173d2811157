// Alert state and the alerts outbox in SQLite: a row per track (its TrackState and a version commits
// check) and a row per alert (per-sink delivery status, a delivery lease and a version updates check).
// A decision's tracks are committed in one transaction; a track changed by another writer since the
// snapshot is skipped and reported, as the Tables adapter does with ETags. Alert ids in the JSON are kept
// relative to their track (outbox-records.ts).

import type { AlertDecision, AlertState, TrackState } from "../domain/alerts/alert-policy.ts";
import type {
  AlertCommit,
  AlertRepository,
  AlertStateSnapshot,
  OutboxAlert,
  OutboxClaim,
  SinkDelivery,
} from "../domain/ports/alerts.ts";
import {
  compareOutbox,
  isClaimable,
  outboxFromStored,
  storedOutbox,
  trackChanges,
  trackStateFromStored,
  withDelivery,
} from "../domain/records/outbox-records.ts";
import type { Sql, SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alert_tracks (
  track_key TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  state TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS alert_outbox (
  alert_id TEXT PRIMARY KEY,
  decided_at TEXT NOT NULL,
  status TEXT NOT NULL,
  lease_until INTEGER NOT NULL,
  lease_holder TEXT,
  version INTEGER NOT NULL,
  outbox TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS alert_outbox_by_status ON alert_outbox (status, decided_at, alert_id);
`;

export class SqliteAlertRepository implements AlertRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async loadState(trackPrefix = ""): Promise<AlertStateSnapshot> {
    // A key range, so the primary key's index finds them; "\u{10ffff}" sorts after any character.
    const rows = this.store.read((sql) =>
      sql.all<{ track_key: string; version: number; state: string }>(
        "SELECT track_key, version, state FROM alert_tracks WHERE track_key >= ? AND track_key < ?",
        trackPrefix,
        `${trackPrefix}\u{10ffff}`,
      ),
    );
    const tracks: AlertState["tracks"] = {};
    const versions = new Map<string, string>();
    for (const row of rows) {
      tracks[row.track_key] = trackStateFromStored(row.track_key, JSON.parse(row.state) as TrackState);
      versions.set(row.track_key, String(row.version));
    }
    return { state: { version: 1, tracks }, versions };
  }

  async commitDecision(
    snapshot: AlertStateSnapshot,
    decision: AlertDecision,
    decidedAt: string,
  ): Promise<AlertCommit> {
    const changes = trackChanges(snapshot, decision, decidedAt);
    return this.store.write((sql) => {
      const commit: AlertCommit = { committed: [], conflicts: [] };
      for (const { track, state, version, added } of changes) {
        const current = sql.get<{ version: number }>(
          "SELECT version FROM alert_tracks WHERE track_key = ?",
          track,
        );
        const moved = current === undefined ? version !== undefined : String(current.version) !== version;
        const exists = (alertId: string) =>
          sql.get("SELECT 1 FROM alert_outbox WHERE alert_id = ?", alertId) !== undefined;
        if (moved || added.some((outbox) => exists(outbox.alert.id))) {
          commit.conflicts.push(track);
          continue;
        }
        sql.run(
          "INSERT OR REPLACE INTO alert_tracks (track_key, version, state) VALUES (?, ?, ?)",
          track,
          (current?.version ?? 0) + 1,
          JSON.stringify(state),
        );
        for (const outbox of added) {
          sql.run(
            `INSERT INTO alert_outbox (alert_id, decided_at, status, lease_until, version, outbox)
             VALUES (?, ?, 'pending', 0, 1, ?)`,
            outbox.alert.id,
            outbox.decidedAt,
            JSON.stringify(storedOutbox(outbox)),
          );
        }
        commit.committed.push(track);
      }
      return commit;
    });
  }

  async pendingAlerts(): Promise<OutboxAlert[]> {
    return this.store
      .read((sql) =>
        sql.all<{ outbox: string }>(
          "SELECT outbox FROM alert_outbox WHERE status = 'pending' ORDER BY decided_at, alert_id",
        ),
      )
      .map((row) => parseOutbox(row.outbox));
  }

  async pendingCount(): Promise<number> {
    const row = this.store.read((sql) =>
      sql.get<{ count: number }>("SELECT count(*) AS count FROM alert_outbox WHERE status = 'pending'"),
    );
    return Number(row?.count ?? 0);
  }

  async claim(
    alertId: string,
    now: number,
    leaseUntil: number,
    holder?: string,
  ): Promise<OutboxClaim | undefined> {
    return this.store.write((sql) => {
      const row = outboxOf(sql, alertId);
      if (!row) return undefined;
      const lease = {
        status: row.status,
        leaseUntil: row.lease_until,
        holder: row.lease_holder ?? undefined,
      };
      if (!isClaimable(lease, now, holder)) return undefined;
      sql.run(
        "UPDATE alert_outbox SET lease_until = ?, lease_holder = ?, version = ? WHERE alert_id = ?",
        leaseUntil,
        holder ?? null,
        row.version + 1,
        alertId,
      );
      return {
        outbox: parseOutbox(row.outbox),
        leaseUntil,
        ...(holder !== undefined && { holder }),
        version: String(row.version + 1),
      };
    });
  }

  async recordDelivery(
    claim: OutboxClaim,
    sink: string,
    delivery: SinkDelivery,
    sinks: readonly string[],
  ): Promise<OutboxClaim | undefined> {
    const outbox = withDelivery(claim.outbox, sink, delivery, sinks);
    const pending = outbox.status === "pending";
    const version = Number(claim.version);
    const changed = this.store.write((sql) =>
      sql.run(
        `UPDATE alert_outbox SET status = ?, lease_until = ?, version = ?, outbox = ?
         WHERE alert_id = ? AND version = ?`,
        outbox.status,
        pending ? claim.leaseUntil : 0,
        version + 1,
        JSON.stringify(storedOutbox(outbox)),
        outbox.alert.id,
        version,
      ),
    );
    if (changed === 0) return undefined;
    // Delivered: nothing more is written under this claim.
    return pending
      ? { ...claim, outbox, version: String(version + 1) }
      : { outbox, leaseUntil: 0, version: "" };
  }

  async release(claim: OutboxClaim): Promise<void> {
    if (claim.outbox.status !== "pending") return;
    const version = Number(claim.version);
    this.store.write((sql) =>
      sql.run(
        "UPDATE alert_outbox SET lease_until = 0, lease_holder = NULL, version = ? WHERE alert_id = ? AND version = ?",
        version + 1,
        claim.outbox.alert.id,
        version,
      ),
    );
  }

  async listAlerts(filter: { status?: OutboxAlert["status"] } = {}): Promise<OutboxAlert[]> {
    return this.store
      .read((sql) =>
        sql.all<{ outbox: string }>(
          "SELECT outbox FROM alert_outbox WHERE status = coalesce(?, status)",
          filter.status ?? null,
        ),
      )
      .map((row) => parseOutbox(row.outbox))
      .sort(compareOutbox);
  }
}

interface OutboxRow {
  status: string;
  lease_until: number;
  lease_holder: string | null;
  version: number;
  outbox: string;
}

function outboxOf(sql: Sql, alertId: string): OutboxRow | undefined {
  return sql.get<OutboxRow>(
    "SELECT status, lease_until, lease_holder, version, outbox FROM alert_outbox WHERE alert_id = ?",
    alertId,
  );
}

function parseOutbox(json: string): OutboxAlert {
  return outboxFromStored(JSON.parse(json) as OutboxAlert);
}
