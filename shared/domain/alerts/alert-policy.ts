// Which lifecycle alerts to send, as a pure function of what was sent before, today's findings and
// `now`. Each (pool, subject) pair is a track that passes through stages: 90/60/30/14/7/1 days before
// end of support and before image removal, and each date itself. A date is the first day its event
// holds (calendar-date.ts), so the "passed" stage is reached on the date, and "N days before" once
// N or fewer days remain.
//
// Rules, per track and run (at most one alert per track and run):
// - Newly crossed stages produce one alert, for the most advanced of them; all of them are recorded as
//   done, so none is missed and none repeats.
// - While past end of support (or past image removal when no end of support is known) a reminder goes
//   out every 7 days from that date, until the pool is migrated (its track stops getting findings).
//   Image removal does not stop it: the pool is then worse off, unable to scale or be reimaged. A stage
//   or correction alert in the same run stands in for that week's reminder.
// - A corrected date (a later notice moves it, withdraws it or announces one) produces one
//   `dates-changed` alert that also states the current stage. Stages crossed under the new dates are
//   recorded as covered by it; stages not yet crossed under the new dates are armed again and fire when
//   crossed. A date moved later thus re-arms its earlier thresholds under the new date.
// - Ids are deterministic: track + stage + the date it was computed against (reminders: the day the
//   reminder fell due; corrections: a revision counter and the new dates). The state keeps every id
//   sent or covered per track (without the track's key) and never emits one twice, so sinks can
//   deduplicate on it as well.
// - A track with no finding in a run (a cluster the scan could not reach) keeps its state unchanged.

import { type PoolRef, poolKey } from "../fleet/model.ts";
import { daysUntil, type IsoDate, isIsoDate, utcDayOf, utcMidnight } from "../lifecycle/calendar-date.ts";
import { type DatedFact, subjectKey } from "../lifecycle/lifecycle-calendar.ts";
import { describeDays } from "../lifecycle/lifecycle-text.ts";
import type { PoolAssessment, PoolState, SubjectAssessment } from "../lifecycle/pool-assessment.ts";

export type Deadline = "end-of-support" | "image-removal";
export const THRESHOLD_DAYS: readonly number[] = [90, 60, 30, 14, 7, 1];
export const REMINDER_INTERVAL_DAYS = 7;
const DAY_MS = 86_400_000;

export interface AlertFinding {
  pool: PoolRef;
  /** Stable identity of what retires: subjectKey() of the calendar subject, e.g. "osSku:azurelinux2". */
  subject: string;
  /** How people call it, e.g. "Azure Linux 2.0". */
  label: string;
  state: PoolState;
  endOfSupport?: Pick<DatedFact, "date" | "sourceUrl">;
  imageRemoval?: Pick<DatedFact, "date" | "sourceUrl">;
  recommendedTarget?: string;
}

export interface TrackState {
  /** The dates the recorded stages were computed against. */
  endOfSupport?: IsoDate;
  imageRemoval?: IsoDate;
  /** Bumped on each date correction; part of the correction alert's id. */
  revision: number;
  /**
   * Ids of every alert sent or covered on this track, without the track's key: from the "|" on, as
   * stages' suffixes are, so tens of thousands of tracks are checked without forming each id (a set:
   * written sorted, kept as read when unchanged).
   */
  done: string[];
}

export interface AlertState {
  version: 1;
  /** By track key: `${poolKey}#${subject}`. */
  tracks: Record<string, TrackState>;
}

export const EMPTY_ALERT_STATE: AlertState = { version: 1, tracks: {} };

export type AlertKind = "stage" | "reminder" | "dates-changed";
export type AlertSeverity = "info" | "warning" | "critical";

/** An alert carries the finding it is about, as it stood when the alert was decided. */
export interface LifecycleAlert extends AlertFinding {
  id: string;
  kind: AlertKind;
  /** The most advanced stage reached, e.g. "image-removal-30d" or "end-of-support-passed". */
  stage?: string;
  severity: AlertSeverity;
  poolKey: string;
  daysToEndOfSupport?: number;
  daysToRemoval?: number;
  /** dates-changed only: the dates before the correction. */
  previous?: { endOfSupport?: IsoDate; imageRemoval?: IsoDate };
  /** Ids this alert stands for: stages crossed together, a reminder it replaces. */
  covers: string[];
  message: string;
}

export interface AlertDecision {
  alerts: LifecycleAlert[];
  state: AlertState;
}

