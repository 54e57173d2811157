// Which attempt a new migration of a pool is: one more than the migrations the pool has had, unless one
// is still under way (a pool migrates once at a time).

import type { MigrationRepository } from "../domain/ports/migrations.ts";

export type NextAttempt = { kind: "next"; attempt: number } | { kind: "active"; id: string };

export async function nextAttempt(
  migrations: MigrationRepository,
  clusterId: string,
  pool: string,
): Promise<NextAttempt> {
  const earlier = await migrations.list({ cluster: clusterId, pool });
  const active = earlier.find((record) => record.outcome === null);
  if (active) return { kind: "active", id: active.id };
  return { kind: "next", attempt: earlier.length + 1 };
}
