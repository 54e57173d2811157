// Wire shapes the retirement-notices queue accepts, as zod schemas: the product's own notice, AKS events
// in the Event Grid and CloudEvents schemas (https://learn.microsoft.com/azure/event-grid/event-schema-aks),
// and AKS scheduled events as Resource Graph returns them or as the Resource Notifications system topic
// wraps them (data.resourceInfo). Envelopes are open (Event Grid may add fields); the product's notice
// is strict, so a misspelt field is refused rather than silently ignored.

import { z } from "zod";
import { MANAGED_CLUSTER_ID } from "../domain/fleet/model.ts";
import { isIsoDate } from "../domain/lifecycle/calendar-date.ts";
import {
  dateOrderProblem,
  SUBJECT_KINDS,
  subjectValueProblem,
} from "../domain/lifecycle/lifecycle-calendar.ts";

const nonEmpty = z.string().trim().min(1, "must not be empty");

export const isoDate = z.string().refine(isIsoDate, "expected a calendar date YYYY-MM-DD");

export const isoInstant = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    "expected an ISO 8601 instant",
  )
  .refine((value) => !Number.isNaN(Date.parse(value)), "expected an ISO 8601 instant");

/** A date, or an instant whose UTC day is meant ("2026-03-01T00:00:00Z"). */
export const dateOrInstant = z.union([isoDate, isoInstant], {
  error: "expected a calendar date YYYY-MM-DD or an ISO 8601 instant",
});

const httpsUrl = z
  .string()
  .regex(/^https:\/\/\S+$/, "expected an https URL")
  .refine((value) => URL.canParse(value), "expected an https URL");

const noticeId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "expected 1-100 letters, digits, '.', '_', ':' or '-'");

/** A subject the calendar can hold: the kind, and a value of its form (names, never paths). */
const subjectSchema = z
  .strictObject(
    { kind: z.enum(SUBJECT_KINDS), value: nonEmpty },
    { error: "expected the subject, {kind, value}" },
  )
  .superRefine((subject, context) => {
    // An empty value is already refused as such.
    const problem = subject.value && subjectValueProblem(subject);
    if (problem) context.addIssue({ code: "custom", path: ["value"], message: problem });
  });

const noticeNote = z.string().max(2000, "must be at most 2000 characters").optional();

export const productNoticeSchema = z
  .strictObject({
    /** Optional: the notice id (and message id when sent with `notices send`); else the message id. */
    id: noticeId.optional(),
    subject: subjectSchema,
    endOfSupport: isoDate.optional(),
    imageRemoval: isoDate.optional(),
    sourceUrl: httpsUrl,
    note: noticeNote,
  })
  .refine((notice) => notice.endOfSupport !== undefined || notice.imageRemoval !== undefined, {
    message: "states neither endOfSupport nor imageRemoval: give at least one date",
  })
  .superRefine(({ endOfSupport, imageRemoval }, context) => {
    // Dates that are not dates are already refused as such.
    if (!isIsoDate(endOfSupport ?? "") || !isIsoDate(imageRemoval ?? "")) return;
    const problem = dateOrderProblem(endOfSupport, imageRemoval);
    if (problem) context.addIssue({ code: "custom", path: ["imageRemoval"], message: problem });
  });

const noDate = z.never({ error: "a withdrawal states no dates: send a notice to state them" }).optional();

/** Takes an earlier notice's dates out of the calendar; it names that notice's subject, so a typo cannot hit another. */
export const noticeWithdrawalSchema = z.strictObject({
  id: noticeId.optional(),
  /** Any accepted notice's id: event-derived ids are longer and freer than the ones operators give. */
  withdraws: nonEmpty.max(400, "must be at most 400 characters"),
  subject: subjectSchema,
  endOfSupport: noDate,
  imageRemoval: noDate,
  sourceUrl: httpsUrl,
  note: noticeNote,
});

