// How the rules read any Kubernetes object: its name and namespace with the API's defaults, a pod's
// controlling owner, whether it has finished and whether it is ready.
import type { KubeNode, KubeObjectMeta, KubePod } from "./cluster-facts.ts";
import { labelValue } from "./selectors.ts";

export function nameOf(meta: KubeObjectMeta | undefined): string {
  return meta?.name ?? "(unnamed)";
}

export function namespaceOf(meta: KubeObjectMeta | undefined): string {
  return meta?.namespace ?? "default";
}

/** The controlling owner, as kubectl drain reads it; the first owner when none is marked. */
export function controllerOf(pod: KubePod) {
  const owners = pod.metadata?.ownerReferences ?? [];
  return owners.find((owner) => owner.controller) ?? owners[0];
}

export function isFinished(pod: KubePod): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

/** Ready as Kubernetes reads it (podutil.IsPodReady): the Ready condition is True. Running is not enough. */
export function isPodReady(pod: KubePod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * Healthy as the disruption controller counts a budget's pods: Ready and not being deleted. A pod
 * Running but not Ready (a readiness probe not yet passed, a crash loop) serves nothing.
 */
export function isPodHealthy(pod: KubePod): boolean {
  return pod.metadata?.deletionTimestamp === undefined && isPodReady(pod);
}

/** The label AKS puts on a node naming its agent pool. */
const AGENT_POOL_LABEL = "kubernetes.azure.com/agentpool";

/** The agent pool a node belongs to, by that label or the plain "agentpool" label AKS also sets. */
export function poolOfNode(node: KubeNode): string | undefined {
  return (
    labelValue(node.metadata?.labels, AGENT_POOL_LABEL) ?? labelValue(node.metadata?.labels, "agentpool")
  );
}
