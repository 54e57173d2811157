// The node drain's reads and effects: what each pod on a node is for the drain (the domain's drain
// filters, as kubectl drain decides), and its evictions and person-chosen deletions, each audited.

import { coveringBudgets } from "../domain/drain/disruption-budgets.ts";
import { assessDrain } from "../domain/drain/pod-filters.ts";
import type { NodePod, UnbudgetedEviction } from "../domain/migration/drain-progress.ts";
import { isoOf } from "../domain/migration/pod-health.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { EvictionOutcome, NodeOperations, PodRef } from "../domain/ports/node-operations.ts";
import type { KubePod } from "../domain/workloads/cluster-facts.ts";
import { controllerOf, isPodHealthy, nameOf, namespaceOf } from "../domain/workloads/kube-objects.ts";
import { audited } from "./audited-effect.ts";

/** Kubernetes' default when a pod does not say. */
const DEFAULT_GRACE_SECONDS = 30;

export async function nodePods(
  { nodes }: { nodes: NodeOperations },
  clusterId: string,
  node: string,
): Promise<NodePod[]> {
  const [pods, budgets] = await Promise.all([
    nodes.pods(clusterId, [node]),
    nodes.disruptionBudgets(clusterId),
  ]);
  const drain = assessDrain({ pods, podDisruptionBudgets: budgets }, new Set([node]));
  return drain.pods.map(({ pod, verdict, reason }) => {
    const terminatingSince = isoOf(pod.metadata?.deletionTimestamp);
    const protectedByBudget = coveringBudgets(budgets, [pod]).length > 0;
    const controller = controllerOf(pod);
    return {
      ref: refOf(pod),
      verdict,
      reason,
      gracePeriodSeconds:
        pod.metadata?.deletionGracePeriodSeconds ??
        pod.spec?.terminationGracePeriodSeconds ??
        DEFAULT_GRACE_SECONDS,
      ...(terminatingSince === undefined ? {} : { terminatingSince }),
      protectedByBudget,
      ...(!protectedByBudget &&
        controller?.kind !== undefined &&
        controller.name !== undefined && {
          unbudgeted: { controller: { kind: controller.kind, name: controller.name } },
        }),
      ...(controller?.kind === "StatefulSet" &&
        controller.name !== undefined && { statefulSet: controller.name }),
      unmanaged: controller === undefined,
      // Evictions and deletes go by uid (a precondition), so one without is never acted on.
      ...(!pod.metadata?.uid && { refusal: "it has no uid to evict or delete it by" }),
    };
  });
}

function refOf(pod: KubePod): PodRef {
  return { namespace: namespaceOf(pod.metadata), name: nameOf(pod.metadata), uid: pod.metadata?.uid ?? "" };
}

type EffectPorts = { nodes: NodeOperations; audit: AuditRepository; clock: RetryClock };

type EvictionPorts = Omit<EffectPorts, "nodes"> & {
  nodes: Pick<NodeOperations, "evict" | "pod" | "controllerReplicas">;
};

export function evictPod(
  { nodes, audit, clock }: EvictionPorts,
  step: AuditedStep & { clusterId: string; node: string; pod: PodRef; unbudgeted?: UnbudgetedEviction },
): Promise<EvictionOutcome> {
  return audited(
    { audit, clock },
    { ...step, action: "evict-pod", target: `${step.pod.namespace}/${step.pod.name} on ${step.node}` },
    async () => (await lastReadyReplica(nodes, step)) ?? nodes.evict(step.clusterId, step.pod),
    (outcome) =>
      outcome.kind === "blocked" || outcome.kind === "refused"
        ? `${outcome.kind}: ${outcome.reason}`
        : outcome.kind,
  );
}

/**
 * A pod no budget covers is held back, as a budget of "one Ready" would hold it, while it is the last
 * Ready replica of a workload of several (those of its workload evicted alongside it counted gone): its
 * eviction would leave the workload serving nothing until a replacement starts. A workload of one replica
 * has nothing to wait for. Only when it might be the last is more read (an eviction's reads are its
 * drain's pace): the other controllers alongside, then the pod as it is now, since one gone or already
 * shutting down (an activity run again after its eviction) is evicted as before, and one not Ready takes
 * nothing Ready away.
 */
async function lastReadyReplica(
  nodes: EvictionPorts["nodes"],
  { clusterId, pod, unbudgeted }: { clusterId: string; pod: PodRef; unbudgeted?: UnbudgetedEviction },
): Promise<EvictionOutcome | undefined> {
  if (!unbudgeted) return undefined;
  const replicas = await nodes.controllerReplicas(clusterId, pod.namespace, unbudgeted.controller);
  if (replicas === undefined || replicas.desired <= 1) return undefined;
  const { controller } = unbudgeted;
  const others = unbudgeted.alongside.filter((c) => c.kind !== controller.kind || c.name !== controller.name);
  let alongside = unbudgeted.alongside.length - others.length + (unbudgeted.beside?.[replicas.workload] ?? 0);
  // Were every other controller alongside of its workload, would one Ready replica still be left?
  if (replicas.ready - alongside - others.length > 1) return undefined;
  for (const other of others)
    if ((await nodes.controllerReplicas(clusterId, pod.namespace, other))?.workload === replicas.workload)
      alongside += 1;
  if (replicas.ready - alongside > 1) return undefined;
  const now = await nodes.pod(clusterId, pod);
  if (now === undefined || !isPodHealthy(now)) return undefined;
  const withIt = alongside > 0 ? `, ${alongside} being evicted with it` : "";
  return {
    kind: "blocked",
    retryAfterSeconds: 0,
    reason: `it is the last Ready replica of ${replicas.workload} (${replicas.ready} of ${replicas.desired} Ready${withIt}), which has no PodDisruptionBudget: the drain keeps one Ready`,
  };
}

export function deletePod(
  { nodes, audit, clock }: EffectPorts,
  step: AuditedStep & { clusterId: string; pod: PodRef; force: boolean },
): Promise<"deleted" | "gone"> {
  return audited(
    { audit, clock },
    {
      ...step,
      action: step.force ? "force-delete-pod" : "delete-pod",
      target: `${step.pod.namespace}/${step.pod.name}`,
    },
    () => nodes.deletePod(step.clusterId, step.pod, step.force ? 0 : undefined),
    (outcome) => outcome,
  );
}
