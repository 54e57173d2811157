// The node drain's reads and effects: what each pod on a node is for the drain (the domain's drain
// filters, as kubectl drain decides), and its evictions and person-chosen deletions, each audited.

import { coveringBudgets } from "../domain/drain/disruption-budgets.ts";
import { assessDrain } from "../domain/drain/pod-filters.ts";
import type { NodePod } from "../domain/migration/drain-progress.ts";
import { isoOf } from "../domain/migration/pod-health.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { EvictionOutcome, NodeOperations, PodRef } from "../domain/ports/node-operations.ts";
import type { KubePod } from "../domain/workloads/cluster-facts.ts";
import { controllerOf, nameOf, namespaceOf } from "../domain/workloads/kube-objects.ts";
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
    return {
      ref: refOf(pod),
      verdict,
      reason,
      gracePeriodSeconds:
        pod.metadata?.deletionGracePeriodSeconds ??
        pod.spec?.terminationGracePeriodSeconds ??
        DEFAULT_GRACE_SECONDS,
      ...(terminatingSince === undefined ? {} : { terminatingSince }),
      protectedByBudget: coveringBudgets(budgets, [pod]).length > 0,
      unmanaged: controllerOf(pod) === undefined,
    };
  });
}

function refOf(pod: KubePod): PodRef {
  return { namespace: namespaceOf(pod.metadata), name: nameOf(pod.metadata), uid: pod.metadata?.uid ?? "" };
}

type EffectPorts = { nodes: NodeOperations; audit: AuditRepository; clock: RetryClock };

export function evictPod(
  { nodes, audit, clock }: EffectPorts,
  step: AuditedStep & { clusterId: string; node: string; pod: PodRef },
): Promise<EvictionOutcome> {
  return audited(
    { audit, clock },
    { ...step, action: "evict-pod", target: `${step.pod.namespace}/${step.pod.name} on ${step.node}` },
    () => nodes.evict(step.clusterId, step.pod),
    (outcome) =>
      outcome.kind === "blocked" || outcome.kind === "refused"
        ? `${outcome.kind}: ${outcome.reason}`
        : outcome.kind,
  );
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
