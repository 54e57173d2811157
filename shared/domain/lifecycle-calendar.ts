// The lifecycle calendar: sourced base entries, corrected and extended by notices that arrive later
// (operators, AKS events through Service Bus). Resolution is a pure function of both, so the calendar can
// always say which statement holds and why.

import { daysUntil, type IsoDate, isIsoDate } from "./calendar-date.ts";
import { SKU_RESOLUTION } from "./data/os-sku-rules.ts";
import { minorLabel, parseKubernetesMinor } from "./kubernetes-version.ts";

export type SubjectKind = "osSku" | "imageFamily" | "kubernetesVersion";

/**
 * What an entry or notice is about. osSku values name the versioned OS (AzureLinux2, Ubuntu2204,
 * Windows2019: see OsName); imageFamily values match the start of "<family>-<variant>" of a node image
 * (AKSAzureLinux-V2); kubernetesVersion values are minors ("1.31").
 */
export interface CalendarSubject {
  kind: SubjectKind;
  value: string;
}

export interface DatedFact {
  date: IsoDate;
  sourceUrl: string;
  note?: string;
}

export type NoticeField = "endOfSupport" | "imageRemoval";

/** A date another source gives, recorded with the reason it does not hold. */
export interface SourceConflict {
  field: NoticeField | "ltsEndOfSupport";
  value: IsoDate;
  source: string;
  resolution: string;
}

export interface CalendarEntry {
  subject: CalendarSubject;
  label: string;
  /** Past this day: no security patches, no new pools. For Kubernetes: community end of life. */
  endOfSupport?: DatedFact;
  /** From this day the images are gone: pools can no longer scale or be reimaged. */
  imageRemoval?: DatedFact;
  /** Kubernetes only: end of AKS long-term support (Premium tier). */
  ltsEndOfSupport?: DatedFact;
  /** The page that documents the subject (for entries without dates, that none is announced). */
  sourceUrl: string;
  note?: string;
  conflicts?: readonly SourceConflict[];
}

export interface LifecycleNotice {
  id: string;
  subject: CalendarSubject;
  endOfSupport?: IsoDate;
  imageRemoval?: IsoDate;
  sourceUrl: string;
  note: string;
  /** ISO 8601 instant; a later notice supersedes an earlier one for the same subject and field. */
  receivedAt: string;
}

export interface ResolvedFact extends DatedFact {
  /** The notice that set this value; absent when it is the base entry's. */
  noticeId?: string;
  /** The value a notice corrected (the base entry's or an earlier notice's), so the change stays visible. */
  supersedes?: ResolvedFact;
}

export interface NoticeStanding {
  notice: LifecycleNotice;
  holds: NoticeField[];
  superseded: { field: NoticeField; by: string }[];
  explanation: string;
}

export interface ResolvedEntry extends Omit<CalendarEntry, NoticeField> {
  endOfSupport?: ResolvedFact;
  imageRemoval?: ResolvedFact;
  /** Every notice for this subject, oldest first, with what it still decides. */
  notices: NoticeStanding[];
}

export interface Calendar {
  entries: readonly ResolvedEntry[];
}

const NOTICE_FIELDS: readonly NoticeField[] = ["endOfSupport", "imageRemoval"];

export function normalizeSubject(subject: CalendarSubject): CalendarSubject {
  if (subject.kind !== "kubernetesVersion") return { kind: subject.kind, value: subject.value.trim() };
  const minor = parseKubernetesMinor(subject.value);
  if (!minor) throw new Error(`kubernetesVersion subject "${subject.value}" is not a Kubernetes version`);
  return { kind: subject.kind, value: minorLabel(minor) };
}

export function subjectKey(subject: CalendarSubject): string {
  const normalized = normalizeSubject(subject);
  return `${normalized.kind}:${normalized.value.toLowerCase()}`;
}

function checkNotice(notice: LifecycleNotice): void {
  const fail = (problem: string) => {
    throw new Error(`lifecycle notice ${JSON.stringify(notice.id)}: ${problem}`);
  };
  if (!notice.id) fail("id is empty");
  if (!["osSku", "imageFamily", "kubernetesVersion"].includes(notice.subject.kind)) {
    fail(`subject.kind "${notice.subject.kind}" is not osSku, imageFamily or kubernetesVersion`);
  }
  if (!notice.subject.value.trim()) fail("subject.value is empty");
  const value = notice.subject.value.trim().toLowerCase();
  const versionDependent = Object.entries(SKU_RESOLUTION).some(
    ([sku, rules]) => sku.toLowerCase() === value && rules.some((rule) => rule.from ?? rule.to),
  );
  if (notice.subject.kind === "osSku" && versionDependent) {
    fail(
      `osSku ${notice.subject.value} gives different OS versions by Kubernetes version; name the versioned OS`,
    );
  }
  if (notice.endOfSupport === undefined && notice.imageRemoval === undefined) {
    fail("states neither endOfSupport nor imageRemoval");
  }
  for (const field of NOTICE_FIELDS) {
    const date = notice[field];
    if (date !== undefined && !isIsoDate(date))
      fail(`${field} "${date}" is not a calendar date (YYYY-MM-DD)`);
  }
  if (!/^https:\/\/\S+$/.test(notice.sourceUrl)) fail(`sourceUrl "${notice.sourceUrl}" is not an https URL`);
  if (Number.isNaN(Date.parse(notice.receivedAt)))
    fail(`receivedAt "${notice.receivedAt}" is not an ISO instant`);
}

