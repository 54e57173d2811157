// Which attempt a new migration of a pool is: one more than the migrations the pool has had, unless one
// is still under way (a pool migrates once at a time). A record without an outcome whose workflow has
// ended (it stopped before it could write one) is not under way: it would otherwise hold the pool forever.

import type { MigrationRepository } from "../domain/ports/migrations.ts";

/** A migration whose workflow ended without recording an outcome, and how it ended (Failed, ...). */
export interface EndedWithoutOutcome {
  id: string;
  workflow: string;
}

export type NextAttempt =
  | { kind: "next"; attempt: number; endedWithoutOutcome: EndedWithoutOutcome[] }
  | { kind: "active"; id: string };

/** `workflowEnded` tells how a migration's workflow ended, or undefined while it runs (or is unknown). */
export async function nextAttempt(
  migrations: MigrationRepository,
  clusterId: string,
  pool: string,
  workflowEnded: (id: string) => Promise<string | undefined>,
): Promise<NextAttempt> {
  const earlier = await migrations.list({ cluster: clusterId, pool });
  const endedWithoutOutcome: EndedWithoutOutcome[] = [];
  for (const record of earlier.filter((r) => r.outcome === null)) {
    const workflow = await workflowEnded(record.id);
    if (workflow === undefined) return { kind: "active", id: record.id };
    endedWithoutOutcome.push({ id: record.id, workflow });
  }
  return { kind: "next", attempt: earlier.length + 1, endedWithoutOutcome };
}
