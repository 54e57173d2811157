// What stands in a migration's way, found before anything changes. blocking holds the migration at
// gate "override"; warning and info are shown with it. Each finding says what was found and what to do.

import type { PodDrainStatus } from "../drain/pod-filters.ts";
import type { Compatibility } from "../lifecycle/compatibility.ts";
import type { PoolMigrationRisk, RiskCode, RiskReason, RiskSeverity } from "../risk/migration-risk.ts";
import { nameOf, namespaceOf } from "../workloads/kube-objects.ts";
import type { Finding, FindingSeverity, PoolSpec, PreflightFacts } from "./migration-plan.ts";
import { poolNameProblem } from "./new-pool.ts";

/** Kubernetes' terminationGracePeriodSeconds when a pod does not set it. */
const DEFAULT_GRACE_SECONDS = 30;

const SEVERITY_OF_RISK: Record<RiskSeverity, FindingSeverity> = {
  "blocks-drain": "blocking",
  complex: "warning",
  caution: "info",
};

// Where a migration weighs a risk otherwise than the inventory: nothing recreates an evicted bare pod, and
// the drain deletes emptyDir data (`--delete-emptydir-data`) that may matter.
const SEVERITY_OVERRIDES: Partial<Record<RiskCode, FindingSeverity>> = {
  "bare-pod": "blocking",
  "empty-dir": "warning",
};

export interface FindingsInput {
  facts: PreflightFacts;
  compatibility: Compatibility;
  risk: PoolMigrationRisk;
  /** The pods on the pool with what the drain does with each. */
  drainPods: readonly PodDrainStatus[];
  newPool?: PoolSpec;
}

const SEVERITY_ORDER: Record<FindingSeverity, number> = { blocking: 0, warning: 1, info: 2 };

/** Blocking first, then warnings, then information; each group in the order found. */
export function preflightFindings(input: FindingsInput): Finding[] {
  return [
    ...poolStateFindings(input.facts),
    ...targetFindings(input),
    ...newPoolFindings(input),
    ...input.risk.reasons.map(riskFinding),
    ...graceFindings(input),
  ].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
}

function poolStateFindings({ pool }: PreflightFacts): Finding[] {
  if (pool.provisioningState === "Succeeded" && pool.powerState !== "Stopped") return [];
  const state = [pool.provisioningState ?? "not reported", pool.powerState === "Stopped" ? "stopped" : ""]
    .filter(Boolean)
    .join(", ");
  return [
    {
      code: "pool-not-ready",
      severity: "blocking",
      subject: pool.name,
      detail: `pool ${pool.name} is ${state}; a migration starts from a Succeeded, running pool`,
      fix: "Wait for the pool's running operation to end, start a stopped pool, or repair a failed one (az aks nodepool show names its last error), then plan again.",
    },
  ];
}

function targetFindings({ facts, compatibility, risk }: FindingsInput): Finding[] {
  const { pool, targetOsSku } = facts;
  const findings: Finding[] = [];
  if (pool.osSku === targetOsSku) {
    findings.push({
      code: "already-on-target",
      severity: "blocking",
      subject: pool.name,
      detail: `pool ${pool.name} already requests osSku ${targetOsSku}`,
      fix: "Nothing to migrate: choose another target osSku.",
    });
  }
  if (!compatibility.compatible) {
    findings.push({
      code: "target-incompatible",
      severity: "blocking",
      subject: targetOsSku,
      detail: compatibility.reasons.join("; "),
      fix: "Choose a target osSku that runs on the pool's Kubernetes version, or upgrade the pool's Kubernetes version first (the reason names the supported range).",
    });
  }
  if (risk.nodes.length === 0) {
    findings.push({
      code: "no-nodes",
      severity: "info",
      subject: pool.name,
      detail: `no node of pool ${pool.name} was found in the cluster: there is nothing to drain`,
    });
  }
  return findings;
}

function newPoolFindings({ facts, newPool }: FindingsInput): Finding[] {
  if (newPool === undefined) return [];
  const findings: Finding[] = [];
  const nameProblem = poolNameProblem(newPool.name, newPool.osType);
  const taken = facts.cluster.nodePools.some((p) => p.name.toLowerCase() === newPool.name.toLowerCase());
  if (nameProblem !== undefined || taken) {
    findings.push({
      code: "new-pool-name",
      severity: "blocking",
      subject: newPool.name,
      detail: `the new pool's name ${nameProblem ?? `${newPool.name} is taken by a pool of the cluster`}`,
      fix: "Leave options.newPoolName out to have one derived, or name a free, valid one.",
    });
  }
  findings.push(...quotaFindings(facts, newPool));
  return findings;
}

function quotaFindings({ quota, vcpusPerNode, pool }: PreflightFacts, newPool: PoolSpec): Finding[] {
  if (quota === undefined || vcpusPerNode === undefined) {
    return [
      {
        code: "quota-unknown",
        severity: "warning",
        subject: pool.vmSize,
        detail: `ARM did not tell the ${pool.vmSize} family's vCPU quota${vcpusPerNode === undefined ? " or the size's vCPUs" : ""}: the new pool's capacity is unchecked`,
        fix: "Check the quota with `az vm list-usage --location <region>` before starting.",
      },
    ];
  }
  const needed = vcpusPerNode * newPool.count;
  const free = quota.limit - quota.used;
  if (needed <= free) return [];
  return [
    {
      code: "quota-insufficient",
      severity: "blocking",
      subject: quota.family,
      detail: `the new pool needs ${needed} vCPUs (${newPool.count} x ${newPool.vmSize}, ${vcpusPerNode} each) but ${quota.family} has ${free} of ${quota.limit} free`,
      fix: "Request a quota increase for the VM family in this region, or free vCPUs, before starting.",
    },
  ];
}

function riskFinding(reason: RiskReason): Finding {
  const { kind, namespace, name } = reason.workload;
  return {
    code: reason.code,
    severity: SEVERITY_OVERRIDES[reason.code] ?? SEVERITY_OF_RISK[reason.severity],
    subject: `${kind} ${namespace}/${name}`,
    detail: reason.detail,
    fix: reason.fix,
  };
}

function graceFindings({ facts, drainPods }: FindingsInput): Finding[] {
  const timeout = facts.options.drainTimeoutSeconds;
  return drainPods.flatMap(({ pod, verdict }) => {
    const grace = pod.spec?.terminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
    if (verdict === "skip" || grace <= timeout) return [];
    const subject = `${namespaceOf(pod.metadata)}/${nameOf(pod.metadata)}`;
    return [
      {
        code: "grace-over-timeout",
        severity: "warning",
        subject,
        detail: `pod ${subject} on ${pod.spec?.nodeName} may take ${grace} s to stop, longer than the drain timeout of ${timeout} s`,
        fix: "Lower its terminationGracePeriodSeconds, or raise options.drainTimeoutSeconds above it.",
      },
    ];
  });
}
