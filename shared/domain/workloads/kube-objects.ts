// How the rules read any Kubernetes object: its name and namespace with the API's defaults, a pod's
// controlling owner and whether it has finished.
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

/** The label AKS puts on a node naming its agent pool. */
const AGENT_POOL_LABEL = "kubernetes.azure.com/agentpool";

/** The agent pool a node belongs to, by that label or the plain "agentpool" label AKS also sets. */
export function poolOfNode(node: KubeNode): string | undefined {
  return (
    labelValue(node.metadata?.labels, AGENT_POOL_LABEL) ?? labelValue(node.metadata?.labels, "agentpool")
  );
}
