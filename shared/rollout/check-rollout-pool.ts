// Looks at a planned pool's cluster through ARM before the rollout starts it. A cluster ARM refuses to
// read (gone, access withdrawn) is skipped with the reason, as a stopped one is: a rollout goes on without
// it. Throttling, 5xx and network faults are thrown, for the activity's retries and then the rollout to
// handle: a passing fault must not skip a pool for good. The attempt is the pool's next migration; one
// under way already is skipped, not joined.

import type { MigrationRepository } from "../domain/ports/migrations.ts";
import { type PoolOperations, PoolRequestRefused } from "../domain/ports/pool-operations.ts";
import type { PlannedPool } from "../domain/rollout/cluster-check.ts";
import { checkClusterForPool, type RolloutPoolCheck } from "../domain/rollout/cluster-check.ts";
import { nextAttempt } from "../migration/migration-attempts.ts";

export async function checkRolloutPool(
  ports: { pools: PoolOperations; migrations: MigrationRepository },
  input: PlannedPool & { clusterId: string; plannedPools: string[]; endedMigrations: string[] },
): Promise<RolloutPoolCheck> {
  let cluster: Awaited<ReturnType<PoolOperations["readCluster"]>>;
  try {
    cluster = await ports.pools.readCluster(input.clusterId);
  } catch (error) {
    if (!(error instanceof PoolRequestRefused)) throw error;
    return { kind: "skip", why: `ARM refused to read the cluster: ${error.message}`, unplanned: [] };
  }
  const check = checkClusterForPool(cluster, input, input.plannedPools);
  if (check.skip !== undefined) return { kind: "skip", why: check.skip, unplanned: check.unplanned };
  // A record without an outcome counts as under way unless the rollout saw its workflow end (a retry).
  const ended = new Set(input.endedMigrations);
  const attempt = await nextAttempt(ports.migrations, input.clusterId, input.pool, async (id) =>
    ended.has(id) ? "ended, as the rollout saw" : undefined,
  );
  if (attempt.kind === "active") {
    return { kind: "skip", why: `migration ${attempt.id} is under way`, unplanned: check.unplanned };
  }
  return { kind: "ready", attempt: attempt.attempt, unplanned: check.unplanned };
}