interface Stage {
  deadline: Deadline;
  /** 0 for the date itself. */
  daysBefore: number;
  date: IsoDate;
  name: string;
  /** The stage's id without its track's key: `|${name}|${date}`. */
  suffix: string;
  /** UTC day number on which the stage is reached; orders stages by how advanced they are. */
  reachedOnDay: number;
}

/**
 * The start of the track keys of one subscription's pools ("/subscriptions/<id>/"): a fleet's alerts are
 * decided a subscription at a time, reading only its tracks.
 */
export function subscriptionTracks(pool: Pick<PoolRef, "clusterId">): string {
  const [, subscriptions, id] = pool.clusterId.toLowerCase().split("/");
  return `/${subscriptions}/${id}/`;
}

export function trackKey(finding: Pick<AlertFinding, "pool" | "subject">): string {
  return `${poolKey(finding.pool)}#${finding.subject}`;
}

export function stageName(deadline: Deadline, daysBefore: number): string {
  return daysBefore === 0 ? `${deadline}-passed` : `${deadline}-${daysBefore}d`;
}

function stagesOf(deadline: Deadline, date: IsoDate | undefined): Stage[] {
  if (date === undefined) return [];
  const day = utcMidnight(date) / DAY_MS;
  return [...THRESHOLD_DAYS, 0].map((daysBefore) => {
    const name = stageName(deadline, daysBefore);
    return { deadline, daysBefore, date, name, suffix: `|${name}|${date}`, reachedOnDay: day - daysBefore };
  });
}

/** What a track's dates give at `now`, ids without the track's key: the same for every track with them. */
interface DatesAtNow {
  crossed: Stage[];
  reminderSuffix: string | undefined;
}

/** Per run: a fleet's tens of thousands of tracks share a handful of date pairs. */
function datesAtNow(
  known: Map<string, DatesAtNow>,
  eos: IsoDate | undefined,
  removal: IsoDate | undefined,
  now: Date,
): DatesAtNow {
  const key = `${eos}|${removal}`;
  let dates = known.get(key);
  if (dates === undefined) {
    dates = { crossed: crossedStages(eos, removal, now), reminderSuffix: dueReminder(eos, removal, now) };
    known.set(key, dates);
  }
  return dates;
}

/** Least advanced first; on the same day image removal outranks end of support. */
function compareStages(a: Stage, b: Stage): number {
  return (
    a.reachedOnDay - b.reachedOnDay ||
    (a.deadline === b.deadline ? 0 : a.deadline === "image-removal" ? 1 : -1)
  );
}

function crossedStages(eos: IsoDate | undefined, removal: IsoDate | undefined, now: Date): Stage[] {
  return [...stagesOf("end-of-support", eos), ...stagesOf("image-removal", removal)]
    .filter((stage) => daysUntil(stage.date, now) <= stage.daysBefore)
    .sort(compareStages);
}

function addDays(date: IsoDate, days: number): IsoDate {
  return utcDayOf(new Date(utcMidnight(date) + days * DAY_MS));
}

/** The id suffix of the reminder due at `now`, if past the anchor date by at least one interval. */
function dueReminder(eos: IsoDate | undefined, removal: IsoDate | undefined, now: Date): string | undefined {
  const anchor = eos ?? removal;
  if (anchor === undefined) return undefined;
  const weeks = Math.floor(-daysUntil(anchor, now) / REMINDER_INTERVAL_DAYS);
  if (weeks < 1) return undefined;
  const deadline: Deadline = eos !== undefined ? "end-of-support" : "image-removal";
  const dueOn = addDays(anchor, weeks * REMINDER_INTERVAL_DAYS);
  return `|${deadline}-reminder|${dueOn}`;
}

function severityOf(stage: Stage | undefined): AlertSeverity {
  if (stage === undefined || stage.daysBefore > 30) return "info";
  return stage.daysBefore > 7 ? "warning" : "critical";
}

function checkFinding(finding: AlertFinding): void {
  for (const field of ["endOfSupport", "imageRemoval"] as const) {
    const date = finding[field]?.date;
    if (date !== undefined && !isIsoDate(date)) {
      throw new Error(
        `alert finding for ${poolKey(finding.pool)} (${finding.subject}): ${field}.date "${date}" is not a calendar date (YYYY-MM-DD)`,
      );
    }
  }
  if (!finding.subject) throw new Error(`alert finding for ${poolKey(finding.pool)}: subject is empty`);
}

