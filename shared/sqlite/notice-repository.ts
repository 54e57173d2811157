// Notices, cluster events and rejected messages in SQLite. A notice's id and its content key are both
// unique, checked and written in one transaction: a notice is accepted once by id and once by content.

import type {
  ClusterEvent,
  NoticeAcceptance,
  NoticeRecord,
  NoticeRejection,
  NoticeRepository,
} from "../domain/ports/notices.ts";
import { clusterEventOrder, noticeOrder, rejectionOrder } from "../domain/records/notice-order.ts";
import type { SqliteStore } from "./sqlite-store.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notices (
  notice_id TEXT PRIMARY KEY,
  content_key TEXT NOT NULL UNIQUE,
  record TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS cluster_events (
  cluster_key TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (cluster_key, event_id)
) STRICT;
CREATE TABLE IF NOT EXISTS notice_rejections (
  rejection_key TEXT PRIMARY KEY,
  rejection TEXT NOT NULL
) STRICT;
`;

export class SqliteNoticeRepository implements NoticeRepository {
  private readonly store: SqliteStore;

  constructor(store: SqliteStore) {
    this.store = store;
    store.define(SCHEMA);
  }

  async acceptNotice(record: NoticeRecord): Promise<NoticeAcceptance> {
    const noticeId = record.notice.id;
    return this.store.write((sql): NoticeAcceptance => {
      const sameId = sql.get<{ content_key: string }>(
        "SELECT content_key FROM notices WHERE notice_id = ?",
        noticeId,
      );
      if (sameId) {
        return sameId.content_key === record.contentKey
          ? { kind: "duplicate-id", noticeId }
          : { kind: "id-conflict", noticeId };
      }
      const sameContent = sql.get<{ notice_id: string }>(
        "SELECT notice_id FROM notices WHERE content_key = ?",
        record.contentKey,
      );
      if (sameContent) {
        return { kind: "duplicate-content", noticeId, existingNoticeId: sameContent.notice_id };
      }
      sql.run(
        "INSERT INTO notices (notice_id, content_key, record) VALUES (?, ?, ?)",
        noticeId,
        record.contentKey,
        JSON.stringify(record),
      );
      return { kind: "accepted", noticeId };
    });
  }

  async notices(): Promise<NoticeRecord[]> {
    return this.store
      .read((sql) => sql.all<{ record: string }>("SELECT record FROM notices"))
      .map((row) => JSON.parse(row.record) as NoticeRecord)
      .sort(noticeOrder);
  }

  async recordClusterEvent(event: ClusterEvent): Promise<"recorded" | "duplicate"> {
    return this.insertOnce(
      "INSERT INTO cluster_events (cluster_key, event_id, event) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
      event.clusterId.toLowerCase(),
      event.id,
      JSON.stringify(event),
    );
  }

  async clusterEvents(clusterId: string): Promise<ClusterEvent[]> {
    return this.store
      .read((sql) =>
        sql.all<{ event: string }>(
          "SELECT event FROM cluster_events WHERE cluster_key = ?",
          clusterId.toLowerCase(),
        ),
      )
      .map((row) => JSON.parse(row.event) as ClusterEvent)
      .sort(clusterEventOrder);
  }

  async recordRejection(rejection: NoticeRejection): Promise<"recorded" | "duplicate"> {
    return this.insertOnce(
      "INSERT INTO notice_rejections (rejection_key, rejection) VALUES (?, ?) ON CONFLICT DO NOTHING",
      rejection.key,
      JSON.stringify(rejection),
    );
  }

  async rejections(): Promise<NoticeRejection[]> {
    return this.store
      .read((sql) => sql.all<{ rejection: string }>("SELECT rejection FROM notice_rejections"))
      .map((row) => JSON.parse(row.rejection) as NoticeRejection)
      .sort(rejectionOrder);
  }

  /** "duplicate" when the row's key is there already: redelivery records nothing twice. */
  private insertOnce(insert: string, ...values: string[]): "recorded" | "duplicate" {
    return this.store.write((sql) => (sql.run(insert, ...values) > 0 ? "recorded" : "duplicate"));
  }
}
