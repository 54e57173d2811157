// The lifecycle calendar as JSON for GET /api/calendar: every entry with its dates, where each comes
// from (the source, or the notice that set it), the conflicts the base resolved, and every notice about
// the subject with what it still decides and why.

import type {
  Calendar,
  CalendarSubject,
  DatedFact,
  LifecycleState,
  NoticeField,
  ResolvedFact,
  SourceConflict,
} from "../domain/lifecycle/lifecycle-calendar.ts";
import { lifecycleStatusAt } from "../domain/lifecycle/lifecycle-calendar.ts";

export interface CalendarViewNotice {
  id: string;
  receivedAt: string;
  endOfSupport?: string;
  imageRemoval?: string;
  /** A withdrawal: the notice it withdraws. */
  withdraws?: string;
  /** The withdrawal that took this notice's dates out. */
  withdrawnBy?: string;
  sourceUrl: string;
  note: string;
  holds: NoticeField[];
  superseded: { field: NoticeField; by: string }[];
  explanation: string;
}

export interface CalendarViewEntry {
  subject: CalendarSubject;
  label: string;
  state: LifecycleState;
  endOfSupport?: ResolvedFact;
  imageRemoval?: ResolvedFact;
  ltsEndOfSupport?: DatedFact;
  daysToEndOfSupport?: number;
  daysToRemoval?: number;
  sourceUrl: string;
  note?: string;
  /** Every URL behind the entry: its page, each date's source, the conflicting sources and the notices'. */
  sources: string[];
  conflicts: SourceConflict[];
  notices: CalendarViewNotice[];
}

export interface CalendarView {
  generatedAt: string;
  entries: CalendarViewEntry[];
  /** Stored notices the calendar's rules refuse (accepted before the rule existed), left out. */
  setAside: { id: string; receivedAt: string; reason: string }[];
}

export function calendarView(calendar: Calendar, now: Date): CalendarView {
  const entries = calendar.entries.map((entry): CalendarViewEntry => {
    const status = lifecycleStatusAt(entry, now);
    const notices = entry.notices.map(({ notice, holds, superseded, withdrawnBy, explanation }) => ({
      id: notice.id,
      receivedAt: notice.receivedAt,
      ...(notice.endOfSupport !== undefined && { endOfSupport: notice.endOfSupport }),
      ...(notice.imageRemoval !== undefined && { imageRemoval: notice.imageRemoval }),
      ...(notice.withdraws !== undefined && { withdraws: notice.withdraws }),
      ...(withdrawnBy !== undefined && { withdrawnBy }),
      sourceUrl: notice.sourceUrl,
      note: notice.note,
      holds,
      superseded,
      explanation,
    }));
    const urls = [
      entry.sourceUrl,
      ...factSources(entry.endOfSupport),
      ...factSources(entry.imageRemoval),
      entry.ltsEndOfSupport?.sourceUrl,
      ...(entry.conflicts ?? []).map((conflict) => conflict.source),
      ...notices.map((notice) => notice.sourceUrl),
    ];
    return {
      subject: entry.subject,
      label: entry.label,
      state: status.state,
      ...(entry.endOfSupport && { endOfSupport: entry.endOfSupport }),
      ...(entry.imageRemoval && { imageRemoval: entry.imageRemoval }),
      ...(entry.ltsEndOfSupport && { ltsEndOfSupport: entry.ltsEndOfSupport }),
      ...(status.daysToEndOfSupport !== undefined && { daysToEndOfSupport: status.daysToEndOfSupport }),
      ...(status.daysToRemoval !== undefined && { daysToRemoval: status.daysToRemoval }),
      sourceUrl: entry.sourceUrl,
      ...(entry.note !== undefined && { note: entry.note }),
      // Conflicts without a URL name their source in words; only URLs are listed here.
      sources: [
        ...new Set(urls.filter((url): url is string => url !== undefined && /^https:\/\//.test(url))),
      ],
      conflicts: [...(entry.conflicts ?? [])],
      notices,
    };
  });
  const setAside = calendar.setAside.map(({ notice, reason }) => ({
    id: notice.id,
    receivedAt: notice.receivedAt,
    reason,
  }));
  return { generatedAt: now.toISOString(), entries, setAside };
}

/** The fact's source and those of the values it corrected. */
function factSources(fact: ResolvedFact | undefined): string[] {
  return fact ? [fact.sourceUrl, ...factSources(fact.supersedes)] : [];
}
