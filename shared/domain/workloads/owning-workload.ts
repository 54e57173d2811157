// Which workload a pod belongs to, as a person would name it: a ReplicaSet's pods belong to the
// Deployment whose selector matches them, a StatefulSet's to that StatefulSet, a pod without an owner
// to itself. The migration risk groups pods by it; the migration plan lists the controllers to scale.
import type { ClusterFacts, KubeObjectMeta, KubePod } from "./cluster-facts.ts";
import { controllerOf, nameOf, namespaceOf } from "./kube-objects.ts";
import { labelSelectorMatches } from "./selectors.ts";

export interface OwningWorkload {
  kind: string;
  namespace: string;
  name: string;
  /** The Deployment's or StatefulSet's metadata, when the facts hold it. */
  meta?: KubeObjectMeta;
  /** Desired replicas of a Deployment or StatefulSet found in the facts (Kubernetes' default 1). */
  replicas?: number;
}

export function owningWorkload(
  facts: Pick<ClusterFacts, "deployments" | "statefulSets">,
  pod: KubePod,
): OwningWorkload {
  const namespace = namespaceOf(pod.metadata);
  const owner = controllerOf(pod);
  if (owner === undefined) return { kind: "Pod", namespace, name: nameOf(pod.metadata) };
  const ownerName = owner.name ?? "(unnamed)";
  if (owner.kind === "ReplicaSet") {
    const deployment = facts.deployments.find(
      (d) =>
        namespaceOf(d.metadata) === namespace &&
        labelSelectorMatches(
          d.spec?.selector,
          pod.metadata?.labels,
          `Deployment ${namespace}/${nameOf(d.metadata)}`,
        ),
    );
    if (deployment === undefined) return { kind: "ReplicaSet", namespace, name: ownerName };
    return {
      kind: "Deployment",
      namespace,
      name: nameOf(deployment.metadata),
      ...(deployment.metadata !== undefined && { meta: deployment.metadata }),
      replicas: deployment.spec?.replicas ?? 1,
    };
  }
  const found = { kind: owner.kind ?? "(unknown)", namespace, name: ownerName };
  if (owner.kind !== "StatefulSet") return found;
  const statefulSet = facts.statefulSets.find(
    (s) => namespaceOf(s.metadata) === namespace && nameOf(s.metadata) === owner.name,
  );
  if (statefulSet === undefined) return found;
  return {
    ...found,
    ...(statefulSet.metadata !== undefined && { meta: statefulSet.metadata }),
    replicas: statefulSet.spec?.replicas ?? 1,
  };
}
