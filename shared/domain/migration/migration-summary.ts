// What the close of a migration reports from its record: how long each phase took.

import type { HistoryEntry } from "./migration-record.ts";

/**
 * Seconds per phase: each history entry's phase lasts until the next entry, the last one until `end`.
 * Phases appear in the order first entered; a phase entered twice (a resumed drain) adds up.
 */
export function phaseDurations(history: readonly HistoryEntry[], end: string): Record<string, number> {
  const instant = (iso: string): number => {
    const ms = Date.parse(iso);
    if (Number.isNaN(ms)) throw new Error(`migration history time "${iso}" is not an instant`);
    return ms;
  };
  const seconds: Record<string, number> = {};
  history.forEach((entry, i) => {
    const until = instant(history[i + 1]?.at ?? end);
    const spent = Math.max(0, until - instant(entry.at)) / 1000;
    seconds[entry.phase] = (seconds[entry.phase] ?? 0) + spent;
  });
  return seconds;
}
