// One pass of every controller over a cluster, in the order their effects feed each other.

import type { SimCluster } from "../cluster.ts";
import { awaitsDisruptionExpiry, updatePdbStatuses } from "./disruption.ts";
import { syncUnschedulableTaint } from "./nodes.ts";
import { refreshCrashLoops } from "./pods.ts";
import { schedulePending } from "./scheduler.ts";
import { LastLook } from "./unchanged.ts";
import { reconcileDaemonSets, reconcileWorkloads, updateWorkloadStatuses } from "./workloads.ts";

/** Per cluster, the nodes' revision when their unschedulable taints were last brought in line. */
const nodesSynced = new LastLook();

/** Per cluster, the store revision and faults version at which a pass last found nothing to do. */
const settled = new WeakMap<SimCluster, string>();

/** Runs the controllers once; true when they changed anything (another pass may follow). */
export function reconcileOnce(cluster: SimCluster): boolean {
  const before = cluster.store.resourceVersion;
  const inputs = `${before}/${cluster.ctx.faults.version}`;
  // Every tick kicks every cluster: one where nothing changed since a pass that did nothing, and where no
  // controller waits on time, would do nothing again.
  if (settled.get(cluster) === inputs && cluster.crashLooping.size === 0 && !awaitsDisruptionExpiry(cluster))
    return false;
  refreshCrashLoops(cluster);
  if (nodesSynced.changed(cluster, cluster.store.resourceRevision("nodes")))
    for (const node of cluster.store.list("nodes")) syncUnschedulableTaint(cluster, node);
  reconcileWorkloads(cluster);
  if (cluster.takeDaemonSetChanges()) reconcileDaemonSets(cluster);
  schedulePending(cluster);
  updatePdbStatuses(cluster);
  updateWorkloadStatuses(cluster);
  const changed = cluster.store.resourceVersion !== before;
  if (changed) settled.delete(cluster);
  else settled.set(cluster, inputs);
  return changed;
}
