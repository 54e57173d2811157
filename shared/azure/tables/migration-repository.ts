// Migrations in Table Storage.
// - Table Migrations, PartitionKey "migration", RowKey = the migration id: the record as JSON split over
//   properties of 64 KiB (json-columns.ts), its Revision and the keys a listing selects on. A save reads
//   the Revision and replaces the row against its ETag only with a higher one, so concurrent saves end
//   with the highest. A record over the 1 MiB entity limit is refused (EntityTooLargeError) and the
//   stored one stays: the workflow keeps its records (history, evidence) within it.
// - Table MigrationAnswers, PartitionKey = the migration id, RowKey = the wait's nonce: created by the
//   first answer, so a second one conflicts and reads the first.
// - Table MigrationApprovals, PartitionKey = the migration id, RowKey = "<nonce>|<approver id>": a wait
//   that needs two approvals gets a row per approver, created once; the rows are read after the create,
//   so of two racing approvals the later read sees both.

import { odata, type TableClient } from "@azure/data-tables";
import type { MigrationRecord } from "../../domain/migration/migration-record.ts";
import type {
  ClaimResult,
  GateAnswer,
  MigrationFilter,
  MigrationRepository,
} from "../../domain/ports/migrations.ts";
import {
  filterKeys,
  type MigrationKeys,
  migrationKeys,
  newestRequestFirst,
} from "../../domain/records/migration-records.ts";
import { checkEntitySize, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart, rowKeyPrefixFilter } from "./table-keys.ts";
import {
  getEntityOrUndefined,
  isConflict,
  isNotFound,
  listRows,
  MAX_CONFLICT_RETRIES,
  type Row,
  readModifyWrite,
  TableRepository,
} from "./table-store.ts";

const PARTITION = "migration";

/** The clause selecting each key's column (odata quotes the value only after a comparison). */
const KEY_CLAUSES: Record<keyof MigrationKeys, (value: string) => string> = {
  clusterId: (value) => odata`ClusterIdKey eq ${value}`,
  cluster: (value) => odata`ClusterKey eq ${value}`,
  pool: (value) => odata`PoolKey eq ${value}`,
  outcome: (value) => odata`Outcome eq ${value}`,
};

export class TableMigrationRepository extends TableRepository implements MigrationRepository {
  private migrations(): Promise<TableClient> {
    return this.store.table("Migrations");
  }

  private answers(): Promise<TableClient> {
    return this.store.table("MigrationAnswers");
  }

  private approvalRows(): Promise<TableClient> {
    return this.store.table("MigrationApprovals");
  }

  async save(record: MigrationRecord): Promise<void> {
    const entity = migrationEntity(record);
    await readModifyWrite(
      await this.migrations(),
      entity,
      (current) => (current && Number(current.Revision) >= record.revision ? undefined : { entity }),
      `migration ${record.id}`,
      ["Revision"],
    );
  }

  async get(id: string): Promise<MigrationRecord | undefined> {
    const row = await getEntityOrUndefined<Row>(await this.migrations(), PARTITION, keyPart(id));
    return row && readRecord(row);
  }

  async list(filter: MigrationFilter = {}): Promise<MigrationRecord[]> {
    const clauses = [odata`PartitionKey eq ${PARTITION}`];
    for (const [key, value] of Object.entries(filterKeys(filter)) as [keyof MigrationKeys, string][]) {
      clauses.push(KEY_CLAUSES[key](value));
    }
    const rows = await listRows(
      await this.migrations(),
      clauses.map((clause) => `(${clause})`).join(" and "),
    );
    return rows.map(readRecord).sort(newestRequestFirst);
  }

  async claimAnswer(answer: GateAnswer): Promise<ClaimResult> {
    const table = await this.answers();
    const entity = {
      partitionKey: keyPart(answer.migrationId),
      rowKey: keyPart(answer.nonce),
      ...toJsonColumns("Answer", answer),
    };
    checkEntitySize(entity, `answer to ${answer.migrationId} (${answer.nonce})`);
    // A first answer released between our refused create and our read is gone: try again.
    for (let attempt = 0; attempt < MAX_CONFLICT_RETRIES; attempt++) {
      try {
        await table.createEntity(entity);
        return { kind: "claimed" };
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
      const first = await getEntityOrUndefined<Row>(table, entity.partitionKey, entity.rowKey);
      if (first) {
        const stored = fromJsonColumns<GateAnswer>(first, "Answer", `answer row ${first.rowKey}`);
        return { kind: "already-answered", answer: stored };
      }
    }
    throw new Error(`answer to ${answer.migrationId} (${answer.nonce}): claimed and released over and over`);
  }

  async addApproval(answer: GateAnswer): Promise<{ added: boolean; approvals: GateAnswer[] }> {
    const table = await this.approvalRows();
    const entity = {
      partitionKey: keyPart(answer.migrationId),
      rowKey: `${keyPart(answer.nonce)}|${keyPart(answer.byId)}`,
      ...toJsonColumns("Answer", answer),
    };
    checkEntitySize(entity, `approval of ${answer.migrationId} (${answer.nonce})`);
    let added = true;
    try {
      await table.createEntity(entity);
    } catch (error) {
      if (!isConflict(error)) throw error;
      added = false;
    }
    return { added, approvals: await this.approvals(answer.migrationId, answer.nonce) };
  }

  async approvals(migrationId: string, nonce: string): Promise<GateAnswer[]> {
    const rows = await listRows(
      await this.approvalRows(),
      rowKeyPrefixFilter(keyPart(migrationId), `${keyPart(nonce)}|`),
    );
    // The service's timestamps order the creates; the row key breaks a tie the same way every time.
    return rows
      .sort(
        (a, b) =>
          String(a.timestamp).localeCompare(String(b.timestamp)) ||
          String(a.rowKey).localeCompare(String(b.rowKey)),
      )
      .map((row) => fromJsonColumns<GateAnswer>(row, "Answer", `approval row ${row.rowKey}`));
  }

  async releaseAnswer(migrationId: string, nonce: string): Promise<void> {
    try {
      await (await this.answers()).deleteEntity(keyPart(migrationId), keyPart(nonce));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function migrationEntity(record: MigrationRecord): Row {
  const keys = migrationKeys(record);
  const entity = {
    partitionKey: PARTITION,
    rowKey: keyPart(record.id),
    Revision: record.revision,
    ClusterIdKey: keys.clusterId,
    ClusterKey: keys.cluster,
    PoolKey: keys.pool,
    Outcome: keys.outcome,
    ...toJsonColumns("Record", record),
  };
  checkEntitySize(entity, `migration ${record.id} (revision ${record.revision})`);
  return entity;
}

function readRecord(row: Row): MigrationRecord {
  return fromJsonColumns<MigrationRecord>(row, "Record", `migration row ${row.rowKey}`);
}
