// PodDisruptionBudgets: the disruption controller's status (pkg/controller/disruption) and the eviction
// subresource's admission (pkg/registry/core/pod/storage/eviction.go), plus the ledger's record of
// disruptions that left a budget below its minimum.

import type { SimCluster } from "../cluster.ts";
import { controllerOf, isPodReady, type KubeObject } from "../kube-types.ts";
import { type KubeStatus, rfc3339, status } from "../objects.ts";
import { labelSelectorMatcher } from "../selectors.ts";
import { BudgetInputs } from "./budget-inputs.ts";
import { beginPodDeletion, isTerminal, isTerminating } from "./pods.ts";
import { LastLook } from "./unchanged.ts";

const MS = 1000;
/** The disruption controller forgets an approved eviction that did not lead to a deletion after this. */
const DELETION_TIMEOUT_MS = 2 * 60 * MS;

export function pdbMatchesPod(pdb: KubeObject, pod: KubeObject): boolean {
  return (
    pdb.metadata.namespace === pod.metadata.namespace &&
    labelSelectorMatcher(pdb.spec?.selector)(pod.metadata.labels)
  );
}

export function pdbsForPod(cluster: SimCluster, pod: KubeObject): KubeObject[] {
  return cluster.store
    .list("poddisruptionbudgets", pod.metadata.namespace)
    .filter((pdb) => pdbMatchesPod(pdb, pod));
}

function resolveCount(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const pct = Number.parseInt(value, 10) / 100;
  return roundUp ? Math.ceil(pct * total) : Math.floor(pct * total);
}

/** The scale of the controller behind a pod, as the disruption controller's finders read it. */
function controllerScale(cluster: SimCluster, pod: KubeObject): { uid: string; replicas: number } {
  const owner = controllerOf(pod);
  if (!owner) return { uid: pod.metadata.uid, replicas: 1 };
  const ns = pod.metadata.namespace;
  if (owner.kind === "ReplicaSet") {
    const rs = cluster.store.get("replicasets", ns, owner.name);
    const deploymentRef = rs && controllerOf(rs);
    const deployment =
      deploymentRef?.kind === "Deployment"
        ? cluster.store.get("deployments", ns, deploymentRef.name)
        : undefined;
    if (deployment) return { uid: deployment.metadata.uid, replicas: deployment.spec.replicas ?? 1 };
    return { uid: owner.uid, replicas: rs?.spec.replicas ?? 0 };
  }
  if (owner.kind === "StatefulSet")
    return {
      uid: owner.uid,
      replicas: cluster.store.get("statefulsets", ns, owner.name)?.spec.replicas ?? 0,
    };
  if (owner.kind === "DaemonSet")
    return {
      uid: owner.uid,
      replicas: cluster.store.get("daemonsets", ns, owner.name)?.status?.desiredNumberScheduled ?? 0,
    };
  return { uid: owner.uid, replicas: 1 };
}

/**
 * A Deployment's (over its ReplicaSets), a bare ReplicaSet's or a StatefulSet's pods, with its name and
 * desired replicas; undefined for a pod of any other controller or none.
 */
