// The migrations' audit log in Table Storage: table MigrationAudit, PartitionKey = the migration id.
// - "next": the number the next record takes and the last record's hash (LastHash); its ETag orders
//   concurrent appends, so each record links to the one appended just before it. It is also the chain's
//   head, which shows records cut off the end.
// - "i|<record id>": the number a record id was appended under.
// - "s|<number, 10 digits>": the record, JSON split over properties of 64 KiB.
// The three are written in one transaction (the counter checked against its ETag, the id row created),
// so an append is whole or absent, two appends never take one number, and an id is appended once.

import type { TableClient, TransactionAction } from "@azure/data-tables";
import type {
  AuditHead,
  AuditRecord,
  AuditRepository,
  ChainedAuditRecord,
} from "../../domain/ports/migrations.ts";
import { chainRecord, GENESIS_HASH } from "../../domain/records/audit-chain.ts";
import { checkEntitySize, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart, rowKeyPrefixFilter } from "./table-keys.ts";
import { getEntityOrUndefined, isConflict, listRows, type Row, TableRepository } from "./table-store.ts";

const COUNTER_ROW = "next";
const ID_PREFIX = "i|";
const SEQUENCE_PREFIX = "s|";
/** Each round of concurrent appends to one migration lets one through: room for many appenders at once. */
const MAX_APPEND_ATTEMPTS = 50;

export class TableAuditRepository extends TableRepository implements AuditRepository {
  private table(): Promise<TableClient> {
    return this.store.table("MigrationAudit");
  }

  async append(record: AuditRecord): Promise<"appended" | "exists"> {
    const table = await this.table();
    const partitionKey = keyPart(record.migrationId);
    const idRowKey = `${ID_PREFIX}${keyPart(record.id)}`;
    for (let attempt = 0; attempt < MAX_APPEND_ATTEMPTS; attempt++) {
      const [appended, counter] = await Promise.all([
        getEntityOrUndefined<Row>(table, partitionKey, idRowKey, ["Seq"]),
        getEntityOrUndefined<Row>(table, partitionKey, COUNTER_ROW),
      ]);
      if (appended) return "exists";
      const seq = Number(counter?.Next ?? 1);
      const chained = chainRecord(record, seq, String(counter?.LastHash ?? GENESIS_HASH));
      const nextCounter = { partitionKey, rowKey: COUNTER_ROW, Next: seq + 1, LastHash: chained.hash };
      const sequenceRow = { partitionKey, rowKey: sequenceRowKey(seq), ...toJsonColumns("Record", chained) };
      checkEntitySize(sequenceRow, `audit record ${record.id} of ${record.migrationId}`);
      const actions: TransactionAction[] = [
        counter
          ? ["update", nextCounter, "Replace", { etag: counter.etag as string }]
          : ["create", nextCounter],
        ["create", { partitionKey, rowKey: idRowKey, Seq: seq }],
        ["create", sequenceRow],
      ];
      try {
        await table.submitTransaction(actions);
        return "appended";
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    throw new Error(
      `audit record ${record.id} of ${record.migrationId}: ${MAX_APPEND_ATTEMPTS} concurrent appends got there first`,
    );
  }

  async list(migrationId: string): Promise<ChainedAuditRecord[]> {
    const rows = await listRows(
      await this.table(),
      rowKeyPrefixFilter(keyPart(migrationId), SEQUENCE_PREFIX),
    );
    // RowKeys are listed in order, and their numbers have a fixed width.
    return rows.map((row) => fromJsonColumns<ChainedAuditRecord>(row, "Record", `audit row ${row.rowKey}`));
  }

  async head(migrationId: string): Promise<AuditHead | undefined> {
    const counter = await getEntityOrUndefined<Row>(await this.table(), keyPart(migrationId), COUNTER_ROW);
    return counter && { sequence: Number(counter.Next) - 1, hash: String(counter.LastHash) };
  }
}

function sequenceRowKey(seq: number): string {
  return `${SEQUENCE_PREFIX}${String(seq).padStart(10, "0")}`;
}