/** Applies notices to the base in the order received; a redelivered notice (same id) counts once. */
export function resolveCalendar(
  base: readonly CalendarEntry[],
  notices: readonly LifecycleNotice[],
): Calendar {
  const entries = new Map<string, ResolvedEntry>();
  for (const entry of base) {
    const key = subjectKey(entry.subject);
    if (entries.has(key)) throw new Error(`calendar lists ${key} twice`);
    entries.set(key, { ...entry, subject: normalizeSubject(entry.subject), notices: [] });
  }

  const seen = new Set<string>();
  const unique = notices.filter((notice) => {
    checkNotice(notice);
    if (seen.has(notice.id)) return false;
    seen.add(notice.id);
    return true;
  });
  const inOrder = unique
    .map((notice, position) => ({ notice, position }))
    .sort(
      (a, b) => Date.parse(a.notice.receivedAt) - Date.parse(b.notice.receivedAt) || a.position - b.position,
    )
    .map(({ notice }) => notice);

  for (const notice of inOrder) {
    const subject = normalizeSubject(notice.subject);
    const key = subjectKey(subject);
    const entry = entries.get(key) ?? {
      subject,
      label: subject.value,
      sourceUrl: notice.sourceUrl,
      notices: [],
    };
    entries.set(key, applyNotice(entry, notice));
  }
  return { entries: [...entries.values()] };
}

function applyNotice(entry: ResolvedEntry, notice: LifecycleNotice): ResolvedEntry {
  const next: ResolvedEntry = { ...entry };
  const standings = entry.notices.map((standing) => ({ ...standing }));
  const standing: NoticeStanding = { notice, holds: [], superseded: [], explanation: "" };
  for (const field of NOTICE_FIELDS) {
    const date = notice[field];
    if (date === undefined) continue;
    const earlier = standings.find((s) => s.holds.includes(field));
    if (earlier) {
      earlier.holds = earlier.holds.filter((f) => f !== field);
      earlier.superseded = [...earlier.superseded, { field, by: notice.id }];
    }
    const corrected = entry[field];
    next[field] = {
      date,
      sourceUrl: notice.sourceUrl,
      note: notice.note,
      noticeId: notice.id,
      ...(corrected && { supersedes: corrected }),
    };
    standing.holds.push(field);
  }
  next.notices = [...standings, standing].map((s) => ({ ...s, explanation: explainStanding(s) }));
  return next;
}

function explainStanding(standing: NoticeStanding): string {
  const parts = standing.holds.map(
    (field) => `holds for ${field}: the latest notice stating it (received ${standing.notice.receivedAt})`,
  );
  for (const { field, by } of standing.superseded) {
    parts.push(`superseded for ${field} by notice ${by}, received later`);
  }
  return parts.join("; ");
}

export function findEntry(calendar: Calendar, subject: CalendarSubject): ResolvedEntry | undefined {
  const key = subjectKey(subject);
  return calendar.entries.find((entry) => subjectKey(entry.subject) === key);
}

/** The most specific imageFamily entry whose value starts "<family>-<variant>" of the image. */
export function findImageFamilyEntry(
  calendar: Calendar,
  familyAndVariant: string,
): ResolvedEntry | undefined {
  const image = familyAndVariant.toLowerCase();
  return calendar.entries
    .filter(
      (entry) => entry.subject.kind === "imageFamily" && image.startsWith(entry.subject.value.toLowerCase()),
    )
    .sort((a, b) => b.subject.value.length - a.subject.value.length)[0];
}

export type LifecycleState =
  | "supported"
  | "retirement-announced"
  | "nearing-end"
  | "end-of-support"
  | "images-removed";

export const NEARING_END_DAYS = 90;

export interface LifecycleStatus {
  state: LifecycleState;
  endOfSupport?: ResolvedFact;
  imageRemoval?: ResolvedFact;
  daysToEndOfSupport?: number;
  daysToRemoval?: number;
}

/**
 * Where an entry stands at `now`. Kubernetes versions always have an end of life: that is the regular
 * cycle, not a retirement announcement, so they read `supported` until the last 90 days. An entry that
 * states only an image removal (a notice may) retires by that date at the latest, so it counts down to it.
 */
export function lifecycleStatusAt(
  entry: ResolvedEntry,
  now: Date,
  options: { longTermSupport?: boolean } = {},
): LifecycleStatus {
  const endOfSupport =
    options.longTermSupport && entry.ltsEndOfSupport ? entry.ltsEndOfSupport : entry.endOfSupport;
  const { imageRemoval } = entry;
  const daysToEndOfSupport = endOfSupport ? daysUntil(endOfSupport.date, now) : undefined;
  const daysToRemoval = imageRemoval ? daysUntil(imageRemoval.date, now) : undefined;
  const status = (state: LifecycleState): LifecycleStatus => ({
    state,
    ...(endOfSupport && { endOfSupport, daysToEndOfSupport }),
    ...(imageRemoval && { imageRemoval, daysToRemoval }),
  });
  if (daysToRemoval !== undefined && daysToRemoval <= 0) return status("images-removed");
  if (daysToEndOfSupport !== undefined && daysToEndOfSupport <= 0) return status("end-of-support");
  const daysToRetirement = daysToEndOfSupport ?? daysToRemoval;
  if (daysToRetirement === undefined) return status("supported");
  if (daysToRetirement <= NEARING_END_DAYS) return status("nearing-end");
  return status(entry.subject.kind === "kubernetesVersion" ? "supported" : "retirement-announced");
}
