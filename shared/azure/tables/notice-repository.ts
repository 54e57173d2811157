// Notices, cluster events and rejected messages in Table Storage.
// - Table Notices, PartitionKey "notice": RowKey "n|<notice id>" per accepted notice (kept forever: the
//   calendar's history) and "c|<content key>" naming the notice that first stated that content. Both are
//   created in one transaction, so a notice is accepted once by id and once by content, or not at all.
// - Table Notices, PartitionKey "rejection": one row per rejected message, by message id.
// - Table ClusterEvents: PartitionKey = cluster id, RowKey = event id (redelivery finds it there).

import { odata, type TableClient } from "@azure/data-tables";
import type {
  ClusterEvent,
  NoticeAcceptance,
  NoticeRecord,
  NoticeRejection,
  NoticeRepository,
} from "../../domain/ports/notices.ts";
import { clusterEventOrder, noticeOrder, rejectionOrder } from "../../domain/records/notice-order.ts";
import { checkEntitySize, fromJsonColumns, toJsonColumns } from "./json-columns.ts";
import { keyPart, rowKeyPrefixFilter } from "./table-keys.ts";
import { getEntityOrUndefined, isConflict, listRows, type Row, TableRepository } from "./table-store.ts";

const NOTICE_PARTITION = "notice";
const REJECTION_PARTITION = "rejection";
const NOTICE_PREFIX = "n|";
const CONTENT_PREFIX = "c|";

export class TableNoticeRepository extends TableRepository implements NoticeRepository {
  private noticeTable(): Promise<TableClient> {
    return this.store.table("Notices");
  }

  private events(): Promise<TableClient> {
    return this.store.table("ClusterEvents");
  }

  async acceptNotice(record: NoticeRecord): Promise<NoticeAcceptance> {
    const table = await this.noticeTable();
    const noticeId = record.notice.id;
    const noticeRow = {
      partitionKey: NOTICE_PARTITION,
      rowKey: `${NOTICE_PREFIX}${keyPart(noticeId)}`,
      ContentKey: record.contentKey,
      ReceivedAt: record.notice.receivedAt,
      ...toJsonColumns("Record", record),
    };
    checkEntitySize(noticeRow, `notice ${noticeId}`);
    const contentRow = {
      partitionKey: NOTICE_PARTITION,
      rowKey: `${CONTENT_PREFIX}${keyPart(record.contentKey)}`,
      NoticeId: noticeId,
    };
    try {
      await table.submitTransaction([
        ["create", noticeRow],
        ["create", contentRow],
      ]);
      return { kind: "accepted", noticeId };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const sameId = await getEntityOrUndefined<Row>(table, NOTICE_PARTITION, noticeRow.rowKey);
    if (sameId) {
      return sameId.ContentKey === record.contentKey
        ? { kind: "duplicate-id", noticeId }
        : { kind: "id-conflict", noticeId };
    }
    const sameContent = await getEntityOrUndefined<Row>(table, NOTICE_PARTITION, contentRow.rowKey);
    if (!sameContent)
      throw new Error(
        `notice ${noticeId}: the store refused it, but neither its id nor its content is there`,
      );
    return { kind: "duplicate-content", noticeId, existingNoticeId: String(sameContent.NoticeId) };
  }

  async notices(): Promise<NoticeRecord[]> {
    const rows = await listRows(
      await this.noticeTable(),
      rowKeyPrefixFilter(NOTICE_PARTITION, NOTICE_PREFIX),
    );
    return rows
      .map((row) => fromJsonColumns<NoticeRecord>(row, "Record", `notice row ${row.rowKey}`))
      .sort(noticeOrder);
  }

  async recordClusterEvent(event: ClusterEvent): Promise<"recorded" | "duplicate"> {
    const entity = {
      partitionKey: keyPart(event.clusterId.toLowerCase()),
      rowKey: keyPart(event.id),
      Kind: event.kind,
      OccurredAt: event.occurredAt,
      ...toJsonColumns("Event", event),
    };
    checkEntitySize(entity, `cluster event ${event.id}`);
    return createOnce(await this.events(), entity);
  }

  async clusterEvents(clusterId: string): Promise<ClusterEvent[]> {
    const rows = await listRows(
      await this.events(),
      odata`PartitionKey eq ${keyPart(clusterId.toLowerCase())}`,
    );
    return rows
      .map((row) => fromJsonColumns<ClusterEvent>(row, "Event", `cluster event ${row.rowKey}`))
      .sort(clusterEventOrder);
  }

  async recordRejection(rejection: NoticeRejection): Promise<"recorded" | "duplicate"> {
    const entity = {
      partitionKey: REJECTION_PARTITION,
      rowKey: keyPart(rejection.key),
      ReceivedAt: rejection.receivedAt,
      ...toJsonColumns("Rejection", rejection),
    };
    checkEntitySize(entity, `rejection of message ${rejection.key}`);
    return createOnce(await this.noticeTable(), entity);
  }

  async rejections(): Promise<NoticeRejection[]> {
    const rows = await listRows(await this.noticeTable(), odata`PartitionKey eq ${REJECTION_PARTITION}`);
    return rows
      .map((row) => fromJsonColumns<NoticeRejection>(row, "Rejection", `rejection row ${row.rowKey}`))
      .sort(rejectionOrder);
  }
}

async function createOnce(table: TableClient, entity: Row): Promise<"recorded" | "duplicate"> {
  try {
    await table.createEntity(entity);
    return "recorded";
  } catch (error) {
    if (isConflict(error)) return "duplicate";
    throw error;
  }
}
