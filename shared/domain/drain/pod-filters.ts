// What draining some nodes does with each pod on them, in the shape of kubectl drain
// (k8s.io/kubectl/pkg/drain/filters.go): the facts about a pod first, then filters in order, the first
// that objects deciding. The migration risk reads these verdicts; the node drain is to act on them.
import type { ClusterFacts, KubePod, KubePodDisruptionBudget } from "../workloads/cluster-facts.ts";
import { controllerOf, isFinished } from "../workloads/kube-objects.ts";
import { budgetCovers, budgetName, disruptionsAllowed } from "./disruption-budgets.ts";

/** okay: evict it; skip: leave it, the drain does not need it gone; block: it cannot be evicted now. */
export type DrainVerdict = "okay" | "skip" | "block";

export type DrainReason = "evictable" | "finished" | "mirror-pod" | "daemon-set" | "budget-exhausted";

export interface PodDrainStatus {
  pod: KubePod;
  verdict: DrainVerdict;
  reason: DrainReason;
}

/** A budget that allows no disruption now, and the pods to evict that it covers. */
export interface ExhaustedBudget {
  pdb: KubePodDisruptionBudget;
  allowed: number;
  covers: KubePod[];
}

export interface DrainAssessment {
  /** Every pod on the nodes, in the facts' order. */
  pods: PodDrainStatus[];
  /** In the facts' order. */
  exhaustedBudgets: ExhaustedBudget[];
}

type PodObjection = Omit<PodDrainStatus, "pod">;
/** Says why the drain leaves the pod, or nothing when it has no objection. */
type PodFilter = (pod: KubePod) => PodObjection | undefined;

// Nothing runs in a finished pod: there is nothing to disrupt.
const finishedFilter: PodFilter = (pod) =>
  isFinished(pod) ? { verdict: "skip", reason: "finished" } : undefined;

// The kubelet runs a mirror pod from a static manifest on its node: the API cannot evict it.
const mirrorPodFilter: PodFilter = (pod) =>
  controllerOf(pod)?.kind === "Node" ? { verdict: "skip", reason: "mirror-pod" } : undefined;

// The DaemonSet controller ignores unschedulable and would start the pod again on the same node, so
// a drain leaves it to go with its node (kubectl drain --ignore-daemonsets).
const daemonSetFilter: PodFilter = (pod) =>
  controllerOf(pod)?.kind === "DaemonSet" ? { verdict: "skip", reason: "daemon-set" } : undefined;

const POD_FILTERS: readonly PodFilter[] = [finishedFilter, mirrorPodFilter, daemonSetFilter];

/** The pods on these nodes, each with what a drain does with it, and the budgets that stop it. */
export function assessDrain(
  facts: Pick<ClusterFacts, "pods" | "podDisruptionBudgets">,
  nodeNames: ReadonlySet<string>,
): DrainAssessment {
  const filtered = facts.pods
    .filter((pod) => nodeNames.has(pod.spec?.nodeName ?? ""))
    .map((pod) => ({ pod, objection: firstObjection(pod) }));
  const toEvict = filtered.flatMap(({ pod, objection }) => (objection === undefined ? [pod] : []));
  const exhaustedBudgets = exhaustedBudgetsOf(facts, toEvict);
  const blocked = new Set(exhaustedBudgets.flatMap((budget) => budget.covers));
  const pods = filtered.map(({ pod, objection }): PodDrainStatus => {
    if (objection !== undefined) return { pod, ...objection };
    return blocked.has(pod)
      ? { pod, verdict: "block", reason: "budget-exhausted" }
      : { pod, verdict: "okay", reason: "evictable" };
  });
  return { pods, exhaustedBudgets };
}

function firstObjection(pod: KubePod): PodObjection | undefined {
  for (const filter of POD_FILTERS) {
    const objection = filter(pod);
    if (objection !== undefined) return objection;
  }
  return undefined;
}

function exhaustedBudgetsOf(
  facts: Pick<ClusterFacts, "pods" | "podDisruptionBudgets">,
  toEvict: readonly KubePod[],
): ExhaustedBudget[] {
  return facts.podDisruptionBudgets.flatMap((pdb) => {
    const covers = toEvict.filter((pod) => budgetCovers(pdb, pod));
    if (covers.length === 0) return [];
    const allowed = disruptionsAllowed(pdb, facts.pods, budgetName(pdb));
    return allowed > 0 ? [] : [{ pdb, allowed, covers }];
  });
}
