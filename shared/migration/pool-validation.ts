// Is the new pool ready to take the old one's workloads? Its nodes Ready, labelled with the target osSku
// and not quarantined, every daemonset that belongs on them running without crash loops, and (when asked)
// a smoke pod run to completion. "settled" says nothing is still starting, so a failure is a verdict,
// not a moment.

import { failureOf, isNodeReady } from "../domain/migration/pod-health.ts";
import type {
  DaemonSetEvidence,
  NodeEvidence,
  ValidationEvidence,
} from "../domain/migration/pool-validation.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditedStep, AuditRepository } from "../domain/ports/migrations.ts";
import type { NodeOperations } from "../domain/ports/node-operations.ts";
import { sha256 } from "../domain/support/sha256.ts";
import type { KubeNode } from "../domain/workloads/cluster-facts.ts";
import { controllerOf, isPodReady, nameOf, namespaceOf } from "../domain/workloads/kube-objects.ts";
import { daemonSetRunsOn, labelValue } from "../domain/workloads/selectors.ts";
import { audited } from "./audited-effect.ts";

/** AKS labels a node it could not finish upgrading (undrainableNodeBehavior: Cordon). */
const QUARANTINE_LABEL = "kubernetes.azure.com/upgrade-status";
const REQUESTED_SKU_LABELS = ["kubernetes.azure.com/os-sku-requested", "kubernetes.azure.com/os-sku"];

export interface PoolValidationRequest extends AuditedStep {
  clusterId: string;
  pool: string;
  targetOsSku: string;
  expectedNodes: number;
  smokePod: boolean;
}

type Ports = { nodes: NodeOperations; audit: AuditRepository; clock: RetryClock };

export async function validatePool(
  ports: Ports,
  request: PoolValidationRequest,
): Promise<ValidationEvidence> {
  const { nodes: kube } = ports;
  const nodes = await kube.nodes(request.clusterId, request.pool);
  const names = nodes.map((node) => nameOf(node.metadata));
  const [pods, daemonSets] = await Promise.all([
    kube.pods(request.clusterId, names),
    kube.daemonSets(request.clusterId),
  ]);
  const problems: string[] = [];
  let settled = nodes.length >= request.expectedNodes;
  if (!settled) problems.push(`${nodes.length} of ${request.expectedNodes} nodes exist`);

  const nodeEvidence = nodes.map((node) => evidenceOf(node));
  for (const node of nodeEvidence) {
    if (!node.ready) {
      settled = false;
      problems.push(`node ${node.name} is not Ready`);
    }
    if (node.quarantined) problems.push(`node ${node.name} is quarantined`);
    if (node.osSku === undefined) problems.push(`node ${node.name} has no os-sku label`);
    else if (node.osSku !== request.targetOsSku) {
      problems.push(`node ${node.name} runs ${node.osSku}, not ${request.targetOsSku}`);
    }
  }

  const daemonSetEvidence: DaemonSetEvidence[] = [];
  for (const daemonSet of daemonSets) {
    const where = `${namespaceOf(daemonSet.metadata)}/${nameOf(daemonSet.metadata)}`;
    const onNodes = nodes.filter((node) => daemonSetRunsOn(daemonSet, node, where));
    if (onNodes.length === 0) continue;
    const own = pods.filter((pod) => {
      const owner = controllerOf(pod);
      return (
        owner?.kind === "DaemonSet" &&
        owner.name === nameOf(daemonSet.metadata) &&
        namespaceOf(pod.metadata) === namespaceOf(daemonSet.metadata)
      );
    });
    const failing = own.flatMap((pod) => {
      const failure = failureOf(pod);
      return failure === undefined ? [] : [`${nameOf(pod.metadata)} on ${pod.spec?.nodeName}: ${failure}`];
    });
    const ready = own.filter(isPodReady).length;
    if (ready + failing.length < onNodes.length) settled = false;
    if (failing.length > 0) problems.push(`daemonset ${where} fails on the new nodes: ${failing.join(", ")}`);
    daemonSetEvidence.push({
      namespace: namespaceOf(daemonSet.metadata),
      name: nameOf(daemonSet.metadata),
      expected: onNodes.length,
      ready,
      failing,
    });
  }

  const evidence: ValidationEvidence = {
    ok: false,
    settled,
    nodes: nodeEvidence,
    daemonSets: daemonSetEvidence,
    problems,
  };
  if (request.smokePod && settled && problems.length === 0 && names.length > 0) {
    const smoke = await smokeTest(ports, request, names[0] as string);
    evidence.smokePod = smoke;
    if (smoke.phase === "Failed") problems.push(`the smoke pod ${smoke.name} failed`);
    else if (smoke.phase !== "Succeeded") evidence.settled = false;
  }
  evidence.ok = evidence.settled && problems.length === 0;
  return evidence;
}

function evidenceOf(node: KubeNode): NodeEvidence {
  const labels = node.metadata?.labels;
  const osSku = REQUESTED_SKU_LABELS.map((label) => labelValue(labels, label)).find((v) => v !== undefined);
  return {
    name: nameOf(node.metadata),
    ready: isNodeReady(node),
    ...(osSku === undefined ? {} : { osSku }),
    quarantined: labelValue(labels, QUARANTINE_LABEL) === "Quarantined" || node.spec?.unschedulable === true,
  };
}

/** Starts the smoke pod once and reads its phase; a finished one is removed. Both effects are audited. */
async function smokeTest(
  { nodes: kube, audit, clock }: Ports,
  request: PoolValidationRequest,
  node: string,
): Promise<{ name: string; phase: string }> {
  // Named for the migration too: a pod another migration of a pool of the same name left is not this one's.
  const name = `smoke-${request.pool}-${sha256(request.migrationId).slice(0, 8)}`;
  const target = `${node}/${name}`;
  let phase = await kube.smokePodPhase(request.clusterId, name);
  if (phase === undefined) {
    // runSmokePod also creates the product's namespace when it is missing: audited as part of this effect.
    await audited(
      { audit, clock },
      { ...request, step: "smoke-pod", action: "run-smoke-pod", target },
      () => kube.runSmokePod(request.clusterId, node, name),
      () => "started",
    );
    phase = "Pending";
  }
  if (phase === "Succeeded" || phase === "Failed") {
    await audited(
      { audit, clock },
      { ...request, step: "smoke-pod-delete", action: "delete-smoke-pod", target },
      () => kube.deleteSmokePod(request.clusterId, name),
      () => "deleted",
    );
  }
  return { name, phase };
}
