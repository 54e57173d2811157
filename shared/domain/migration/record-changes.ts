// A migration's record changes a little at each step: the workflow sends what changed (fields set, history
// lines added) rather than the whole record, so its Durable history does not grow with the record at
// every save. Both sides keep the history alike with the same line-by-line rule.

import type { HistoryEntry, MigrationRecord } from "./migration-record.ts";

/** Lines a record's history keeps, and how many of the oldest go at once when it is full. */
export const MAX_HISTORY = 400;
const HISTORY_DROP = 100;
const LEFT_OUT = /^(\d+) earlier lines left out/;

export type RecordFields = Omit<MigrationRecord, "id" | "history" | "revision">;

export interface RecordChange {
  id: string;
  revision: number;
  /** Fields whose value changed since the last change (every field in the first). */
  set: Partial<RecordFields>;
  /** History lines added since the last change, oldest first. */
  append: HistoryEntry[];
}

/**
 * Adds a line; when the history is full, the oldest lines after the first go, counted in one line
 * (the audit log keeps every step).
 */
export function appendHistoryLine(history: HistoryEntry[], entry: HistoryEntry): void {
  history.push(entry);
  if (history.length <= MAX_HISTORY) return;
  const marker = LEFT_OUT.exec(history[1]?.event ?? "");
  const dropped = history.splice(1, HISTORY_DROP);
  const count = (marker ? Number(marker[1]) - 1 : 0) + dropped.length;
  const at = dropped.at(-1)?.at ?? entry.at;
  history.splice(1, 0, {
    at,
    phase: entry.phase,
    event: `${count} earlier lines left out (the audit log has every step)`,
  });
}

/** The record after `change`; undefined when `base` already has this revision or a later one. */
export function applyRecordChange(
  base: MigrationRecord | undefined,
  change: RecordChange,
): MigrationRecord | undefined {
  if (base && base.revision >= change.revision) return undefined;
  if (!base && change.revision !== 1) {
    throw new Error(`migration ${change.id} has no record to apply revision ${change.revision} to`);
  }
  const history = [...(base?.history ?? [])];
  for (const entry of change.append) appendHistoryLine(history, entry);
  return {
    ...(base as MigrationRecord),
    ...change.set,
    id: change.id,
    history,
    revision: change.revision,
  } as MigrationRecord;
}