export const eventGridEventSchema = z.object({
  id: nonEmpty,
  topic: z.string().optional(),
  subject: z.string(),
  eventType: nonEmpty,
  eventTime: isoInstant,
  data: z.unknown(),
  dataVersion: z.string(),
  metadataVersion: z.string().optional(),
});

export const cloudEventSchema = z.object({
  specversion: z.literal("1.0", { error: 'expected "1.0"' }),
  id: nonEmpty,
  source: nonEmpty,
  type: nonEmpty,
  subject: z.string().optional(),
  time: isoInstant.optional(),
  data: z.unknown(),
});

export const clusterId = z
  .string()
  .regex(
    MANAGED_CLUSTER_ID,
    "expected a managed cluster resource id (/subscriptions/…/managedClusters/<name>)",
  );

/** Data of the Microsoft.ContainerService.* events, by event type. */
export const AKS_EVENT_DATA = {
  "Microsoft.ContainerService.NewKubernetesVersionAvailable": z.looseObject({
    latestSupportedKubernetesVersion: nonEmpty,
    latestStableKubernetesVersion: nonEmpty,
    lowestMinorKubernetesVersion: nonEmpty,
    latestPreviewKubernetesVersion: z.string().optional(),
  }),
  "Microsoft.ContainerService.ClusterSupportEnding": z.looseObject({ kubernetesVersion: nonEmpty }),
  "Microsoft.ContainerService.ClusterSupportEnded": z.looseObject({ kubernetesVersion: nonEmpty }),
  "Microsoft.ContainerService.NodePoolRollingStarted": z.looseObject({ nodePoolName: nonEmpty }),
  "Microsoft.ContainerService.NodePoolRollingSucceeded": z.looseObject({ nodePoolName: nonEmpty }),
  "Microsoft.ContainerService.NodePoolRollingFailed": z.looseObject({ nodePoolName: nonEmpty }),
} as const;

export type AksEventType = keyof typeof AKS_EVENT_DATA;

export const SCHEDULED_EVENT_TYPE =
  "Microsoft.ResourceNotifications.ContainerServiceEventResources.ScheduledEventEmitted";
export const SCHEDULED_EVENT_RESOURCE_TYPE = "microsoft.containerservice/managedclusters/scheduledevents";
export const END_OF_SUPPORT_DESCRIPTIONS = [
  "KubernetesVersionEOLTwoWeeks",
  "KubernetesVersionEOLOneWeek",
  "KubernetesVersionOutOfSupport",
] as const;

/** A row of Resource Graph's containerserviceeventresources, or data.resourceInfo of the system topic's event. */
export const scheduledEventResourceSchema = z.object({
  id: nonEmpty,
  name: z.string().optional(),
  type: z
    .string()
    .refine(
      (type) => type.toLowerCase() === SCHEDULED_EVENT_RESOURCE_TYPE,
      `expected ${SCHEDULED_EVENT_RESOURCE_TYPE}`,
    ),
  location: z.string().optional(),
  properties: z.looseObject({
    description: nonEmpty,
    eventId: z.string().optional(),
    eventSource: z.string().optional(),
    eventStatus: z.string().optional(),
    // A JSON text in the system topic's schema; Resource Graph may hand it over parsed.
    eventDetails: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    scheduledTime: z.string().optional(),
    lastUpdateTime: z.string().optional(),
    resources: z.array(z.string()).optional(),
    resourceType: z.string().optional(),
  }),
});

export type ScheduledEventResource = z.infer<typeof scheduledEventResourceSchema>;

export const scheduledEventDataSchema = z.object({ resourceInfo: scheduledEventResourceSchema });

export const endOfSupportDetailsSchema = z.looseObject({
  kubernetesVersion: nonEmpty,
  eolDate: dateOrInstant,
  supportType: z.string().optional(),
  daysUntilEOL: z.number().optional(),
  region: z.string().optional(),
});
