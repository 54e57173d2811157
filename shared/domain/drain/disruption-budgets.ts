// PodDisruptionBudgets as the eviction API applies them: which budgets cover a pod, and how many
// disruptions each allows now. A drain evicts through these budgets; the migration risk reports the
// budgets that would stop it.
import type { KubePod, KubePodDisruptionBudget } from "../workloads/cluster-facts.ts";
import { isFinished, isPodHealthy, nameOf, namespaceOf } from "../workloads/kube-objects.ts";
import { labelSelectorMatches } from "../workloads/selectors.ts";

/** How a budget's name starts; a workload's own budget (drain-batches.ts) starts with its kind instead. */
export const PDB_NAME_PREFIX = "PodDisruptionBudget ";

/** Names the budget in errors and reasons, e.g. "PodDisruptionBudget shop/web". */
export function budgetName(pdb: KubePodDisruptionBudget): string {
  return `${PDB_NAME_PREFIX}${namespaceOf(pdb.metadata)}/${nameOf(pdb.metadata)}`;
}

/** A budget covers the pods of its namespace that its selector matches (an absent selector matches none). */
export function budgetCovers(pdb: KubePodDisruptionBudget, pod: KubePod): boolean {
  return (
    namespaceOf(pod.metadata) === namespaceOf(pdb.metadata) &&
    labelSelectorMatches(pdb.spec?.selector, pod.metadata?.labels, budgetName(pdb))
  );
}

/** The budgets that cover any of the pods. */
export function coveringBudgets(
  pdbs: readonly KubePodDisruptionBudget[],
  pods: readonly KubePod[],
): KubePodDisruptionBudget[] {
  return pdbs.filter((pdb) => pods.some((pod) => budgetCovers(pdb, pod)));
}

/** "minAvailable 2", "maxUnavailable 50%" or that it sets neither. */
export function describeBudget(pdb: KubePodDisruptionBudget): string {
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (minAvailable !== undefined) return `minAvailable ${minAvailable}`;
  if (maxUnavailable !== undefined) return `maxUnavailable ${maxUnavailable}`;
  return "no minAvailable or maxUnavailable";
}

/**
 * status.disruptionsAllowed when the disruption controller has reported it; otherwise computed from
 * the spec as that controller does (percentages round up), counting Ready pods not being deleted as healthy.
 */
export function disruptionsAllowed(
  pdb: KubePodDisruptionBudget,
  pods: readonly KubePod[],
  where: string,
): number {
  const reported = pdb.status?.disruptionsAllowed;
  if (typeof reported === "number") return reported;
  const { minAvailable, maxUnavailable } = pdb.spec ?? {};
  if (minAvailable !== undefined && maxUnavailable !== undefined) {
    throw new Error(`${where}: spec sets both minAvailable and maxUnavailable; Kubernetes allows only one`);
  }
  const namespace = namespaceOf(pdb.metadata);
  const selected = pods.filter(
    (pod) =>
      namespaceOf(pod.metadata) === namespace &&
      !isFinished(pod) &&
      labelSelectorMatches(pdb.spec?.selector, pod.metadata?.labels, where),
  );
  const expected = selected.length;
  const healthy = selected.filter(isPodHealthy).length;
  if (maxUnavailable !== undefined) {
    const desiredHealthy = expected - scaledBudget(maxUnavailable, expected, `${where}: spec.maxUnavailable`);
    return Math.max(0, healthy - desiredHealthy);
  }
  if (minAvailable !== undefined) {
    return Math.max(0, healthy - scaledBudget(minAvailable, expected, `${where}: spec.minAvailable`));
  }
  return healthy;
}

function scaledBudget(value: number | string, total: number, where: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  const percent = typeof value === "string" ? /^(\d+)%$/.exec(value) : null;
  if (percent?.[1] !== undefined) return Math.ceil((total * Number(percent[1])) / 100);
  throw new Error(
    `${where} ${JSON.stringify(value)} is neither a non-negative integer nor a percentage like "50%"`,
  );
}
