// What a running migration tells people (a gate unanswered past its timeout, a stuck drain waiting for a
// decision, a rollback), through the same sinks as lifecycle alerts. The id is stable per notice, so a
// sink de-duplicates the repeat of a send that is retried.

import type { AlertSeverity } from "../alerts/alert-policy.ts";

export interface MigrationNotice {
  /** Stable: the message id and Idempotency-Key sinks de-duplicate on. */
  id: string;
  migrationId: string;
  cluster: string;
  pool: string;
  severity: AlertSeverity;
  /** What happened, in one line ("Gate start unanswered for 24 hours"); the sinks name the pool. */
  title: string;
  /** What it means and what to do. */
  text: string;
  /** Where the migration's status is served, relative to the product's public base URL. */
  statusPath: string;
}

/** Receivers of both alerts and notices tell them apart by `kind` (an alert's is its own kind). */
export const MIGRATION_NOTICE_KIND = "migration";

/** The notice as sinks send it. */
export function migrationNoticeBody(notice: MigrationNotice) {
  return { kind: MIGRATION_NOTICE_KIND, ...notice };
}

/** The HTTP API's path for one migration (GET /api/migrations/{id}). */
export function migrationStatusPath(migrationId: string): string {
  return `/api/migrations/${encodeURIComponent(migrationId)}`;
}
