// The lifecycle calendar: sourced base entries, corrected and extended by notices that arrive later
// (operators, AKS events through Service Bus). Resolution is a pure function of both, so the calendar can
// always say which statement holds and why.

import { daysUntil, type IsoDate, isIsoDate } from "./calendar-date.ts";
import { SKU_RESOLUTION } from "./data/os-sku-rules.ts";
import { minorLabel, parseKubernetesMinor } from "./kubernetes-version.ts";

export const SUBJECT_KINDS = ["osSku", "imageFamily", "kubernetesVersion"] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

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
  /**
   * Set on a withdrawal, which states no dates: the id of an earlier notice about the same subject whose
   * dates no longer count (the calendar is then as if it had never been received).
   */
  withdraws?: string;
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
  /** The withdrawal that took this notice's dates out of the calendar. */
  withdrawnBy?: string;
  explanation: string;
}

export interface ResolvedEntry extends Omit<CalendarEntry, NoticeField> {
  endOfSupport?: ResolvedFact;
  imageRemoval?: ResolvedFact;
  /** Every notice for this subject, oldest first, with what it still decides. */
  notices: NoticeStanding[];
}

/** A stored notice the calendar's rules refuse (one accepted before the rule existed), with the reason. */
export interface SetAsideNotice {
  notice: LifecycleNotice;
  reason: string;
}

export interface Calendar {
  entries: readonly ResolvedEntry[];
  /** Left out, so that one bad notice cannot stop the calendar. */
  setAside: readonly SetAsideNotice[];
}

const NOTICE_FIELDS: readonly NoticeField[] = ["endOfSupport", "imageRemoval"];

/** AKS's osSku form (AzureLinux3, Ubuntu2204, Windows2022): letters and digits, starting with a letter. */
const OS_SKU_FORM = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** The "<family>-<variant>" start of a node image name (AKSUbuntu-2204gen2fips). */
const IMAGE_FAMILY_FORM = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;

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

/** Why a subject's value names nothing the calendar can hold (it is a name, never a path), if it does not. */
export function subjectValueProblem(subject: CalendarSubject): string | undefined {
  const value = subject.value.trim();
  switch (subject.kind) {
    case "kubernetesVersion":
      return parseKubernetesMinor(value) ? undefined : "expected a Kubernetes version such as 1.33";
    case "imageFamily":
      return IMAGE_FAMILY_FORM.test(value)
        ? undefined
        : "expected the start of a node image name: letters, digits and '-', starting with a letter (AKSUbuntu-2204gen2fips)";
    case "osSku": {
      if (!OS_SKU_FORM.test(value)) {
        return "expected an osSku as AKS names them: letters and digits, starting with a letter (AzureLinux3, Ubuntu2204, Windows2022)";
      }
      const versionDependent = Object.entries(SKU_RESOLUTION).some(
        ([sku, rules]) =>
          sku.toLowerCase() === value.toLowerCase() && rules.some((rule) => rule.from ?? rule.to),
      );
      return versionDependent
        ? `osSku ${value} gives different OS versions by Kubernetes version; name the versioned OS`
        : undefined;
    }
  }
}

/** What is wrong with an image removal before the end of support, if it is (phrased for imageRemoval). */
export function dateOrderProblem(endOfSupport?: IsoDate, imageRemoval?: IsoDate): string | undefined {
  if (endOfSupport === undefined || imageRemoval === undefined || imageRemoval >= endOfSupport)
    return undefined;
  return `must be on or after endOfSupport ${endOfSupport} (images are removed once support has ended)`;
}

/** Why the calendar cannot take a notice, if it cannot: the first rule it breaks. */
export function noticeFormProblem(notice: LifecycleNotice): string | undefined {
  const problem = firstFormProblem(notice);
  return problem && `lifecycle notice ${JSON.stringify(notice.id)}: ${problem}`;
}

