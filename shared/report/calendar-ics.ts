// The lifecycle calendar as iCalendar (RFC 5545) for Outlook and other clients: one all-day event per
// affected pool group, that is per subject (OS image or Kubernetes version), deadline (end of support,
// image removal) and date, listing the pools it hits. UIDs depend on subject and deadline, not the date:
// when a notice moves a date, a re-imported or subscribed calendar moves the event instead of keeping a
// stale one; SEQUENCE counts the notices that set the date and the withdrawals of them, so it only grows. Text is escaped, lines folded at 75 octets
// and ended with CRLF, as the RFC requires.

import type { PoolRef } from "../domain/fleet/model.ts";
import { utcMidnight } from "../domain/lifecycle/calendar-date.ts";
import {
  type Calendar,
  type CalendarSubject,
  findEntry,
  type NoticeField,
  type ResolvedEntry,
  type ResolvedFact,
  subjectKey,
} from "../domain/lifecycle/lifecycle-calendar.ts";
import type { PoolAssessment, PoolState, SubjectAssessment } from "../domain/lifecycle/pool-assessment.ts";
import { sha256 } from "../domain/support/sha256.ts";

export type IcsDeadline = "end-of-support" | "image-removal";

export interface PoolGroupEvent {
  uid: string;
  subject: CalendarSubject;
  label: string;
  deadline: IcsDeadline;
  fact: ResolvedFact;
  sequence: number;
  pools: { ref: PoolRef; state: PoolState }[];
}

const PRODID = "-//aks-image-lifecycle//Lifecycle calendar//EN";
const UID_DOMAIN = "aks-image-lifecycle";
const MAX_LINE_OCTETS = 75;
const DAY_MS = 86_400_000;

const MEANING: Record<IcsDeadline, { title: string; effect: string }> = {
  "end-of-support": {
    title: "end of support",
    effect: "From this day: no security patches, and no new pools on it.",
  },
  "image-removal": {
    title: "node images removed",
    effect: "From this day the node images are gone: pools on it can no longer scale or be reimaged.",
  },
};

