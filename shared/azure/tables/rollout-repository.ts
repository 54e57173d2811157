// Rollouts in Table Storage: table Rollouts, PartitionKey "rollout", RowKey = the rollout id; the record
// as JSON split over properties of 64 KiB (json-columns.ts), its Revision and Status. A save reads the
// Revision and replaces the row against its ETag only with a higher one, so concurrent saves end with
// the highest. A record over the 1 MiB entity limit is refused and the stored one stays.

import { odata, type TableClient } from "@azure/data-tables";
import type { RolloutRepository } from "../../domain/ports/rollouts.ts";
import { newestRequestFirst } from "../../domain/records/migration-records.ts";
import type { RolloutRecord, RolloutStatus } from "../../domain/rollout/rollout-record.ts";
import { checkEntitySize, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart } from "./table-keys.ts";
import { getEntityOrUndefined, listRows, type Row, readModifyWrite, TableRepository } from "./table-store.ts";

const PARTITION = "rollout";

export class TableRolloutRepository extends TableRepository implements RolloutRepository {
  private rollouts(): Promise<TableClient> {
    return this.store.table("Rollouts");
  }

  async save(record: RolloutRecord): Promise<void> {
    const entity = {
      partitionKey: PARTITION,
      rowKey: keyPart(record.id),
      Revision: record.revision,
      Status: record.status,
      ...toJsonColumns("Record", record),
    };
    checkEntitySize(entity, `rollout ${record.id} (revision ${record.revision})`);
    await readModifyWrite(
      await this.rollouts(),
      entity,
      (current) => (current && Number(current.Revision) >= record.revision ? undefined : { entity }),
      `rollout ${record.id}`,
      ["Revision"],
    );
  }

  async get(id: string): Promise<RolloutRecord | undefined> {
    const row = await getEntityOrUndefined<Row>(await this.rollouts(), PARTITION, keyPart(id));
    return row && readRecord(row);
  }

  async list(filter: { status?: RolloutStatus } = {}): Promise<RolloutRecord[]> {
    const partition = odata`PartitionKey eq ${PARTITION}`;
    const query =
      filter.status === undefined ? partition : `(${partition}) and (${odata`Status eq ${filter.status}`})`;
    const rows = await listRows(await this.rollouts(), query);
    return rows.map(readRecord).sort(newestRequestFirst);
  }
}

function readRecord(row: Row): RolloutRecord {
  return fromJsonColumns<RolloutRecord>(row, "Record", `rollout row ${row.rowKey}`);
}
