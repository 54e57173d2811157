// The shortest migration the disruption budgets and pod start-up times allow, from the scenario alone.
// New nodes are Ready at the earliest vmProvision + nodeBoot after the start; a budget lets `allowed`
// pods of a workload be unavailable at once, so its pods leave the old pool in ceil(pods / allowed)
// rounds, and a round ends only when its replacements run Ready, their start-up and readiness times both
// (a statefulset's replacement is created only once the old pod has exited, so its rounds add the
// shutdown time); the first round can be evicted before the new nodes are up, and the last needs no
// Ready replacement before the old machines go, which then take vmDelete. Workloads without a budget can
// all go in one round.

import type { DeploymentSpec, PdbSpec, Scenario } from "../../local/sim/scenario/schema.ts";

export interface WorkloadRounds {
  workload: string;
  pods: number;
  allowed: number;
  rounds: number;
  roundSeconds: number;
  seconds: number;
}

export interface LowerBound {
  seconds: number;
  /** The same without the old machines' delete: the workloads off the old pool. */
  moveSeconds: number;
  /** The workload whose rounds take longest, absent when no workload has a budget. */
  binding?: WorkloadRounds;
  /** The formula with this scenario's figures in it. */
  formula: string;
}

function scaled(value: number | string, total: number): number {
  return typeof value === "number" ? value : Math.ceil((Number.parseInt(value, 10) / 100) * total);
}

/** Pods of `replicas` a budget lets be unavailable at once (percentages rounded up, as Kubernetes does). */
export function allowedDisruptions(pdb: PdbSpec, replicas: number): number {
  return pdb.maxUnavailable !== undefined
    ? scaled(pdb.maxUnavailable, replicas)
    : replicas - scaled(pdb.minAvailable ?? 0, replicas);
}

function rounds(
  spec: DeploymentSpec,
  kind: "deployment" | "statefulset",
  defaultStartup: number,
): WorkloadRounds | undefined {
  if (!spec.pdb || spec.replicas === 0) return undefined;
  const allowed = allowedDisruptions(spec.pdb, spec.replicas);
  // A replacement counts for the budget once Ready: its start-up, then its readiness time.
  const startup = (spec.startupSeconds ?? defaultStartup) + (spec.readySeconds ?? 0);
  const roundSeconds =
    kind === "statefulset" ? (spec.shutdownSeconds ?? spec.terminationGracePeriodSeconds) + startup : startup;
  const count = allowed > 0 ? Math.ceil(spec.replicas / allowed) : Number.POSITIVE_INFINITY;
  return {
    workload: `${spec.namespace}/${spec.name}`,
    pods: spec.replicas,
    allowed,
    rounds: count,
    roundSeconds,
    seconds: (count - 1) * roundSeconds,
  };
}

/** The bound for moving every workload of the scenario's only cluster (all of it runs on the migrated pool). */
export function migrationLowerBound(scenario: Scenario): LowerBound {
  const cluster = scenario.subscriptions.flatMap((s) => s.clusters)[0];
  if (!cluster) throw new Error(`scenario ${scenario.name} has no cluster`);
  const { vmProvisionSeconds, nodeBootSeconds, vmDeleteSeconds, podStartupSeconds } = scenario.timings;
  const all = [
    ...cluster.workloads.deployments.map((d) => rounds(d, "deployment", podStartupSeconds)),
    ...cluster.workloads.statefulSets.map((s) => rounds(s, "statefulset", podStartupSeconds)),
  ].filter((w): w is WorkloadRounds => w !== undefined);
  const binding = all.reduce<WorkloadRounds | undefined>(
    (longest, w) => (longest === undefined || w.seconds > longest.seconds ? w : longest),
    undefined,
  );
  const drainSeconds = binding?.seconds ?? 0;
  const seconds = vmProvisionSeconds + nodeBootSeconds + drainSeconds + vmDeleteSeconds;
  const worst = binding
    ? `${binding.workload}: (ceil(${binding.pods}/${binding.allowed}) - 1) x ${binding.roundSeconds} s = ${binding.seconds} s`
    : "no budget: 0 s";
  return {
    seconds,
    moveSeconds: seconds - vmDeleteSeconds,
    ...(binding && { binding }),
    formula:
      `provision ${vmProvisionSeconds} s + boot ${nodeBootSeconds} s + max over budgeted workloads of ` +
      `(ceil(pods / allowed disruptions) - 1) x (start-up + readiness [+ shutdown, statefulsets]) [${worst}] + ` +
      `VM delete ${vmDeleteSeconds} s = ${seconds} s`,
  };
}
