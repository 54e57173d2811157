// Reads one message of the retirement-notices queue into what the product records: a calendar notice,
// a cluster event, both (an end-of-support scheduled event states a date for a Kubernetes version and
// something about a cluster), or a rejection a person can act on (which field, what was expected, what
// came). Nothing of an invalid message is applied: the result is computed whole before anything is
// stored. Ids derive from the message id or the event id, so a redelivered message maps to the same
// records; the content key identifies what a notice states, so the same notice twice counts once.

import type { z } from "zod";
import { MANAGED_CLUSTER_ID } from "../domain/fleet/model.ts";
import { utcDayOf } from "../domain/lifecycle/calendar-date.ts";
import { minorLabel, parseKubernetesMinor } from "../domain/lifecycle/kubernetes-version.ts";
import {
  type LifecycleNotice,
  normalizeSubject,
  noticeFormProblem,
} from "../domain/lifecycle/lifecycle-calendar.ts";
import type {
  ClusterEvent,
  ClusterEventKind,
  NoticeRecord,
  NoticeRejection,
} from "../domain/ports/notices.ts";
import { sha256 } from "../domain/support/sha256.ts";
import { describeIssues, truncate } from "../formats/schema-problems.ts";
import {
  AKS_EVENT_DATA,
  type AksEventType,
  cloudEventSchema,
  clusterId as clusterIdSchema,
  END_OF_SUPPORT_DESCRIPTIONS,
  endOfSupportDetailsSchema,
  eventGridEventSchema,
  noticeWithdrawalSchema,
  productNoticeSchema,
  SCHEDULED_EVENT_RESOURCE_TYPE,
  SCHEDULED_EVENT_TYPE,
  type ScheduledEventResource,
  scheduledEventDataSchema,
  scheduledEventResourceSchema,
} from "./notice-schemas.ts";
import { EVENT_SOURCES } from "./notice-sources.ts";

export interface NoticeMessage {
  /** As received: a parsed JSON value, or its text or bytes. */
  body: unknown;
  messageId?: string;
  /** ISO 8601 instant the message was received (enqueued). */
  receivedAt: string;
}

export type MessageShape = "product-notice" | "event-grid" | "cloud-event" | "resource-graph";

export type IntakeResult =
  | { kind: "notice"; shape: MessageShape; record: NoticeRecord; clusterEvent?: ClusterEvent }
  | { kind: "cluster-event"; shape: MessageShape; event: ClusterEvent }
  | { kind: "rejected"; shape?: MessageShape; rejection: NoticeRejection };

const SHAPE_LABEL: Record<MessageShape, string> = {
  "product-notice": "lifecycle notice",
  "event-grid": "Event Grid event",
  "cloud-event": "CloudEvents event",
  "resource-graph": "Resource Graph scheduled event",
};

const BODY_EXCERPT_CHARS = 2_000;

/** A message that cannot be taken, with every problem found. */
class Refusal extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

export function readNoticeMessage(message: NoticeMessage): IntakeResult {
  const text = bodyText(message.body);
  let shape: MessageShape | undefined;
  try {
    const body = parseBody(message.body, text);
    shape = shapeOf(body);
    return readShape(shape, body, message);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return {
      kind: "rejected",
      ...(shape && { shape }),
      rejection: rejection(message, text, shape, error.problems),
    };
  }
}

function readShape(shape: MessageShape, body: Record<string, unknown>, message: NoticeMessage): IntakeResult {
  switch (shape) {
    case "product-notice":
      return { kind: "notice", shape, record: productNotice(body, message) };
    case "resource-graph":
      return scheduledEvent(shape, checked(scheduledEventResourceSchema, body), undefined, message);
    case "event-grid": {
      const event = checked(eventGridEventSchema, body);
      return envelopeEvent(
        shape,
        { ...event, type: event.eventType, time: event.eventTime, source: event.topic },
        message,
      );
    }
    case "cloud-event":
      return envelopeEvent(shape, checked(cloudEventSchema, body), message);
  }
}

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  return JSON.stringify(body) ?? String(body);
}

function parseBody(body: unknown, text: string): Record<string, unknown> {
  let value = body;
  if (typeof body === "string" || body instanceof Uint8Array) {
    try {
      value = JSON.parse(text.replace(/^\uFEFF/, ""));
    } catch (error) {
      throw new Refusal([`the body is not JSON (${(error as Error).message})`]);
    }
  }
  if (Array.isArray(value))
    throw new Refusal(["the body is a JSON array: send one notice or event per message"]);
  if (typeof value !== "object" || value === null) {
    throw new Refusal([`the body is ${value === null ? "null" : `a ${typeof value}`}, not a JSON object`]);
  }
  return value as Record<string, unknown>;
}

