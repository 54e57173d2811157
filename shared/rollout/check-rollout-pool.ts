// Looks at a planned pool's cluster through ARM before the rollout starts it. A cluster ARM cannot read
// (gone, unreachable, refused) is skipped with the reason, as a stopped one is: a rollout goes on without
// it. The attempt is the pool's next migration; one under way already is skipped, not joined.

import type { MigrationRepository } from "../domain/ports/migrations.ts";
import type { PoolOperations } from "../domain/ports/pool-operations.ts";
import type { PlannedPool } from "../domain/rollout/cluster-check.ts";
import { checkClusterForPool, type RolloutPoolCheck } from "../domain/rollout/cluster-check.ts";
import { nextAttempt } from "../migration/migration-attempts.ts";

export async function checkRolloutPool(
  ports: { pools: PoolOperations; migrations: MigrationRepository },
  input: PlannedPool & { clusterId: string; plannedPools: string[] },
): Promise<RolloutPoolCheck> {
  let cluster: Awaited<ReturnType<PoolOperations["readCluster"]>>;
  try {
    cluster = await ports.pools.readCluster(input.clusterId);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { kind: "skip", why: `cluster unreachable: ${reason}`, unplanned: [] };
  }
  const check = checkClusterForPool(cluster, input, input.plannedPools);
  if (check.skip !== undefined) return { kind: "skip", why: check.skip, unplanned: check.unplanned };
  // A record without an outcome counts as under way: the rollout does not judge another's workflow.
  const attempt = await nextAttempt(ports.migrations, input.clusterId, input.pool, async () => undefined);
  if (attempt.kind === "active") {
    return { kind: "skip", why: `migration ${attempt.id} is under way`, unplanned: check.unplanned };
  }
  return { kind: "ready", attempt: attempt.attempt, unplanned: check.unplanned };
}
