// Notices and cluster events: what AKS and operators said, as received, and the messages refused.
// Adapters: shared/azure/tables and shared/sqlite; one contract suite runs against both.

import type { IsoDate } from "../lifecycle/calendar-date.ts";
import type { LifecycleNotice } from "../lifecycle/lifecycle-calendar.ts";

export type NoticeOrigin = "operator" | "event-grid" | "resource-graph";

export interface NoticeRecord {
  notice: LifecycleNotice;
  origin: NoticeOrigin;
  /** The Service Bus message id it arrived with, if any. */
  messageId?: string;
  /** Identity of what the notice states (subject, dates, source, note): the same content counts once. */
  contentKey: string;
}

export type NoticeAcceptance =
  | { kind: "accepted"; noticeId: string }
  | { kind: "duplicate-id"; noticeId: string }
  | { kind: "duplicate-content"; noticeId: string; existingNoticeId: string }
  /** The id was accepted before with other content: refused, so a correction cannot hide under an old id. */
  | { kind: "id-conflict"; noticeId: string };

export type ClusterEventKind =
  | "support-ending"
  | "support-ended"
  | "new-kubernetes-versions"
  | "pool-rolling-started"
  | "pool-rolling-succeeded"
  | "pool-rolling-failed"
  | "end-of-support-notification"
  | "maintenance";

/** Something AKS said about one cluster. */
export interface ClusterEvent {
  /** The event id: the same on redelivery. */
  id: string;
  kind: ClusterEventKind;
  /** As on the wire, e.g. Microsoft.ContainerService.ClusterSupportEnding. */
  eventType: string;
  clusterId: string;
  cluster: string;
  /** ISO 8601 instant the event states. */
  occurredAt: string;
  receivedAt: string;
  /** One line for people. */
  summary: string;
  /** The documentation of the event's schema (events carry no URL of their own). */
  sourceUrl: string;
  kubernetesVersion?: string;
  nodePool?: string;
  eolDate?: IsoDate;
  /** The event's data as it came (validated). */
  details: Record<string, unknown>;
}

export interface NoticeRejection {
  /** The key rejections are recorded under: the message id, else a hash of the body. */
  key: string;
  messageId?: string;
  receivedAt: string;
  /** One line: what the message was taken for and what is wrong. */
  reason: string;
  /** Each problem found, "field: what was expected, what came". */
  problems: string[];
  /** The start of the body, for whoever looks at it. */
  bodyExcerpt: string;
}

export interface NoticeRepository {
  acceptNotice(record: NoticeRecord): Promise<NoticeAcceptance>;
  /** Every accepted notice, in the order received. */
  notices(): Promise<NoticeRecord[]>;
  recordClusterEvent(event: ClusterEvent): Promise<"recorded" | "duplicate">;
  clusterEvents(clusterId: string): Promise<ClusterEvent[]>;
  recordRejection(rejection: NoticeRejection): Promise<"recorded" | "duplicate">;
  rejections(): Promise<NoticeRejection[]>;
}
