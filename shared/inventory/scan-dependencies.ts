// One cluster's dependency scan: its Kubernetes facts gathered, each pool's migration risk judged by the
// domain and recorded. A cluster that cannot be reached or listed is recorded with its error (on the
// scan's cluster row and as the dependencies' last error, keeping the last good results) and reported as
// failed; only a failure to record throws, so the caller may retry.

import type { DependencyScanOutcome } from "../domain/inventory/scan-steps.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { DependencyRepository } from "../domain/ports/dependencies.ts";
import type { ClusterFactsSource } from "../domain/ports/fleet.ts";
import type { InventoryRepository } from "../domain/ports/inventory.ts";
import { assessPoolMigration } from "../domain/risk/migration-risk.ts";
import type { ClusterFacts } from "../domain/workloads/cluster-facts.ts";

export interface DependencyScanDeps {
  clusterFacts: ClusterFactsSource;
  inventory: InventoryRepository;
  dependencies: DependencyRepository;
  clock: RetryClock;
}

/** A failed dependency scan: the error on the scan's cluster row and as the dependencies' last error. */
export async function recordDependencyFailure(
  deps: Pick<DependencyScanDeps, "inventory" | "dependencies">,
  clusterId: string,
  failure: { scanId: string; at: string; message: string },
): Promise<void> {
  await deps.dependencies.recordDependencyError(clusterId, failure);
  await deps.inventory.recordClusterError(failure.scanId, clusterId, {
    stage: "dependencies",
    message: failure.message,
    at: failure.at,
  });
}

export async function scanClusterDependencies(
  deps: DependencyScanDeps,
  request: { scanId: string; clusterId: string; pools: readonly string[] },
): Promise<DependencyScanOutcome> {
  const { scanId, clusterId } = request;
  let facts: ClusterFacts;
  try {
    facts = await deps.clusterFacts.clusterFacts(clusterId);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = new Date(deps.clock.now()).toISOString();
    await recordDependencyFailure(deps, clusterId, { scanId, at, message });
    return { kind: "failed", clusterId, error: message, recorded: true };
  }
  const risks = request.pools.map((pool) => assessPoolMigration(facts, pool));
  await deps.dependencies.recordDependencies(clusterId, {
    scanId,
    scannedAt: new Date(deps.clock.now()).toISOString(),
    pools: risks,
  });
  return {
    kind: "scanned",
    clusterId,
    nodes: facts.nodes.length,
    pods: facts.pods.length,
    complexPools: risks.filter((risk) => risk.complexity === "complex").map((risk) => risk.pool),
  };
}
