// One look at the seed's rollback signals on the watched pools' nodes: nodes NotReady, container
// restarts per node, pods Pending (unbound, or bound to a watched node) and since when, daemonset pods
// failing. The domain's health watch turns successive looks into a verdict.

import type { HealthObservation } from "../domain/migration/health-signals.ts";
import { failureOf, isNodeReady, isoOf, restartsOf } from "../domain/migration/pod-health.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { NodeOperations } from "../domain/ports/node-operations.ts";
import type { KubeNode } from "../domain/workloads/cluster-facts.ts";
import { controllerOf, nameOf, namespaceOf, poolOfNode } from "../domain/workloads/kube-objects.ts";

export async function observeHealth(
  { nodes: kube, clock }: { nodes: NodeOperations; clock: RetryClock },
  request: { clusterId: string; pools: string[] },
): Promise<HealthObservation> {
  const watchedPools = new Set(request.pools.map((pool) => pool.toLowerCase()));
  const [nodes, pods] = await Promise.all([kube.nodes(request.clusterId), kube.pods(request.clusterId)]);
  const watched = nodes.filter((node) => watchedPools.has(poolOfNode(node)?.toLowerCase() ?? ""));
  const watchedNames = new Set(watched.map((node) => nameOf(node.metadata)));
  const restartsByNode: Record<string, number> = {};
  for (const name of watchedNames) restartsByNode[name] = 0;
  const pendingPods: HealthObservation["pendingPods"] = [];
  const failingDaemonSetPods: string[] = [];
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    const name = `${namespaceOf(pod.metadata)}/${nameOf(pod.metadata)}`;
    if (pod.status?.phase === "Pending" && (node === undefined || node === "" || watchedNames.has(node))) {
      pendingPods.push({
        pod: name,
        since: isoOf(pod.metadata?.creationTimestamp) ?? new Date(clock.now()).toISOString(),
      });
    }
    if (node === undefined || !watchedNames.has(node)) continue;
    restartsByNode[node] = (restartsByNode[node] ?? 0) + restartsOf(pod);
    const failure = controllerOf(pod)?.kind === "DaemonSet" ? failureOf(pod) : undefined;
    if (failure !== undefined) failingDaemonSetPods.push(`${name} on ${node}: ${failure}`);
  }
  const notReady = watched.filter((node) => !isNodeReady(node));
  const joining = notReady.flatMap((node) => {
    const since = joinedNotReadySince(node);
    return since === undefined ? [] : [{ node: nameOf(node.metadata), since }];
  });
  const joiningNames = new Set(joining.map(({ node }) => node));
  return {
    at: new Date(clock.now()).toISOString(),
    notReadyNodes: notReady.map((node) => nameOf(node.metadata)).filter((name) => !joiningNames.has(name)),
    joiningNodes: joining,
    restartsByNode,
    pendingPods,
    failingDaemonSetPods,
  };
}

/** Kubelet posts node status every 10 s (nodeStatusUpdateFrequency): a Ready condition set within that is the join's. */
const STATUS_UPDATE_MS = 10_000;

/** When the node joined, if it has not been Ready since: its Ready condition has not changed since then. */
function joinedNotReadySince(node: KubeNode): string | undefined {
  const joined = isoOf(node.metadata?.creationTimestamp);
  if (joined === undefined) return undefined;
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const changed = Date.parse(isoOf(ready?.lastTransitionTime) ?? joined);
  return changed - Date.parse(joined) <= STATUS_UPDATE_MS ? joined : undefined;
}
