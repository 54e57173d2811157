// How lifecycle dates read in reasons: each date with how far it is and the source it comes from.

import type { LifecycleStatus, ResolvedFact } from "./lifecycle-calendar.ts";

export function describeDays(days: number): string {
  if (days === 0) return "today";
  const plural = (n: number) => `${n} day${n === 1 ? "" : "s"}`;
  return days > 0 ? `in ${plural(days)}` : `${plural(-days)} ago`;
}

function describeFact(what: string, fact: ResolvedFact, days: number): string {
  const origin = fact.noticeId ? `notice ${fact.noticeId}, ` : "";
  return `${what} ${fact.date} (${describeDays(days)}; ${origin}${fact.sourceUrl})`;
}

export function describeLifecycle(label: string, status: LifecycleStatus): string {
  const dates: string[] = [];
  if (status.endOfSupport && status.daysToEndOfSupport !== undefined) {
    dates.push(describeFact("end of support", status.endOfSupport, status.daysToEndOfSupport));
  }
  if (status.imageRemoval && status.daysToRemoval !== undefined) {
    dates.push(describeFact("images removed", status.imageRemoval, status.daysToRemoval));
  }
  const detail = dates.length ? `: ${dates.join(", ")}` : ": no end of support announced";
  return `${label} is ${status.state}${detail}`;
}
