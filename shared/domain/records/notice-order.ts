// The order every NoticeRepository adapter lists in: oldest first by the instant that matters, then by id.

import type { ClusterEvent, NoticeRecord, NoticeRejection } from "../ports/notices.ts";

function byInstantThenId<T>(instant: (item: T) => string, id: (item: T) => string) {
  return (a: T, b: T): number =>
    Date.parse(instant(a)) - Date.parse(instant(b)) || id(a).localeCompare(id(b));
}

/** In the order received. */
export const noticeOrder = byInstantThenId<NoticeRecord>(
  (record) => record.notice.receivedAt,
  (record) => record.notice.id,
);

/** In the order they happened. */
export const clusterEventOrder = byInstantThenId<ClusterEvent>(
  (event) => event.occurredAt,
  (event) => event.id,
);

/** In the order received. */
export const rejectionOrder = byInstantThenId<NoticeRejection>(
  (rejection) => rejection.receivedAt,
  (rejection) => rejection.key,
);
