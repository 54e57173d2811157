// The default scheduler's filters (NodeUnschedulable, TaintToleration, NodeAffinity, NodeResourcesFit)
// and a least-allocated score. Pods no node fits stay Pending with the scheduler's message.

import { bytes, milliCores } from "../../scenario/quantity.ts";
import type { SimCluster } from "../cluster.ts";
import type { KubeObject, Taint } from "../kube-types.ts";
import { nodeAffinityMatches, untoleratedTaint } from "../selectors.ts";
import { bindPod, isTerminal, isTerminating, podRequests } from "./pods.ts";
import { LastLook } from "./unchanged.ts";

interface NodeFit {
  node: KubeObject;
  labels: Record<string, string>;
  allocCpu: number;
  allocMem: number;
  allocPods: number;
  usedCpu: number;
  usedMem: number;
  usedPods: number;
}

/**
 * Each node's fit as last computed, valid while neither the node nor its pods changed. Shared: a pass
 * that binds pods counts them in copies.
 */
const computedFits = new WeakMap<KubeObject, { revision: number; fit: Readonly<NodeFit> }>();

/** Each cluster's nodes in name order (the order ties in score go by), sorted again once one came or went. */
const sortedNodes = new WeakMap<SimCluster, { revision: number; nodes: KubeObject[] }>();

function nodesByName(cluster: SimCluster): KubeObject[] {
  const revision = cluster.store.membershipRevision("nodes");
  const known = sortedNodes.get(cluster);
  if (known?.revision === revision) return known.nodes;
  const nodes = cluster.store.list("nodes").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  sortedNodes.set(cluster, { revision, nodes });
  return nodes;
}

function nodeFits(cluster: SimCluster): Array<Readonly<NodeFit>> {
  const fits: Array<Readonly<NodeFit>> = [];
  for (const node of nodesByName(cluster)) {
    const revision = cluster.store.nodeRevision(node.metadata.name);
    const computed = computedFits.get(node);
    if (computed?.revision === revision) {
      fits.push(computed.fit);
      continue;
    }
    const fit: NodeFit = {
      node,
      labels: node.metadata.labels ?? {},
      // A Node created through the API, with no kubelet behind it, reports no room.
      allocCpu: milliCores(node.status?.allocatable?.cpu),
      allocMem: bytes(node.status?.allocatable?.memory),
      allocPods: Number(node.status?.allocatable?.pods ?? 0),
      usedCpu: 0,
      usedMem: 0,
      usedPods: 0,
    };
    for (const pod of cluster.store.podsOnNode(node.metadata.name)) {
      if (isTerminal(pod)) continue;
      const r = podRequests(pod);
      fit.usedCpu += r.milliCpu;
      fit.usedMem += r.memory;
      fit.usedPods++;
    }
    computedFits.set(node, { revision, fit });
    fits.push(fit);
  }
  return fits;
}

/** Why the node cannot take the pod, in the scheduler's words (empty when it fits). */
function filter(
  pod: KubeObject,
  fit: Readonly<NodeFit>,
  request: { milliCpu: number; memory: number },
): string[] {
  const spec = pod.spec;
  const tolerations = spec.tolerations ?? [];
  if (
    fit.node.spec.unschedulable &&
    !tolerations.some(
      (t: { key?: string; operator?: string }) =>
        t.key === "node.kubernetes.io/unschedulable" || (t.operator === "Exists" && !t.key),
    )
  ) {
    return ["node(s) were unschedulable"];
  }
  const taint: Taint | undefined = untoleratedTaint(tolerations, fit.node.spec.taints ?? []);
  if (taint) return [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`];
  const selector: Record<string, string> = spec.nodeSelector ?? {};
  const terms =
    spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  const selectorOk = Object.entries(selector).every(([k, v]) => fit.labels[k] === v);
  if (!selectorOk || !nodeAffinityMatches(terms, { name: fit.node.metadata.name, labels: fit.labels })) {
    return ["node(s) didn't match Pod's node affinity/selector"];
  }
  const reasons: string[] = [];
  if (fit.usedPods + 1 > fit.allocPods) reasons.push("Too many pods");
  if (fit.usedCpu + request.milliCpu > fit.allocCpu) reasons.push("Insufficient cpu");
  if (fit.usedMem + request.memory > fit.allocMem) reasons.push("Insufficient memory");
  return reasons;
}

function score(fit: Readonly<NodeFit>, request: { milliCpu: number; memory: number }): number {
  const cpu = fit.allocCpu === 0 ? 0 : (fit.allocCpu - fit.usedCpu - request.milliCpu) / fit.allocCpu;
  const mem = fit.allocMem === 0 ? 0 : (fit.allocMem - fit.usedMem - request.memory) / fit.allocMem;
  return (cpu + mem) / 2;
}

function unschedulableMessage(total: number, reasons: Map<string, number>): string {
  if (total === 0) return "no nodes available to schedule pods";
  const parts = [...reasons.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => `${count} ${reason}`);
  return `0/${total} nodes are available: ${parts.join(", ")}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

const attempted = new LastLook();

/** Binds every pending pod that fits somewhere; the rest get the scheduler's reasons. */
export function schedulePending(cluster: SimCluster): void {
  const pending = cluster.store.unboundPods().filter((p) => !isTerminating(p) && !isTerminal(p));
  if (pending.length === 0) return;
  // Placement depends on pods and nodes alone: unchanged since the last try, it would fail alike.
  if (!attempted.changed(cluster, String(cluster.store.resourceRevision("pods", "nodes")))) return;
  pending.sort(
    (a, b) =>
      (b.spec.priority ?? 0) - (a.spec.priority ?? 0) ||
      a.metadata.creationTimestamp.localeCompare(b.metadata.creationTimestamp),
  );
  const fits = nodeFits(cluster);
  for (const pod of pending) {
    const request = podRequests(pod);
    const reasons = new Map<string, number>();
    let best = -1;
    let bestScore = Number.NEGATIVE_INFINITY;
    fits.forEach((fit, i) => {
      const failures = filter(pod, fit, request);
      if (failures.length > 0) {
        for (const r of failures) reasons.set(r, (reasons.get(r) ?? 0) + 1);
        return;
      }
      const s = score(fit, request);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    });
    const chosen = fits[best];
    if (chosen) {
      fits[best] = {
        ...chosen,
        usedCpu: chosen.usedCpu + request.milliCpu,
        usedMem: chosen.usedMem + request.memory,
        usedPods: chosen.usedPods + 1,
      };
      bindPod(cluster, pod, chosen.node);
      continue;
    }
    markUnschedulable(cluster, pod, unschedulableMessage(fits.length, reasons));
  }
}

function markUnschedulable(cluster: SimCluster, pod: KubeObject, message: string): void {
  pod.status.conditions ??= [];
  const conditions: Array<Record<string, unknown>> = pod.status.conditions;
  const existing = conditions.find((c) => c.type === "PodScheduled");
  if (existing?.message === message) return;
  const condition = {
    type: "PodScheduled",
    status: "False",
    lastProbeTime: null,
    lastTransitionTime: cluster.iso(),
    reason: "Unschedulable",
    message,
  };
  if (existing) Object.assign(existing, condition);
  else conditions.push(condition);
  cluster.store.touch("pods", pod);
  cluster.recordEvent(pod, "Warning", "FailedScheduling", message, "default-scheduler");
}
