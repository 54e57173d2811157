// Alert state and the alerts outbox in Table Storage, all in one partition of table Alerts so that a
// track's new state and its new alert are written in one transaction:
// - "t|<track key>": the track's TrackState (alert-policy.ts); its ETag is the version commits check.
// - "a|<alert id>": the outbox row: the alert, per-sink delivery status and a delivery lease.
// - "p|<decided at>|<alert id>": in the pending list until every sink has the alert (oldest first).
// The state is per track, not one document: a fleet's done-lists outgrow an entity's 1 MiB. Alert ids in
// the JSON are kept relative to their track (outbox-records.ts).

import type { TableClient, TransactionAction } from "@azure/data-tables";
import { odata } from "@azure/data-tables";
import type { AlertDecision, AlertState, TrackState } from "../../domain/alerts/alert-policy.ts";
import type {
  AlertCommit,
  AlertRepository,
  AlertStateSnapshot,
  OutboxAlert,
  OutboxClaim,
  SinkDelivery,
} from "../../domain/ports/alerts.ts";
import {
  compareOutbox,
  isClaimable,
  outboxFromStored,
  storedOutbox,
  trackChanges,
  trackStateFromStored,
  withDelivery,
} from "../../domain/records/outbox-records.ts";
import { checkEntitySize, entityBytes, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart, keyPartStart, rowKeyPrefixFilter } from "./table-keys.ts";
import {
  getEntityOrUndefined,
  isConflict,
  listRows,
  MAX_TRANSACTION_ACTIONS,
  type Row,
  TableRepository,
} from "./table-store.ts";

const PARTITION = "alerts";
const TRACK_PREFIX = "t|";
const ALERT_PREFIX = "a|";
const PENDING_PREFIX = "p|";
/** A transaction's payload may be 4 MiB; entity bytes are a close enough measure with this margin. */
const MAX_TRANSACTION_BYTES = 3_000_000;
const READ_CONCURRENCY = 16;

export class TableAlertRepository extends TableRepository implements AlertRepository {
  private table(): Promise<TableClient> {
    return this.store.table("Alerts");
  }

  async loadState(trackPrefix = ""): Promise<AlertStateSnapshot> {
    // A prefix too long for a key range reads every track and keeps those it starts.
    const start = keyPartStart(trackPrefix) ?? "";
    const rows = await listRows(await this.table(), rowKeyPrefixFilter(PARTITION, `${TRACK_PREFIX}${start}`));
    const tracks: AlertState["tracks"] = {};
    const versions = new Map<string, string>();
    for (const row of rows) {
      const key = String(row.TrackKey);
      if (!key.startsWith(trackPrefix)) continue;
      tracks[key] = trackStateFromStored(
        key,
        fromJsonColumns<TrackState>(row, "Track", `alert track ${key}`),
      );
      versions.set(key, row.etag as string);
    }
    return { state: { version: 1, tracks }, versions };
  }

  async commitDecision(
    snapshot: AlertStateSnapshot,
    decision: AlertDecision,
    decidedAt: string,
  ): Promise<AlertCommit> {
    const writes = this.trackWrites(snapshot, decision, decidedAt);
    const table = await this.table();
    const committed: string[] = [];
    const conflicts: string[] = [];
    for (const group of groupWrites(writes)) {
      try {
        await table.submitTransaction(group.flatMap((write) => write.actions));
        committed.push(...group.map((write) => write.track));
        continue;
      } catch (error) {
        if (!isConflict(error)) throw error;
        if (group.length === 1) {
          conflicts.push(group[0]?.track as string);
          continue;
        }
      }
      // One track of the group conflicted and the whole transaction was rolled back: find which, one by one.
      for (const write of group) {
        try {
          await table.submitTransaction(write.actions);
          committed.push(write.track);
        } catch (error) {
          if (!isConflict(error)) throw error;
          conflicts.push(write.track);
        }
      }
    }
    return { committed, conflicts };
  }

  /** Per changed track: its state row (checked against the snapshot's version) and its new alerts. */
  private trackWrites(
    snapshot: AlertStateSnapshot,
    decision: AlertDecision,
    decidedAt: string,
  ): TrackWrite[] {
    return trackChanges(snapshot, decision, decidedAt).map(({ track, state, version, added }) => {
      const row = {
        partitionKey: PARTITION,
        rowKey: trackRowKey(track),
        TrackKey: track,
        ...toJsonColumns("Track", state),
      };
      checkEntitySize(row, `alert track ${track}`);
      const actions: TransactionAction[] = [
        version ? ["update", row, "Replace", { etag: version }] : ["create", row],
        ...added.flatMap((outbox): TransactionAction[] => [
          ["create", outboxRow(outbox, 0)],
          ["create", pendingRow(outbox)],
        ]),
      ];
      return { track, actions, bytes: actions.reduce((sum, action) => sum + entityBytes(action[1]), 0) };
    });
  }

  async pendingCount(): Promise<number> {
    const pending = await listRows(await this.table(), rowKeyPrefixFilter(PARTITION, PENDING_PREFIX), [
      "RowKey",
    ]);
    return pending.length;
  }

