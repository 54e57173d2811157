// The cluster a migration request names: an ARM id is taken as it is (the preflight reads it through ARM);
// a name is looked up in the inventory among the clusters that have the pool, since several subscriptions
// may use the same cluster name.

import { MANAGED_CLUSTER_ID } from "../domain/fleet/model.ts";
import type { InventoryRepository } from "../domain/ports/inventory.ts";

export type ClusterResolution =
  | { kind: "found"; clusterId: string }
  | { kind: "unknown"; reason: string }
  | { kind: "ambiguous"; reason: string; clusterIds: string[] };

export async function resolveCluster(
  inventory: InventoryRepository,
  cluster: string,
  pool: string,
): Promise<ClusterResolution> {
  if (MANAGED_CLUSTER_ID.test(cluster)) return { kind: "found", clusterId: cluster };
  const lowerPool = pool.toLowerCase();
  const known = (await inventory.latestKnownPools({ cluster })).filter(
    (candidate) =>
      candidate.ref.cluster.toLowerCase() === cluster.toLowerCase() &&
      candidate.ref.pool.toLowerCase() === lowerPool,
  );
  const clusterIds = [...new Set(known.map((candidate) => candidate.ref.clusterId))].sort();
  const [only, ...others] = clusterIds;
  if (only === undefined) {
    return {
      kind: "unknown",
      reason: `the inventory knows no cluster named ${cluster} with a pool ${pool}: scan the fleet, or name the cluster by its ARM id`,
    };
  }
  if (others.length > 0) {
    return {
      kind: "ambiguous",
      reason: `${clusterIds.length} clusters named ${cluster} have a pool ${pool}: name the cluster by its ARM id`,
      clusterIds,
    };
  }
  return { kind: "found", clusterId: only };
}
