// The order the old pool's nodes drain in: least critical first, so a problem shows on a node whose
// loss hurts least. A node is more critical the more of its pods a disruption budget protects, then the
// more pods it has to evict; equal nodes go by name, so the order is the same at every replay.

import { budgetCovers } from "../drain/disruption-budgets.ts";
import { assessDrain } from "../drain/pod-filters.ts";
import type { ClusterFacts, KubeNode } from "../workloads/cluster-facts.ts";
import { nameOf } from "../workloads/kube-objects.ts";

export function drainOrder(
  nodes: readonly KubeNode[],
  facts: Pick<ClusterFacts, "pods" | "podDisruptionBudgets">,
): string[] {
  const names = nodes.map((node) => nameOf(node.metadata));
  const weight = new Map(names.map((name) => [name, { protectedPods: 0, evictable: 0 }]));
  for (const { pod, verdict } of assessDrain(facts, new Set(names)).pods) {
    const counts = weight.get(pod.spec?.nodeName ?? "");
    if (counts === undefined || verdict === "skip") continue;
    counts.evictable++;
    if (facts.podDisruptionBudgets.some((pdb) => budgetCovers(pdb, pod))) counts.protectedPods++;
  }
  const of = (name: string) => weight.get(name) ?? { protectedPods: 0, evictable: 0 };
  return [...new Set(names)].sort(
    (a, b) =>
      of(a).protectedPods - of(b).protectedPods ||
      of(a).evictable - of(b).evictable ||
      (a < b ? -1 : a > b ? 1 : 0),
  );
}