/** Pools grouped by what retires, which deadline and on which date; earliest first. */
export function poolGroupEvents(calendar: Calendar, pools: readonly PoolAssessment[]): PoolGroupEvent[] {
  const groups = new Map<string, PoolGroupEvent>();
  const add = (
    assessment: PoolAssessment,
    subject: SubjectAssessment,
    deadline: IcsDeadline,
    fact?: ResolvedFact,
  ) => {
    // The image family's own entry where one refines the OS's: its label, dates and notices.
    const calendarSubject = subject.refinedBy ?? subject.subject;
    if (!calendarSubject || !fact) return;
    const entry = findEntry(calendar, calendarSubject);
    const variant = deadlineVariant(entry, deadline, fact);
    const key = `${subjectKey(calendarSubject)}|${variant}|${fact.date}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        uid: `${sha256(`${subjectKey(calendarSubject)}|${variant}`).slice(0, 32)}@${UID_DOMAIN}`,
        subject: calendarSubject,
        label: entry?.label ?? calendarSubject.value,
        deadline,
        fact,
        sequence: entry ? noticesSetting(entry, deadline) : 0,
        pools: [],
      };
      groups.set(key, group);
    }
    group.pools.push({ ref: assessment.ref, state: assessment.state });
  };
  for (const assessment of pools) {
    add(assessment, assessment.os, "end-of-support", assessment.os.status?.endOfSupport);
    add(assessment, assessment.os, "image-removal", assessment.os.status?.imageRemoval);
    add(assessment, assessment.kubernetes, "end-of-support", assessment.kubernetes.status?.endOfSupport);
  }
  return [...groups.values()]
    .map((group) => ({
      ...group,
      uid: uniqueUid(group, groups.values(), calendar),
      pools: group.pools.sort((a, b) => poolName(a.ref).localeCompare(poolName(b.ref))),
    }))
    .sort(
      (a, b) =>
        a.fact.date.localeCompare(b.fact.date) ||
        a.label.localeCompare(b.label) ||
        a.deadline.localeCompare(b.deadline),
    );
}

/**
 * Pools assessed against an older calendar (carried forward from an earlier scan) may still show a date
 * the calendar has moved since: the group on the calendar's current date keeps the UID, others get the
 * date in theirs, so no two events of one calendar share a UID.
 */
function uniqueUid(group: PoolGroupEvent, all: Iterable<PoolGroupEvent>, calendar: Calendar): string {
  const sharing = [...all].filter((other) => other.uid === group.uid);
  if (sharing.length === 1) return group.uid;
  const entry = findEntry(calendar, group.subject);
  const current =
    group.deadline === "image-removal"
      ? [entry?.imageRemoval?.date]
      : [entry?.endOfSupport?.date, entry?.ltsEndOfSupport?.date];
  return current.includes(group.fact.date) ? group.uid : group.uid.replace("@", `-${group.fact.date}@`);
}

/** Long-term support ends on another date than the community end: a distinct event of the same subject. */
function deadlineVariant(
  entry: ResolvedEntry | undefined,
  deadline: IcsDeadline,
  fact: ResolvedFact,
): string {
  const lts = entry?.ltsEndOfSupport;
  return deadline === "end-of-support" &&
    lts &&
    fact.date === lts.date &&
    fact.date !== entry.endOfSupport?.date
    ? "lts-end-of-support"
    : deadline;
}

/** Every notice that set the date, and every withdrawal of one: each moved it, so clients must take it. */
function noticesSetting(entry: ResolvedEntry, deadline: IcsDeadline): number {
  const field: NoticeField = deadline === "end-of-support" ? "endOfSupport" : "imageRemoval";
  return entry.notices
    .filter((standing) => standing.notice[field] !== undefined)
    .reduce((count, standing) => count + (standing.withdrawnBy === undefined ? 1 : 2), 0);
}

function poolName(ref: PoolRef): string {
  return `${ref.cluster}/${ref.pool}`;
}

export interface CalendarIcsOptions {
  /** DTSTAMP: when this calendar was generated. */
  now: Date;
  name?: string;
}

export function renderCalendarIcs(events: readonly PoolGroupEvent[], options: CalendarIcsOptions): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    `PRODID:${PRODID}`,
    "CALSCALE:GREGORIAN",
    "METHOD:PUBLISH",
    `X-WR-CALNAME:${escapeText(options.name ?? "AKS node image and Kubernetes lifecycle")}`,
    ...events.flatMap((event) => eventLines(event, options.now)),
    "END:VCALENDAR",
  ];
  return lines.map(foldLine).join("\r\n").concat("\r\n");
}

function eventLines(event: PoolGroupEvent, now: Date): string[] {
  const meaning = MEANING[event.deadline];
  const count = `${event.pools.length} pool${event.pools.length === 1 ? "" : "s"}`;
  const description = [
    `${event.label}: ${meaning.title} on ${event.fact.date}.`,
    meaning.effect,
    "",
    `Affected pools (${count}):`,
    ...event.pools.map(
      ({ ref, state }) =>
        `- ${poolName(ref)} (${state}; resource group ${ref.resourceGroup}, subscription ${ref.subscriptionId})`,
    ),
    "",
    `Source: ${event.fact.sourceUrl}`,
    ...(event.fact.noticeId ? [`Date set by notice ${event.fact.noticeId}.`] : []),
    ...(event.fact.note ? [event.fact.note] : []),
  ].join("\n");
  return [
    "BEGIN:VEVENT",
    `UID:${event.uid}`,
    `DTSTAMP:${utcStamp(now)}`,
    `DTSTART;VALUE=DATE:${basicDate(utcMidnight(event.fact.date))}`,
    `DTEND;VALUE=DATE:${basicDate(utcMidnight(event.fact.date) + DAY_MS)}`,
    `SEQUENCE:${event.sequence}`,
    `SUMMARY:${escapeText(`${event.label}: ${meaning.title} (${count})`)}`,
    `DESCRIPTION:${escapeText(description)}`,
    `URL:${event.fact.sourceUrl}`,
    `CATEGORIES:${["AKS", meaning.title].map(escapeText).join(",")}`,
    "TRANSP:TRANSPARENT",
    "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE",
    "X-MICROSOFT-CDO-BUSYSTATUS:FREE",
    "END:VEVENT",
  ];
}

function basicDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll("-", "");
}

function utcStamp(instant: Date): string {
  return `${instant.toISOString().slice(0, 19).replaceAll("-", "").replaceAll(":", "")}Z`;
}

/** TEXT values (RFC 5545 3.3.11): backslash, semicolon and comma escaped, line breaks as \n. */
export function escapeText(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/;/g, "\\;")
    .replace(/,/g, "\\,")
    .replace(/\r\n|\r|\n/g, "\\n");
}

/** Folds a content line at 75 octets (RFC 5545 3.1) without splitting a UTF-8 character. */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = "";
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, "utf8");
    // Continuation lines begin with a space, which counts toward their 75 octets.
    if (octets + size > MAX_LINE_OCTETS) {
      parts.push(current);
      current = " ";
      octets = 1;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join("\r\n");
}