function firstFormProblem(notice: LifecycleNotice): string | undefined {
  const { subject, withdraws, endOfSupport, imageRemoval } = notice;
  const dated = endOfSupport !== undefined || imageRemoval !== undefined;
  if (!notice.id) return "id is empty";
  if (!(SUBJECT_KINDS as readonly string[]).includes(subject.kind)) {
    return `subject.kind "${subject.kind}" is not osSku, imageFamily or kubernetesVersion`;
  }
  if (!subject.value.trim()) return "subject.value is empty";
  const subjectProblem = subjectValueProblem(subject);
  if (subjectProblem) return `subject.value ${JSON.stringify(subject.value)}: ${subjectProblem}`;
  if (withdraws === undefined && !dated) return "states neither endOfSupport nor imageRemoval";
  if (withdraws === "") return "withdraws is empty";
  if (withdraws === notice.id) return "withdraws itself";
  if (withdraws !== undefined && dated) return "a withdrawal states no dates";
  for (const field of NOTICE_FIELDS) {
    const date = notice[field];
    if (date !== undefined && !isIsoDate(date))
      return `${field} "${date}" is not a calendar date (YYYY-MM-DD)`;
  }
  const order = dateOrderProblem(endOfSupport, imageRemoval);
  if (order) return `imageRemoval ${imageRemoval}: ${order}`;
  if (!/^https:\/\/\S+$/.test(notice.sourceUrl)) return `sourceUrl "${notice.sourceUrl}" is not an https URL`;
  if (Number.isNaN(Date.parse(notice.receivedAt)))
    return `receivedAt "${notice.receivedAt}" is not an ISO instant`;
  return undefined;
}

/** The notices the calendar can take, once per id (a redelivered notice counts once), in the order received. */
function receiptOrder(notices: readonly LifecycleNotice[]): {
  inOrder: LifecycleNotice[];
  setAside: SetAsideNotice[];
} {
  const seen = new Set<string>();
  const unique: LifecycleNotice[] = [];
  const setAside: SetAsideNotice[] = [];
  for (const notice of notices) {
    const reason = noticeFormProblem(notice);
    if (reason) setAside.push({ notice, reason });
    else if (!seen.has(notice.id)) {
      seen.add(notice.id);
      unique.push(notice);
    }
  }
  const inOrder = unique
    .map((notice, position) => ({ notice, position }))
    .sort(
      (a, b) => Date.parse(a.notice.receivedAt) - Date.parse(b.notice.receivedAt) || a.position - b.position,
    )
    .map(({ notice }) => notice);
  return { inOrder, setAside };
}

interface Withdrawals {
  /** Withdrawn notice id -> the withdrawal that takes it out. */
  withdrawnBy: Map<string, LifecycleNotice>;
  /** Withdrawal id -> why it takes nothing out. */
  refused: Map<string, string>;
}

function weighWithdrawals(inOrder: readonly LifecycleNotice[]): Withdrawals {
  const byId = new Map(inOrder.map((notice) => [notice.id, notice]));
  const withdrawals: Withdrawals = { withdrawnBy: new Map(), refused: new Map() };
  for (const notice of inOrder) {
    if (notice.withdraws === undefined) continue;
    const problem = withdrawalProblem(notice, byId, withdrawals.withdrawnBy);
    if (problem) withdrawals.refused.set(notice.id, problem);
    else withdrawals.withdrawnBy.set(notice.withdraws, notice);
  }
  return withdrawals;
}

/** The first withdrawal of a dated notice about the same subject counts; any other takes nothing out. */
function withdrawalProblem(
  withdrawal: LifecycleNotice,
  byId: ReadonlyMap<string, LifecycleNotice>,
  withdrawnBy: ReadonlyMap<string, LifecycleNotice>,
): string | undefined {
  const id = withdrawal.withdraws as string;
  const target = byId.get(id);
  if (!target) return `no notice ${id} has been accepted`;
  if (target.withdraws !== undefined) {
    return `notice ${id} is itself a withdrawal, which cannot be withdrawn: to state dates again, send a notice`;
  }
  if (subjectKey(target.subject) !== subjectKey(withdrawal.subject)) {
    return `notice ${id} is about ${target.subject.kind} ${target.subject.value}, not ${withdrawal.subject.kind} ${withdrawal.subject.value}`;
  }
  const earlier = withdrawnBy.get(id);
  return earlier && `notice ${id} was withdrawn already, by notice ${earlier.id}`;
}

/**
 * Applies notices to the base in the order received; a redelivered notice (same id) counts once, one that
 * breaks a rule (noticeFormProblem) is set aside. A withdrawn notice decides nothing, as if never
 * received: its fields fall back to the base's or an earlier notice's value, and it adds no subject. It
 * and its withdrawal stay listed on the entry.
 */
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

  const { inOrder, setAside } = receiptOrder(notices);
  const withdrawals = weighWithdrawals(inOrder);
  const inForce = (notice: LifecycleNotice) =>
    notice.withdraws === undefined && !withdrawals.withdrawnBy.has(notice.id);
  for (const notice of inOrder) {
    const subject = normalizeSubject(notice.subject);
    const key = subjectKey(subject);
    const entry =
      entries.get(key) ??
      (inForce(notice)
        ? { subject, label: subject.value, sourceUrl: notice.sourceUrl, notices: [] }
        : undefined);
    // Only withdrawn notices and their withdrawals name this subject so far.
    if (!entry) continue;
    entries.set(key, inForce(notice) ? applyNotice(entry, notice) : listNotice(entry, notice, withdrawals));
  }
  return { entries: [...entries.values()], setAside };
}