function shapeOf(body: Record<string, unknown>): MessageShape {
  if ("specversion" in body) return "cloud-event";
  if ("eventType" in body) return "event-grid";
  if (typeof body.type === "string" && body.type.toLowerCase() === SCHEDULED_EVENT_RESOURCE_TYPE)
    return "resource-graph";
  if ((typeof body.subject === "object" && body.subject !== null) || "withdraws" in body)
    return "product-notice";
  throw new Refusal([
    "the body is none of the accepted shapes: a lifecycle notice ({subject: {kind, value}, endOfSupport and/or imageRemoval, sourceUrl, note}), " +
      "a withdrawal ({withdraws: notice id, subject, sourceUrl, note}), " +
      "an AKS event in the Event Grid or CloudEvents schema, or a Resource Graph scheduled event " +
      `(type ${SCHEDULED_EVENT_RESOURCE_TYPE})`,
  ]);
}

/** Parses with the schema or refuses with one line per problem: "path: what was expected, got what". */
function checked<S extends z.ZodType>(schema: S, value: unknown, at: string[] = []): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Refusal(describeIssues(result.error, value, at));
}

/** What a notice states, whoever sent it: the same statement twice counts once. */
export function noticeContentKey(notice: Omit<LifecycleNotice, "id" | "receivedAt">): string {
  const subject = normalizeSubject(notice.subject);
  return sha256(
    JSON.stringify([
      subject.kind,
      subject.value.toLowerCase(),
      notice.endOfSupport ?? null,
      notice.imageRemoval ?? null,
      notice.sourceUrl,
      notice.note,
      // Only withdrawals say it: the keys of notices stored before withdrawals existed stay as they were.
      ...(notice.withdraws !== undefined ? [notice.withdraws] : []),
    ]),
  );
}

/** Applies the calendar's own rules (noticeFormProblem), so the calendar never sets a notice accepted now aside. */
function checkedNotice(notice: LifecycleNotice): LifecycleNotice {
  const problem = noticeFormProblem(notice);
  if (problem) throw new Refusal([problem]);
  return { ...notice, subject: normalizeSubject(notice.subject) };
}

/** The notice or withdrawal as its sender wrote it, without the id it is recorded under. */
function statedNotice(body: Record<string, unknown>): {
  givenId: string | undefined;
  stated: Omit<LifecycleNotice, "id" | "receivedAt">;
} {
  if ("withdraws" in body) {
    const { id, withdraws, subject, sourceUrl, note } = checked(noticeWithdrawalSchema, body);
    return { givenId: id, stated: { subject, withdraws, sourceUrl, note: note ?? "" } };
  }
  const { id, subject, endOfSupport, imageRemoval, sourceUrl, note } = checked(productNoticeSchema, body);
  const stated = {
    subject,
    ...(endOfSupport !== undefined && { endOfSupport }),
    ...(imageRemoval !== undefined && { imageRemoval }),
    sourceUrl,
    note: note ?? "",
  };
  return { givenId: id, stated };
}

function productNotice(body: Record<string, unknown>, message: NoticeMessage): NoticeRecord {
  const { givenId, stated } = statedNotice(body);
  const named = givenId ?? (message.messageId && `message:${message.messageId}`);
  const notice = checkedNotice({ id: named || "(unnamed)", ...stated, receivedAt: message.receivedAt });
  const contentKey = noticeContentKey(notice);
  const id = named || `content:${contentKey.slice(0, 32)}`;
  return {
    notice: { ...notice, id },
    origin: "operator",
    ...(message.messageId && { messageId: message.messageId }),
    contentKey,
  };
}

interface Envelope {
  id: string;
  type: string;
  time?: string;
  subject?: string;
  source?: string;
  data: unknown;
}

const AKS_EVENTS: Record<AksEventType, ClusterEventKind> = {
  "Microsoft.ContainerService.NewKubernetesVersionAvailable": "new-kubernetes-versions",
  "Microsoft.ContainerService.ClusterSupportEnding": "support-ending",
  "Microsoft.ContainerService.ClusterSupportEnded": "support-ended",
  "Microsoft.ContainerService.NodePoolRollingStarted": "pool-rolling-started",
  "Microsoft.ContainerService.NodePoolRollingSucceeded": "pool-rolling-succeeded",
  "Microsoft.ContainerService.NodePoolRollingFailed": "pool-rolling-failed",
};