export function evaluateAlerts(
  previous: AlertState,
  findings: readonly AlertFinding[],
  now: Date,
): AlertDecision {
  if (Number.isNaN(now.getTime())) throw new Error("evaluateAlerts: now is not a valid date");
  const tracks: Record<string, TrackState> = { ...previous.tracks };
  const alerts: LifecycleAlert[] = [];
  const seen = new Set<string>();
  // Keys formed once, not at each comparison: a fleet's findings number in the tens of thousands.
  const keyed = findings.map((finding) => ({ finding, key: trackKey(finding) }));
  const dates = new Map<string, DatesAtNow>();
  // By code unit, as the stores order keys: a locale's collation costs several times as much per comparison.
  for (const { finding, key } of keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))) {
    checkFinding(finding);
    if (seen.has(key)) throw new Error(`two alert findings for the same pool and subject: ${key}`);
    seen.add(key);
    const { alert, track } = evaluateTrack(key, previous.tracks[key], finding, now, dates);
    tracks[key] = track;
    if (alert) alerts.push(alert);
  }
  return { alerts, state: { version: 1, tracks } };
}

function evaluateTrack(
  key: string,
  before: TrackState | undefined,
  finding: AlertFinding,
  now: Date,
  known: Map<string, DatesAtNow>,
) {
  const eos = finding.endOfSupport?.date;
  const removal = finding.imageRemoval?.date;
  const changed = before !== undefined && (before.endOfSupport !== eos || before.imageRemoval !== removal);
  const revision = (before?.revision ?? 0) + (changed ? 1 : 0);
  const { crossed, reminderSuffix } = datesAtNow(known, eos, removal, now);
  const done = new Set(before?.done ?? []);
  const fresh = crossed.filter((stage) => !done.has(stage.suffix));
  const reminder = reminderSuffix && !done.has(reminderSuffix) ? reminderSuffix : undefined;

  let sent: { alert: LifecycleAlert; suffixes: string[] } | undefined;
  const context = { key, finding, now };
  if (changed) {
    const suffix = `|dates-changed|r${revision}|${eos ?? "none"}|${removal ?? "none"}`;
    const previousDates = { endOfSupport: before?.endOfSupport, imageRemoval: before?.imageRemoval };
    sent = buildAlert(context, "dates-changed", suffix, crossed.at(-1), fresh, previousDates);
  } else if (fresh.length > 0) {
    const top = fresh.at(-1) as Stage;
    sent = buildAlert(context, "stage", top.suffix, top, fresh);
  } else if (reminder) {
    sent = buildAlert(context, "reminder", reminder, crossed.at(-1), []);
  }
  // Nothing sent, dates as they were: the track stays as it is (the same object, so nothing is rewritten).
  if (before !== undefined && !changed && sent === undefined) return { alert: undefined, track: before };
  if (sent && reminder && !sent.suffixes.includes(reminder)) {
    sent.alert.covers.push(key + reminder);
    sent.suffixes.push(reminder);
  }
  for (const suffix of sent?.suffixes ?? []) done.add(suffix);

  const track: TrackState = {
    ...(eos !== undefined && { endOfSupport: eos }),
    ...(removal !== undefined && { imageRemoval: removal }),
    revision,
    done: [...done].sort(),
  };
  return { alert: sent?.alert, track };
}

/** The alert with id `key + suffix`, and the suffixes of its id and of what it covers, done once sent. */
function buildAlert(
  context: { key: string; finding: AlertFinding; now: Date },
  kind: AlertKind,
  suffix: string,
  stage: Stage | undefined,
  covered: Stage[],
  previous?: { endOfSupport?: IsoDate; imageRemoval?: IsoDate },
): { alert: LifecycleAlert; suffixes: string[] } {
  const { finding, now } = context;
  const daysToEndOfSupport = finding.endOfSupport && daysUntil(finding.endOfSupport.date, now);
  const daysToRemoval = finding.imageRemoval && daysUntil(finding.imageRemoval.date, now);
  const severity: AlertSeverity =
    kind === "reminder"
      ? "critical"
      : kind === "dates-changed" && stage === undefined
        ? "warning"
        : severityOf(stage);
  const alert: LifecycleAlert = {
    ...finding,
    id: context.key + suffix,
    kind,
    ...(stage && { stage: stage.name }),
    severity,
    poolKey: poolKey(finding.pool),
    ...(daysToEndOfSupport !== undefined && { daysToEndOfSupport }),
    ...(daysToRemoval !== undefined && { daysToRemoval }),
    ...(previous && { previous }),
    covers: covered.map((s) => context.key + s.suffix),
    message: alertMessage(kind, finding, now, previous),
  };
  return { alert, suffixes: [suffix, ...covered.map((s) => s.suffix)] };
}