function workloadOf(
  cluster: SimCluster,
  pod: KubeObject,
): { name: string; replicas: number; pods: KubeObject[] } | undefined {
  const owner = controllerOf(pod);
  const ns = pod.metadata.namespace;
  const podsOf = (uid: string) => cluster.store.ownedBy(uid).filter((o) => o.kind === "Pod");
  if (owner?.kind === "StatefulSet") {
    const set = cluster.store.get("statefulsets", ns, owner.name);
    return (
      set && {
        name: `StatefulSet ${ns}/${owner.name}`,
        replicas: set.spec.replicas ?? 1,
        pods: podsOf(owner.uid),
      }
    );
  }
  if (owner?.kind !== "ReplicaSet") return undefined;
  const replicaSet = cluster.store.get("replicasets", ns, owner.name);
  if (!replicaSet) return undefined;
  const deploymentRef = controllerOf(replicaSet);
  const deployment =
    deploymentRef?.kind === "Deployment"
      ? cluster.store.get("deployments", ns, deploymentRef.name)
      : undefined;
  if (!deployment) {
    const replicas = replicaSet.spec.replicas ?? 1;
    return { name: `ReplicaSet ${ns}/${owner.name}`, replicas, pods: podsOf(owner.uid) };
  }
  const sets = cluster.store.ownedBy(deployment.metadata.uid).filter((o) => o.kind === "ReplicaSet");
  return {
    name: `Deployment ${ns}/${deployment.metadata.name}`,
    replicas: deployment.spec.replicas ?? 1,
    pods: sets.flatMap((rs) => podsOf(rs.metadata.uid)),
  };
}

/** A workload of several replicas, no budget covering it, just left with none Ready by this disruption. */
function recordOutage(cluster: SimCluster, pod: KubeObject, cause: string): void {
  const workload = workloadOf(cluster, pod);
  if (!workload || workload.replicas <= 1) return;
  if (workload.pods.some((other) => !isTerminating(other) && isPodReady(other))) return;
  cluster.ctx.ledger.recordOutage({
    at: cluster.iso(),
    cluster: cluster.name,
    namespace: pod.metadata.namespace ?? "",
    workload: workload.name,
    pod: pod.metadata.name,
    cause,
  });
}

interface Health {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
}

function podHealthy(pod: KubeObject, disrupted: Record<string, string>): boolean {
  return (
    !isTerminating(pod) && !isTerminal(pod) && isPodReady(pod) && disrupted[pod.metadata.name] === undefined
  );
}

function health(
  cluster: SimCluster,
  pdb: KubeObject,
  pods: readonly KubeObject[],
  disrupted: Record<string, string>,
): Health {
  const { minAvailable, maxUnavailable } = pdb.spec;
  const currentHealthy = pods.filter((p) => podHealthy(p, disrupted)).length;
  if (typeof minAvailable === "number")
    return { expectedPods: pods.length, desiredHealthy: minAvailable, currentHealthy };
  const scales = new Map<string, number>();
  // Pods of one controller share its scale: it is looked up once per controller, not once per pod.
  const seenOwners = new Set<string>();
  for (const pod of pods) {
    const owner = controllerOf(pod)?.uid ?? pod.metadata.uid;
    if (seenOwners.has(owner)) continue;
    seenOwners.add(owner);
    const scale = controllerScale(cluster, pod);
    scales.set(scale.uid, scale.replicas);
  }
  const expectedPods = [...scales.values()].reduce((a, b) => a + b, 0);
  const desiredHealthy =
    maxUnavailable !== undefined
      ? Math.max(0, expectedPods - resolveCount(maxUnavailable, expectedPods, true))
      : resolveCount(minAvailable ?? 0, expectedPods, true);
  return { expectedPods, desiredHealthy, currentHealthy };
}

const budgetInputs = new WeakMap<SimCluster, BudgetInputs>();

function inputsOf(cluster: SimCluster): BudgetInputs {
  let inputs = budgetInputs.get(cluster);
  if (!inputs) {
    inputs = new BudgetInputs(cluster.store);
    budgetInputs.set(cluster, inputs);
  }
  return inputs;
}

function matchingPods(cluster: SimCluster, pdb: KubeObject): readonly KubeObject[] {
  return inputsOf(cluster).podsOf(pdb);
}

/** Whether an approved eviction the budget counts has outlived the deletion timeout by `now`. */
function disruptionExpired(pdb: KubeObject, now: number): boolean {
  return Object.values<string>(pdb.status?.disruptedPods ?? {}).some(
    (at) => Date.parse(at) + DELETION_TIMEOUT_MS <= now,
  );
}

