// Taints on nodes and replica counts of controllers, as a migration changes them: each change audited,
// each idempotent (a taint already there, a count already set).

import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { NodeOperations } from "../domain/ports/node-operations.ts";
import type { WorkloadRef } from "../domain/risk/migration-risk.ts";
import type { KubeTaint } from "../domain/workloads/cluster-facts.ts";
import { audited } from "./audited-effect.ts";

type Ports = { nodes: NodeOperations; audit: AuditRepository; clock: RetryClock };

export async function setTaints(
  { nodes, audit, clock }: Ports,
  step: AuditedStep & { clusterId: string; nodes: string[]; taint: KubeTaint; present: boolean },
): Promise<{ changed: number }> {
  const taint = `${step.taint.key}=${step.taint.value ?? ""}:${step.taint.effect}`;
  return audited(
    { audit, clock },
    {
      ...step,
      action: step.present ? "taint-nodes" : "untaint-nodes",
      target: `${step.nodes.join(", ")} (${taint})`,
    },
    async () => {
      let changed = 0;
      for (const node of step.nodes) {
        if ((await nodes.setTaint(step.clusterId, node, step.taint, step.present)) === "changed")
          changed += 1;
      }
      return { changed };
    },
    ({ changed }) => `${changed} of ${step.nodes.length} nodes changed`,
  );
}

export function scaleWorkloads(
  { nodes, audit, clock }: Ports,
  step: AuditedStep & { clusterId: string; changes: { workload: WorkloadRef; replicas: number }[] },
): Promise<null> {
  const target = step.changes.map(
    ({ workload, replicas }) => `${workload.kind} ${workload.namespace}/${workload.name} to ${replicas}`,
  );
  return audited(
    { audit, clock },
    { ...step, action: "scale-workloads", target: target.join(", ") },
    async () => {
      for (const { workload, replicas } of step.changes)
        await nodes.scale(step.clusterId, workload, replicas);
      return null;
    },
    () => "scaled",
  );
}

export async function workloadsReady(
  { nodes }: { nodes: NodeOperations },
  request: { clusterId: string; workloads: WorkloadRef[] },
): Promise<{ ready: boolean; notReady: string[] }> {
  const notReady: string[] = [];
  for (const workload of request.workloads) {
    const replicas = await nodes.replicas(request.clusterId, workload);
    const name = `${workload.kind} ${workload.namespace}/${workload.name}`;
    if (!replicas) notReady.push(`${name}: not found`);
    else if (replicas.ready < replicas.desired)
      notReady.push(`${name}: ${replicas.ready} of ${replicas.desired} ready`);
  }
  return { ready: notReady.length === 0, notReady };
}