function envelopeEvent(shape: MessageShape, envelope: Envelope, message: NoticeMessage): IntakeResult {
  if (envelope.type === SCHEDULED_EVENT_TYPE) {
    const data = checked(scheduledEventDataSchema, envelope.data, ["data"]);
    return scheduledEvent(shape, data.resourceInfo, envelope, message);
  }
  if (!(envelope.type in AKS_EVENTS)) {
    const accepted = [...Object.keys(AKS_EVENTS), SCHEDULED_EVENT_TYPE].join(", ");
    throw new Refusal([
      `${shape === "event-grid" ? "eventType" : "type"}: ${envelope.type} is not an event this queue takes (expected one of ${accepted})`,
    ]);
  }
  const type = envelope.type as AksEventType;
  const sourceField = shape === "event-grid" ? "topic" : "source";
  const cluster = checked(clusterIdSchema, envelope.source, [sourceField]);
  const data = checked(AKS_EVENT_DATA[type], envelope.data, ["data"]) as Record<string, string>;
  const name = envelope.subject || clusterName(cluster);
  const kind = AKS_EVENTS[type];
  const event: ClusterEvent = {
    id: envelope.id,
    kind,
    eventType: type,
    clusterId: cluster,
    cluster: name,
    occurredAt: normalInstant(envelope.time ?? message.receivedAt),
    receivedAt: message.receivedAt,
    summary: aksEventSummary(kind, name, data),
    sourceUrl: EVENT_SOURCES.aksEventGridSchema,
    ...(data.kubernetesVersion !== undefined && { kubernetesVersion: data.kubernetesVersion }),
    ...(data.nodePoolName !== undefined && { nodePool: data.nodePoolName }),
    details: data,
  };
  return { kind: "cluster-event", shape, event };
}

function aksEventSummary(kind: ClusterEventKind, cluster: string, data: Record<string, string>): string {
  switch (kind) {
    case "support-ending":
      return `Kubernetes ${data.kubernetesVersion} on cluster ${cluster} is going out of support soon`;
    case "support-ended":
      return `Kubernetes ${data.kubernetesVersion} on cluster ${cluster} is out of support`;
    case "new-kubernetes-versions":
      return (
        `New Kubernetes versions for cluster ${cluster}: latest supported ${data.latestSupportedKubernetesVersion}, ` +
        `latest stable ${data.latestStableKubernetesVersion}, lowest minor ${data.lowestMinorKubernetesVersion}` +
        (data.latestPreviewKubernetesVersion ? `, latest preview ${data.latestPreviewKubernetesVersion}` : "")
      );
    default: {
      const outcome = kind.replace("pool-rolling-", "");
      return `Node pool ${data.nodePoolName} of cluster ${cluster}: rolling its nodes (upgrade or update) ${outcome}`;
    }
  }
}

function clusterName(id: string): string {
  return id.slice(id.lastIndexOf("/") + 1);
}

function normalInstant(value: string): string {
  return new Date(Date.parse(value)).toISOString();
}

/** The cluster a scheduled event is about: the impacted resources, else the start of its own id. */
function scheduledEventCluster(resource: ScheduledEventResource): string {
  const listed = resource.properties.resources?.find((id) => MANAGED_CLUSTER_ID.test(id));
  if (listed) return listed;
  const prefix =
    /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/[^/]+/i.exec(
      resource.id,
    );
  if (prefix) return prefix[0];
  throw new Refusal([
    `properties.resources: none is a managed cluster id, and id ${truncate(resource.id, 120)} does not start with one`,
  ]);
}