  async pendingAlerts(): Promise<OutboxAlert[]> {
    const table = await this.table();
    const pending = await listRows(table, rowKeyPrefixFilter(PARTITION, PENDING_PREFIX), [
      "RowKey",
      "AlertId",
    ]);
    const found: OutboxAlert[] = [];
    for (let start = 0; start < pending.length; start += READ_CONCURRENCY) {
      const batch = pending.slice(start, start + READ_CONCURRENCY);
      const rows = await Promise.all(
        batch.map((row) => getEntityOrUndefined<Row>(table, PARTITION, alertRowKey(String(row.AlertId)))),
      );
      for (const row of rows) {
        // A pending entry whose alert is delivered is the trace of a run that stopped midway.
        if (row && row.Status === "pending") found.push(readOutbox(row));
      }
    }
    return found;
  }

  async claim(
    alertId: string,
    now: number,
    leaseUntil: number,
    holder?: string,
  ): Promise<OutboxClaim | undefined> {
    const table = await this.table();
    const row = await getEntityOrUndefined<Row>(table, PARTITION, alertRowKey(alertId));
    if (!row) return undefined;
    const lease = {
      status: row.Status as OutboxAlert["status"],
      leaseUntil: Number(row.LeaseUntil ?? 0),
      holder: typeof row.LeaseHolder === "string" ? row.LeaseHolder : undefined,
    };
    if (!isClaimable(lease, now, holder)) return undefined;
    const outbox = readOutbox(row);
    try {
      const response = await table.updateEntity(outboxRow(outbox, leaseUntil, holder), "Replace", {
        etag: row.etag as string,
      });
      return { outbox, leaseUntil, ...(holder !== undefined && { holder }), version: response.etag ?? "" };
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw error;
    }
  }

  async recordDelivery(
    claim: OutboxClaim,
    sink: string,
    delivery: SinkDelivery,
    sinks: readonly string[],
  ): Promise<OutboxClaim | undefined> {
    const outbox = withDelivery(claim.outbox, sink, delivery, sinks);
    const table = await this.table();
    try {
      if (outbox.status === "pending") {
        const response = await table.updateEntity(
          outboxRow(outbox, claim.leaseUntil, claim.holder),
          "Replace",
          { etag: claim.version },
        );
        return { ...claim, outbox, version: response.etag ?? "" };
      }
      await table.submitTransaction([
        ["update", outboxRow(outbox, 0), "Replace", { etag: claim.version }],
        ["delete", { partitionKey: PARTITION, rowKey: pendingRowKey(outbox) }],
      ]);
      // Delivered: nothing more is written under this claim.
      return { outbox, leaseUntil: 0, version: "" };
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw error;
    }
  }

  async release(claim: OutboxClaim): Promise<void> {
    if (claim.outbox.status !== "pending") return;
    const table = await this.table();
    try {
      await table.updateEntity(outboxRow(claim.outbox, 0), "Replace", { etag: claim.version });
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
  }

  async listAlerts(filter: { status?: OutboxAlert["status"] } = {}): Promise<OutboxAlert[]> {
    const clauses = [rowKeyPrefixFilter(PARTITION, ALERT_PREFIX)];
    if (filter.status) clauses.push(odata`Status eq ${filter.status}`);
    const rows = await listRows(await this.table(), clauses.map((clause) => `(${clause})`).join(" and "));
    return rows.map(readOutbox).sort(compareOutbox);
  }
}

interface TrackWrite {
  track: string;
  actions: TransactionAction[];
  bytes: number;
}

/** Packs track writes into transactions within the limits on actions and payload. */
function groupWrites(writes: readonly TrackWrite[]): TrackWrite[][] {
  const groups: TrackWrite[][] = [];
  let group: TrackWrite[] = [];
  let actions = 0;
  let bytes = 0;
  for (const write of writes) {
    if (
      group.length > 0 &&
      (actions + write.actions.length > MAX_TRANSACTION_ACTIONS ||
        bytes + write.bytes > MAX_TRANSACTION_BYTES)
    ) {
      groups.push(group);
      group = [];
      actions = 0;
      bytes = 0;
    }
    group.push(write);
    actions += write.actions.length;
    bytes += write.bytes;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

function trackRowKey(track: string): string {
  return `${TRACK_PREFIX}${keyPart(track)}`;
}

function alertRowKey(alertId: string): string {
  return `${ALERT_PREFIX}${keyPart(alertId)}`;
}

function pendingRowKey(outbox: OutboxAlert): string {
  return `${PENDING_PREFIX}${keyPart(outbox.decidedAt)}|${keyPart(outbox.alert.id)}`;
}

function outboxRow(outbox: OutboxAlert, leaseUntil: number, leaseHolder?: string) {
  const row = {
    partitionKey: PARTITION,
    rowKey: alertRowKey(outbox.alert.id),
    AlertId: outbox.alert.id,
    Status: outbox.status,
    DecidedAt: outbox.decidedAt,
    LeaseUntil: leaseUntil,
    ...(leaseHolder !== undefined && { LeaseHolder: leaseHolder }),
    ...toJsonColumns("Outbox", storedOutbox(outbox)),
  };
  checkEntitySize(row, `alert ${outbox.alert.id}`);
  return row;
}

function pendingRow(outbox: OutboxAlert) {
  return { partitionKey: PARTITION, rowKey: pendingRowKey(outbox), AlertId: outbox.alert.id };
}

function readOutbox(row: Row): OutboxAlert {
  return outboxFromStored(fromJsonColumns<OutboxAlert>(row, "Outbox", `alert row ${row.rowKey}`));
}
