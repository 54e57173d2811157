// A migration's record as its workflow saves it: changes, not the whole record (support/record-changes.ts).

import { appendHistoryLine, applyChange, type Change, MAX_HISTORY } from "../support/record-changes.ts";
import type { HistoryEntry, MigrationRecord } from "./migration-record.ts";

export { appendHistoryLine, MAX_HISTORY };

type RecordFields = Omit<MigrationRecord, "id" | "history" | "revision">;

export type RecordChange = Change<RecordFields, HistoryEntry>;

/** The record after `change`; undefined when `base` already has this revision or a later one. */
export function applyRecordChange(
  base: MigrationRecord | undefined,
  change: RecordChange,
): MigrationRecord | undefined {
  return applyChange("migration", base, change);
}