function scheduledEvent(
  shape: MessageShape,
  resource: ScheduledEventResource,
  envelope: Envelope | undefined,
  message: NoticeMessage,
): IntakeResult {
  const at = envelope ? ["data", "resourceInfo", "properties"] : ["properties"];
  const properties = resource.properties;
  const cluster = scheduledEventCluster(resource);
  const name = clusterName(cluster);
  // Redelivery of an envelope keeps its id. A Resource Graph row is read again every night: it is the
  // same event while its notification and status stay (lastUpdateTime may move without news).
  const id =
    envelope?.id ??
    [properties.eventId ?? resource.id, properties.description, properties.eventStatus ?? ""].join("|");
  const common = {
    id,
    eventType: envelope?.type ?? SCHEDULED_EVENT_RESOURCE_TYPE,
    clusterId: cluster,
    cluster: name,
    occurredAt: normalInstant(envelope?.time ?? message.receivedAt),
    receivedAt: message.receivedAt,
    sourceUrl: EVENT_SOURCES.aksScheduledEvents,
  };
  const isEndOfSupport =
    properties.eventSource === "EOLNotification" ||
    (END_OF_SUPPORT_DESCRIPTIONS as readonly string[]).includes(properties.description);
  if (!isEndOfSupport) {
    const event: ClusterEvent = {
      ...common,
      kind: "maintenance",
      summary: `Maintenance on cluster ${name}: ${properties.description}${properties.eventStatus ? ` (${properties.eventStatus})` : ""}${typeof properties.eventDetails === "string" && properties.eventDetails ? `: ${properties.eventDetails}` : ""}`,
      details: properties,
    };
    return { kind: "cluster-event", shape, event };
  }
  if (!(END_OF_SUPPORT_DESCRIPTIONS as readonly string[]).includes(properties.description)) {
    throw new Refusal([
      `${[...at, "description"].join(".")}: expected one of ${END_OF_SUPPORT_DESCRIPTIONS.join(", ")}, got ${JSON.stringify(properties.description)}`,
    ]);
  }
  const details = checked(endOfSupportDetailsSchema, parseDetails(properties.eventDetails, at), [
    ...at,
    "eventDetails",
  ]);
  const minor = parseKubernetesMinor(details.kubernetesVersion);
  if (!minor) {
    throw new Refusal([
      `${[...at, "eventDetails", "kubernetesVersion"].join(".")}: expected a Kubernetes version, got ${JSON.stringify(details.kubernetesVersion)}`,
    ]);
  }
  const eolDate = utcDayOf(
    new Date(Date.parse(details.eolDate.length === 10 ? `${details.eolDate}T00:00:00Z` : details.eolDate)),
  );
  const version = minorLabel(minor);
  const longTerm = /^(lts|akslongtermsupport)$/i.test(details.supportType ?? "");
  const event: ClusterEvent = {
    ...common,
    kind: "end-of-support-notification",
    summary: `${properties.description}: Kubernetes ${details.kubernetesVersion} on cluster ${name} reaches end of ${longTerm ? "long-term " : ""}support on ${eolDate}`,
    kubernetesVersion: details.kubernetesVersion,
    eolDate,
    details: { ...properties, eventDetails: details },
  };
  // The long-term support end is not a date notices set: the cluster event records it.
  if (longTerm) return { kind: "cluster-event", shape, event };
  const stated = {
    subject: { kind: "kubernetesVersion" as const, value: version },
    endOfSupport: eolDate,
    sourceUrl: EVENT_SOURCES.aksScheduledEvents,
    // Clusters and weeks differ, the statement does not: the note names neither, so it counts once.
    note: `AKS end-of-support notifications give ${eolDate} as the end of support of Kubernetes ${version} (eventDetails.eolDate).`,
  };
  const notice = checkedNotice({ id: `scheduled-event:${id}`, ...stated, receivedAt: message.receivedAt });
  const contentKey = noticeContentKey(notice);
  const record: NoticeRecord = {
    notice,
    origin: shape === "resource-graph" ? "resource-graph" : "event-grid",
    ...(message.messageId && { messageId: message.messageId }),
    contentKey,
  };
  return { kind: "notice", shape, record, clusterEvent: event };
}

function parseDetails(details: unknown, at: string[]): unknown {
  if (typeof details !== "string") return details;
  try {
    return JSON.parse(details);
  } catch {
    throw new Refusal([
      `${[...at, "eventDetails"].join(".")}: expected JSON with kubernetesVersion and eolDate, got ${JSON.stringify(truncate(details, 80))}`,
    ]);
  }
}

function rejection(
  message: NoticeMessage,
  text: string,
  shape: MessageShape | undefined,
  problems: string[],
): NoticeRejection {
  const what = shape ? `${SHAPE_LABEL[shape]} refused` : "message refused";
  const reason = problems.length === 1 ? `${what}: ${problems[0]}` : `${what}: ${problems.length} problems`;
  return {
    key: message.messageId ?? `sha256:${sha256(text)}`,
    ...(message.messageId && { messageId: message.messageId }),
    receivedAt: message.receivedAt,
    reason,
    problems,
    bodyExcerpt: truncate(text, BODY_EXCERPT_CHARS),
  };
}
