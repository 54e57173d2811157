// What every MigrationRepository adapter decides alike: the keys a record is found by (case-insensitive,
// an active migration's outcome "active"), which of them a filter asks for, and the order of a listing.

import type { MigrationRecord } from "../migration/migration-record.ts";
import type { MigrationFilter } from "../ports/migrations.ts";

export interface MigrationKeys {
  clusterId: string;
  cluster: string;
  pool: string;
  outcome: string;
}

/** Stored beside each record, so a store can select by them without reading the record. */
export function migrationKeys(record: MigrationRecord): MigrationKeys {
  return {
    clusterId: record.clusterId.toLowerCase(),
    cluster: record.cluster.toLowerCase(),
    pool: record.pool.toLowerCase(),
    outcome: record.outcome ?? "active",
  };
}

/** The keys a filter selects on and their values; a cluster starting with "/" is an ARM id, else a name. */
export function filterKeys(filter: MigrationFilter): Partial<MigrationKeys> {
  const keys: Partial<MigrationKeys> = {};
  if (filter.cluster !== undefined) {
    const cluster = filter.cluster.toLowerCase();
    if (cluster.startsWith("/")) keys.clusterId = cluster;
    else keys.cluster = cluster;
  }
  if (filter.pool !== undefined) keys.pool = filter.pool.toLowerCase();
  if (filter.outcome !== undefined) keys.outcome = filter.outcome;
  return keys;
}

type Requested = Pick<MigrationRecord, "id" | "requestedAt">;

/** Newest request first; ids keep records requested at the same instant in a stable order (rollouts too). */
export function newestRequestFirst(a: Requested, b: Requested): number {
  if (a.requestedAt !== b.requestedAt) return a.requestedAt < b.requestedAt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
