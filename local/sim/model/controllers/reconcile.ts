// One pass of every controller over a cluster, in the order their effects feed each other.

import type { SimCluster } from "../cluster.ts";
import { updatePdbStatuses } from "./disruption.ts";
import { syncUnschedulableTaint } from "./nodes.ts";
import { refreshCrashLoops } from "./pods.ts";
import { schedulePending } from "./scheduler.ts";
import { reconcileDaemonSets, reconcileWorkloads, updateWorkloadStatuses } from "./workloads.ts";

/** Runs the controllers once; true when they changed anything (another pass may follow). */
export function reconcileOnce(cluster: SimCluster): boolean {
  const before = cluster.store.resourceVersion;
  refreshCrashLoops(cluster);
  for (const node of cluster.store.list("nodes")) syncUnschedulableTaint(cluster, node);
  reconcileWorkloads(cluster);
  if (cluster.takeDaemonSetChanges()) reconcileDaemonSets(cluster);
  schedulePending(cluster);
  updatePdbStatuses(cluster);
  updateWorkloadStatuses(cluster);
  return cluster.store.resourceVersion !== before;
}
