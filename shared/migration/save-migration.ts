// Saves what a migration's workflow changed: the stored record with the change applied, unless the
// store has this revision already (the activity ran twice) or a later one.

import { applyRecordChange, type RecordChange } from "../domain/migration/record-changes.ts";
import type { MigrationRepository } from "../domain/ports/migrations.ts";

export async function saveMigrationChange(
  migrations: MigrationRepository,
  change: RecordChange,
): Promise<void> {
  const next = applyRecordChange(await migrations.get(change.id), change);
  if (next) await migrations.save(next);
}