function describeDate(what: string, date: IsoDate | undefined, now: Date): string | undefined {
  return date === undefined ? undefined : `${what} ${date} (${describeDays(daysUntil(date, now))})`;
}

function alertMessage(
  kind: AlertKind,
  finding: AlertFinding,
  now: Date,
  previous?: { endOfSupport?: IsoDate; imageRemoval?: IsoDate },
): string {
  const where = `${finding.label} on pool ${finding.pool.pool} of cluster ${finding.pool.cluster}`;
  const dates = [
    describeDate("end of support", finding.endOfSupport?.date, now),
    describeDate("images removed", finding.imageRemoval?.date, now),
  ].filter((text) => text !== undefined);
  const lead = {
    stage: `${where} is ${finding.state}`,
    reminder: `Reminder: ${where} is still ${finding.state}`,
    "dates-changed": `${where}: lifecycle dates changed (were end of support ${previous?.endOfSupport ?? "none"}, images removed ${previous?.imageRemoval ?? "none"})`,
  }[kind];
  const target = finding.recommendedTarget ? ` Recommended target: ${finding.recommendedTarget}.` : "";
  const sources = [
    ...new Set(
      [finding.endOfSupport?.sourceUrl, finding.imageRemoval?.sourceUrl].filter((url) => url !== undefined),
    ),
  ];
  const sourceText = sources.length > 0 ? ` Source: ${sources.join(", ")}.` : "";
  return `${lead}: ${dates.length > 0 ? dates.join(", ") : "no dates announced"}.${target}${sourceText}`;
}

/** One finding per subject of a pool assessment (OS image and Kubernetes version). */
export function alertFindings(assessment: PoolAssessment): AlertFinding[] {
  const subjects: Array<[SubjectAssessment, string | undefined]> = [
    [assessment.os, assessment.recommendation?.osSku],
    [assessment.kubernetes, undefined],
  ];
  return subjects.flatMap(([subject, recommendedTarget]) => {
    if (subject.subject === undefined) return [];
    const { kind, value } = subject.subject;
    // The image family whose dates apply is named beside the OS it refines, as before it refined it.
    const refined = subject.refinedBy ? ` (${subject.refinedBy.value})` : "";
    return [
      {
        pool: assessment.ref,
        subject: subjectKey(subject.subject),
        label: kind === "kubernetesVersion" ? `Kubernetes ${value}` : `${value}${refined}`,
        state: subject.state,
        ...(subject.status?.endOfSupport && { endOfSupport: subject.status.endOfSupport }),
        ...(subject.status?.imageRemoval && { imageRemoval: subject.status.imageRemoval }),
        ...(recommendedTarget && { recommendedTarget }),
      },
    ];
  });
}

/**
 * Reads a stored state back, failing with what is wrong rather than alerting from a corrupt state. Done
 * ids must be relative to their track already (TrackState): full ids would match no stage.
 */
export function parseAlertState(value: unknown): AlertState {
  const fail = (problem: string): never => {
    throw new Error(`alert state: ${problem}`);
  };
  if (typeof value !== "object" || value === null) return fail("is not an object");
  const { version, tracks } = value as { version?: unknown; tracks?: unknown };
  if (version !== 1) fail(`version ${JSON.stringify(version)} is not supported (expected 1)`);
  if (typeof tracks !== "object" || tracks === null) return fail("tracks is not an object");
  for (const [key, track] of Object.entries(tracks)) {
    const t = track as Partial<TrackState> | null;
    if (typeof t !== "object" || t === null) fail(`track ${key} is not an object`);
    if (!Number.isInteger(t?.revision)) fail(`track ${key}: revision is not an integer`);
    if (!Array.isArray(t?.done) || !t.done.every((id) => typeof id === "string")) {
      fail(`track ${key}: done is not a list of ids`);
    }
    for (const field of ["endOfSupport", "imageRemoval"] as const) {
      const date = t?.[field];
      if (date !== undefined && (typeof date !== "string" || !isIsoDate(date))) {
        fail(`track ${key}: ${field} ${JSON.stringify(date)} is not a calendar date`);
      }
    }
  }
  return value as AlertState;
}