function blockedByFault(cluster: SimCluster, pdb: KubeObject): boolean {
  return (
    cluster.ctx.faults.active(
      "pdb-blocks",
      (f) =>
        f.cluster === cluster.name && f.namespace === pdb.metadata.namespace && f.pdb === pdb.metadata.name,
    ).length > 0
  );
}

/** Whether a budget counts approved evictions, which expire with time rather than with a change. */
export function awaitsDisruptionExpiry(cluster: SimCluster): boolean {
  return cluster.store.list("poddisruptionbudgets").some((pdb) => pdb.status?.disruptedPods !== undefined);
}

const faultsSeen = new LastLook();

/**
 * Recomputes the status of every PDB whose inputs (itself, its pods, its controllers' scale) or the faults
 * changed since, or whose disrupted pods expired by now; writes (new resourceVersion) only what changed.
 */
export function updatePdbStatuses(cluster: SimCluster): void {
  const now = cluster.now();
  const inputs = inputsOf(cluster);
  for (const pdb of cluster.store.list("poddisruptionbudgets")) {
    const inputsChanged = inputs.takeChanged(pdb);
    const faultsChanged = faultsSeen.changed(pdb, String(cluster.ctx.faults.version));
    if (!inputsChanged && !faultsChanged && !disruptionExpired(pdb, now)) continue;
    const pods = matchingPods(cluster, pdb);
    const disrupted: Record<string, string> = {};
    for (const [name, at] of Object.entries<string>(pdb.status?.disruptedPods ?? {})) {
      const pod = pods.find((p) => p.metadata.name === name);
      if (pod && !isTerminating(pod) && Date.parse(at) + DELETION_TIMEOUT_MS > now) disrupted[name] = at;
    }
    const h = health(cluster, pdb, pods, disrupted);
    const allowed =
      blockedByFault(cluster, pdb) || h.expectedPods <= 0
        ? 0
        : Math.max(0, h.currentHealthy - h.desiredHealthy);
    const previous = pdb.status?.conditions?.find((c: { type: string }) => c.type === "DisruptionAllowed");
    const conditionStatus = allowed > 0 ? "True" : "False";
    const condition = {
      type: "DisruptionAllowed",
      status: conditionStatus,
      observedGeneration: pdb.metadata.generation ?? 1,
      lastTransitionTime: previous?.status === conditionStatus ? previous.lastTransitionTime : rfc3339(now),
      reason: allowed > 0 ? "SufficientPods" : "InsufficientPods",
      message: "",
    };
    const next = {
      ...(Object.keys(disrupted).length > 0 ? { disruptedPods: disrupted } : {}),
      observedGeneration: pdb.metadata.generation ?? 1,
      disruptionsAllowed: allowed,
      currentHealthy: h.currentHealthy,
      desiredHealthy: h.desiredHealthy,
      expectedPods: h.expectedPods,
      conditions: [condition],
    };
    if (JSON.stringify(next) !== JSON.stringify(pdb.status)) {
      pdb.status = next;
      cluster.store.touch("poddisruptionbudgets", pdb);
    }
  }
}

function tooManyRequests(cause: string, retryAfterSeconds = 0): KubeStatus {
  return status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: "DisruptionBudget", message: cause }],
    ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}),
  });
}

export interface EvictionOptions {
  dryRun?: boolean;
  gracePeriodSeconds?: number;
  /**
   * Checks the eviction's delete preconditions (a uid, a resourceVersion) just before the pod would be
   * deleted, after the budgets allowed it, as the apiserver's delete does; throws to refuse.
   */
  checkPreconditions?: () => void;
}

/**
 * The eviction subresource. Returns the Status the apiserver answers with: 201 Success, 429 when the
 * budget allows no disruption, 500 when several budgets select the pod.
 */