/**
 * Why `candidate` cannot join the notices accepted so far, one line per problem: a withdrawal that would
 * take nothing out, or image removal before end of support in the calendar it would make (a notice that
 * states one date is checked against the other as the calendar has it).
 */
export function noticeProblems(
  base: readonly CalendarEntry[],
  accepted: readonly LifecycleNotice[],
  candidate: LifecycleNotice,
): string[] {
  if (candidate.withdraws !== undefined) {
    const { inOrder } = receiptOrder(accepted);
    const byId = new Map(inOrder.map((notice) => [notice.id, notice]));
    const problem = withdrawalProblem(candidate, byId, weighWithdrawals(inOrder).withdrawnBy);
    if (problem) return [`withdraws: ${problem}`];
  }
  const entry = findEntry(resolveCalendar(base, [...accepted, candidate]), candidate.subject);
  const { endOfSupport, imageRemoval } = entry ?? {};
  if (!endOfSupport || !imageRemoval || !dateOrderProblem(endOfSupport.date, imageRemoval.date)) return [];
  const origin = (fact: ResolvedFact) => (fact.noticeId ? `notice ${fact.noticeId}` : "the base calendar");
  const dates =
    `${candidate.subject.kind} ${candidate.subject.value} would lose its images on ${imageRemoval.date} ` +
    `(${origin(imageRemoval)}), before its end of support on ${endOfSupport.date} (${origin(endOfSupport)})`;
  if (candidate.withdraws !== undefined) {
    return [
      `withdraws: without notice ${candidate.withdraws}, ${dates}; send a notice that states both dates instead`,
    ];
  }
  const field = candidate.endOfSupport !== undefined ? "endOfSupport" : "imageRemoval";
  return [
    `${field}: with this notice, ${dates}; images are removed on or after the end of support, so state both dates in one notice to move them past each other`,
  ];
}

type StandingFacts = Omit<NoticeStanding, "explanation">;

function explained(standing: StandingFacts): NoticeStanding {
  const parts = standing.holds.map(
    (field) => `holds for ${field}: the latest notice stating it (received ${standing.notice.receivedAt})`,
  );
  for (const { field, by } of standing.superseded) {
    parts.push(`superseded for ${field} by notice ${by}, received later`);
  }
  return { ...standing, explanation: parts.join("; ") };
}

function applyNotice(entry: ResolvedEntry, notice: LifecycleNotice): ResolvedEntry {
  const next: ResolvedEntry = { ...entry };
  let standings = entry.notices;
  const holds: NoticeField[] = [];
  for (const field of NOTICE_FIELDS) {
    const date = notice[field];
    if (date === undefined) continue;
    standings = standings.map((earlier) =>
      earlier.holds.includes(field)
        ? explained({
            ...earlier,
            holds: earlier.holds.filter((f) => f !== field),
            superseded: [...earlier.superseded, { field, by: notice.id }],
          })
        : earlier,
    );
    const corrected = entry[field];
    next[field] = {
      date,
      sourceUrl: notice.sourceUrl,
      note: notice.note,
      noticeId: notice.id,
      ...(corrected && { supersedes: corrected }),
    };
    holds.push(field);
  }
  next.notices = [...standings, explained({ notice, holds, superseded: [] })];
  return next;
}

/** A withdrawn notice or a withdrawal: listed with what became of it, deciding no date. */
function listNotice(entry: ResolvedEntry, notice: LifecycleNotice, withdrawals: Withdrawals): ResolvedEntry {
  const withdrawal = withdrawals.withdrawnBy.get(notice.id);
  const refused = withdrawals.refused.get(notice.id);
  const standing: NoticeStanding = {
    notice,
    holds: [],
    superseded: [],
    ...(withdrawal && { withdrawnBy: withdrawal.id }),
    explanation: withdrawal
      ? `withdrawn by notice ${withdrawal.id} (received ${withdrawal.receivedAt}): its dates no longer count`
      : refused
        ? `takes nothing out: ${refused}`
        : `withdraws notice ${notice.withdraws}: its dates no longer count`,
  };
  return { ...entry, notices: [...entry.notices, standing] };
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

const NEARING_END_DAYS = 90;

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
