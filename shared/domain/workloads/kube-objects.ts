// How the rules read any Kubernetes object: its name and namespace with the API's defaults, a pod's
// controlling owner and whether it has finished.
import type { KubeObjectMeta, KubePod } from "./cluster-facts.ts";

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