export function evictPod(cluster: SimCluster, pod: KubeObject, options: EvictionOptions = {}): KubeStatus {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed" || phase === "Pending" || isTerminating(pod)) {
    options.checkPreconditions?.();
    if (!options.dryRun) beginPodDeletion(cluster, pod, options.gracePeriodSeconds);
    cluster.kick();
    return status(201, undefined, "");
  }
  const pdbs = pdbsForPod(cluster, pod);
  if (pdbs.length > 1) {
    // The apiserver's errors.NewInternalError: the cause's text behind "Internal error occurred: ".
    const cause =
      "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.";
    return status(500, "InternalError", `Internal error occurred: ${cause}`, {
      causes: [{ message: cause }],
    });
  }
  const s = pdbs[0]?.status ?? {};
  // An unready pod the budget can spare is evicted without spending one of its disruptions.
  const unreadyButCovered = !isPodReady(pod) && s.currentHealthy >= s.desiredHealthy && s.desiredHealthy > 0;
  const pdb = unreadyButCovered ? undefined : pdbs[0];
  if (pdb) {
    if ((s.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
      return tooManyRequests(
        `The disruption budget ${pdb.metadata.name} is still being processed by the server.`,
        10,
      );
    }
    if ((s.disruptionsAllowed ?? 0) <= 0) {
      return tooManyRequests(
        `The disruption budget ${pdb.metadata.name} needs ${s.desiredHealthy ?? 0} healthy pods and has ${s.currentHealthy ?? 0} currently`,
      );
    }
  }
  options.checkPreconditions?.();
  if (options.dryRun) return status(201, undefined, "");
  if (pdb) takeDisruption(cluster, pdb, pod);
  const runtime = cluster.podRuntime.get(pod.metadata.uid);
  if (runtime) runtime.evicted = true;
  disruptPod(cluster, pod, "eviction", options.gracePeriodSeconds);
  return status(201, undefined, "");
}

/** The budget counts the admitted eviction until the pod is gone (or the deletion timeout passes). */
function takeDisruption(cluster: SimCluster, pdb: KubeObject, pod: KubeObject): void {
  const s = pdb.status;
  s.disruptionsAllowed--;
  s.disruptedPods = { ...(s.disruptedPods ?? {}), [pod.metadata.name]: rfc3339(cluster.now()) };
  if (s.disruptionsAllowed === 0) {
    const condition = s.conditions?.find((c: { type: string }) => c.type === "DisruptionAllowed");
    if (condition)
      Object.assign(condition, {
        status: "False",
        reason: "InsufficientPods",
        lastTransitionTime: rfc3339(cluster.now()),
      });
  }
  cluster.store.touch("poddisruptionbudgets", pdb);
}

/**
 * Starts deleting a pod and tells the ledger if that left one of its budgets below the minimum, or a
 * workload of several replicas that no budget covers with none Ready. Every voluntary disruption
 * (eviction, DELETE, a drain that ignores budgets) comes through here.
 */
export function disruptPod(
  cluster: SimCluster,
  pod: KubeObject,
  cause: string,
  gracePeriodSeconds?: number,
): void {
  const wasHealthy = !isTerminating(pod) && isPodReady(pod);
  const budgets = wasHealthy ? pdbsForPod(cluster, pod) : [];
  beginPodDeletion(cluster, pod, gracePeriodSeconds);
  if (wasHealthy && budgets.length === 0) recordOutage(cluster, pod, cause);
  for (const pdb of budgets) {
    const h = health(cluster, pdb, matchingPods(cluster, pdb), {});
    if (h.currentHealthy < h.desiredHealthy) {
      cluster.ctx.ledger.recordViolation({
        at: cluster.iso(),
        cluster: cluster.name,
        namespace: pdb.metadata.namespace ?? "",
        pdb: pdb.metadata.name,
        pod: pod.metadata.name,
        cause,
        currentHealthy: h.currentHealthy,
        desiredHealthy: h.desiredHealthy,
      });
    }
  }
  cluster.kick();
}
