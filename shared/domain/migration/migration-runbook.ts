// The plan in words a person follows: the workflow's steps one line each, and the runbook and rollback
// as the real `az` and `kubectl` commands with this cluster's names filled in, so the migration can be
// done by hand (or checked against what the workflow does).

import type { Cluster, NodePool } from "../fleet/model.ts";
import type { WorkloadRef } from "../risk/migration-risk.ts";
import type { MigrationOptions } from "./migration-options.ts";
import type { PoolSpec, RunbookStep } from "./migration-plan.ts";

export interface RunbookInput {
  cluster: Cluster;
  pool: NodePool;
  targetOsSku: string;
  /** With the new-pool strategy; absent, the pool is updated in place. */
  newPool?: PoolSpec;
  drainOrder: readonly string[];
  controllers: readonly { workload: WorkloadRef; replicas: number }[];
  options: MigrationOptions;
  /** Blocking findings: the migration first waits at gate "override". */
  blocked: boolean;
}

/** The taint that keeps new pods off the old pool while it drains. */
export const RETIRING_TAINT = { key: "lifecycle", value: "retiring", effect: "NoSchedule" } as const;
const RETIRING = `${RETIRING_TAINT.key}=${RETIRING_TAINT.value}:${RETIRING_TAINT.effect}`;

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** A shell word: as it is when nothing in it is special to the shell, else single-quoted. */
function word(value: string | number): string {
  const text = String(value);
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

function azPool(verb: string, input: RunbookInput, pool: string): string {
  return `az aks nodepool ${verb} --resource-group ${word(input.cluster.resourceGroup)} --cluster-name ${word(input.cluster.name)} --name ${word(pool)}`;
}

/** A duration as a person reads it: "4 h", "1.5 h", "10 min", "45 s". */
export function durationText(seconds: number): string {
  if (seconds >= 3600) return `${Number((seconds / 3600).toFixed(2))} h`;
  if (seconds >= 60) return `${Number((seconds / 60).toFixed(1))} min`;
  return `${seconds} s`;
}

function drainCommand(target: string, options: MigrationOptions): string {
  return `kubectl drain ${target} --ignore-daemonsets --delete-emptydir-data --grace-period=-1 --timeout=${options.drainTimeoutSeconds}s`;
}

/** How many nodes drain at once, in words. */
function batchText(options: MigrationOptions): string {
  return options.batchSize === "auto"
    ? "in batches the disruption budgets allow"
    : `${options.batchSize} node(s) at a time`;
}

function windowText(options: MigrationOptions): string | undefined {
  const window = options.maintenanceWindow;
  if (window === undefined) return undefined;
  const days = window.days.length === 0 ? "daily" : window.days.map((d) => WEEKDAYS[d]).join(",");
  return `${days} ${window.start} UTC for ${window.durationHours} h`;
}

function addPoolCommand(input: RunbookInput, spec: PoolSpec): string {
  const parts = [
    azPool("add", input, spec.name),
    `--mode ${spec.mode} --os-type ${spec.osType} --os-sku ${word(spec.osSku)}`,
    `--node-vm-size ${word(spec.vmSize)} --node-count ${spec.count} --kubernetes-version ${word(spec.orchestratorVersion)}`,
  ];
  if (spec.availabilityZones.length > 0) parts.push(`--zones ${spec.availabilityZones.map(word).join(" ")}`);
  const labels = Object.entries(spec.nodeLabels).map(([key, value]) => word(`${key}=${value}`));
  if (labels.length > 0) parts.push(`--labels ${labels.join(" ")}`);
  if (spec.nodeTaints.length > 0) parts.push(`--node-taints ${word(spec.nodeTaints.join(","))}`);
  if (spec.maxPods !== undefined) parts.push(`--max-pods ${spec.maxPods}`);
  if (spec.vnetSubnetId !== undefined) parts.push(`--vnet-subnet-id ${word(spec.vnetSubnetId)}`);
  if (spec.enableAutoScaling) parts.push(enableAutoscaler(spec));
  return parts.join(" ");
}

function scaleCommands(input: RunbookInput, extra: number): string[] {
  return input.controllers.map(
    ({ workload, replicas }) =>
      `kubectl scale ${workload.kind.toLowerCase()}/${word(workload.name)} --namespace ${word(workload.namespace)} --replicas=${replicas + extra}`,
  );
}

function enableAutoscaler(bounds: { minCount?: number; maxCount?: number }): string {
  return [
    "--enable-cluster-autoscaler",
    ...(bounds.minCount === undefined ? [] : [`--min-count ${bounds.minCount}`]),
    ...(bounds.maxCount === undefined ? [] : [`--max-count ${bounds.maxCount}`]),
  ].join(" ");
}

function validateStep(input: RunbookInput, pool: string): RunbookStep {
  return {
    title: `Validate ${pool}: nodes Ready on ${input.targetOsSku}, daemonsets running`,
    commands: [
      `kubectl wait --for=condition=Ready nodes -l agentpool=${word(pool)} --timeout=20m`,
      `kubectl get nodes -l agentpool=${word(pool)} -L kubernetes.azure.com/os-sku-effective`,
      "kubectl get daemonsets --all-namespaces",
    ],
    note: "Every daemonset's READY must equal DESIRED, with no pod in CrashLoopBackOff on the new nodes.",
  };
}

function lookStep(input: RunbookInput): RunbookStep {
  return {
    title: `Look at ${input.pool.name} and its workloads (no change)`,
    commands: [
      azPool("show", input, input.pool.name),
      `kubectl get nodes -l agentpool=${word(input.pool.name)} -o wide`,
      "kubectl get poddisruptionbudgets --all-namespaces",
    ],
  };
}

function windowSteps(input: RunbookInput): RunbookStep[] {
  const window = windowText(input.options);
  return window === undefined ? [] : [{ title: `Wait for the maintenance window (${window})`, commands: [] }];
}

function newPoolRunbook(input: RunbookInput, spec: PoolSpec): RunbookStep[] {
  const old = input.pool.name;
  const { options } = input;
  const cordon = [`kubectl taint nodes -l agentpool=${word(old)} ${RETIRING}`];
  if (input.pool.enableAutoScaling)
    cordon.push(`${azPool("update", input, old)} --disable-cluster-autoscaler`);
  if (options.prePositionReplicas) cordon.push(...scaleCommands(input, 1));
  return [
    lookStep(input),
    ...windowSteps(input),
    { title: `Create pool ${spec.name} with ${spec.osSku}`, commands: [addPoolCommand(input, spec)] },
    validateStep(input, spec.name),
    {
      title: `Cordon ${old}: no new pods on it${input.pool.enableAutoScaling ? ", its autoscaler off" : ""}`,
      commands: cordon,
    },
    {
      title: `Drain ${old}, ${batchText(options)}, least critical first`,
      commands: input.drainOrder.flatMap((node) => [
        drainCommand(word(node), options),
        ...(options.oldPoolShrink === "with-drain"
          ? [`${azPool("delete-machines", input, old)} --machine-names ${word(node)}`]
          : []),
      ]),
      note: [
        "Check health before each next node (next step); a drain that times out names the pods it could not evict.",
        ...(options.newPoolGrowth === "with-drain" && !spec.enableAutoScaling
          ? [
              `As each batch starts, grow ${spec.name} for the batches after the next, further when batches drain faster than a growth comes (\`${azPool("scale", input, spec.name)} --node-count N\`): the nodes drained by then and one more, one short of its full count until drained machines are deleted. One operation at a time: AKS refuses a second while one runs.`,
            ]
          : []),
        ...(options.oldPoolShrink === "with-drain"
          ? ["Delete a drained node's machine only once the health check after it passed."]
          : []),
      ].join(" "),
    },
    {
      title: "Between nodes, check health",
      commands: [
        "kubectl get nodes",
        "kubectl get pods --all-namespaces --field-selector=status.phase=Pending",
        "kubectl get daemonsets --all-namespaces",
      ],
      note: `Roll back when a node is NotReady, a node has more than ${options.thresholds.restartsPerNodePerHour} container restarts in an hour, a pod is Pending over ${options.thresholds.pendingPodSeconds} s or a daemonset pod fails, for longer than ${options.thresholds.persistSeconds} s.`,
    },
    {
      title: `Keep ${old} drained for ${durationText(options.retentionSeconds)} so a rollback stays fast`,
      commands: [],
    },
    {
      title: `Delete ${old}`,
      commands: [
        azPool("delete", input, old),
        ...(options.prePositionReplicas ? scaleCommands(input, 0) : []),
      ],
    },
  ];
}

function inPlaceRunbook(input: RunbookInput): RunbookStep[] {
  return [
    lookStep(input),
    ...windowSteps(input),
    {
      title: `Update ${input.pool.name} in place to ${input.targetOsSku}`,
      commands: [`${azPool("update", input, input.pool.name)} --os-sku ${word(input.targetOsSku)}`],
      note: "AKS surges and reimages each node as in a node image upgrade; the change cannot be rolled back.",
    },
    validateStep(input, input.pool.name),
  ];
}

export function runbook(input: RunbookInput): RunbookStep[] {
  return input.newPool === undefined ? inPlaceRunbook(input) : newPoolRunbook(input, input.newPool);
}

export function rollbackRunbook(input: RunbookInput): RunbookStep[] {
  const { pool, newPool, options } = input;
  if (newPool === undefined) {
    return [
      {
        title: `Go back to ${pool.osSku ?? "the old osSku"} on ${pool.name}`,
        commands:
          pool.osSku === undefined
            ? []
            : [`${azPool("update", input, pool.name)} --os-sku ${word(pool.osSku)}`],
        note: "AKS cannot revert an OS SKU change: going back is another in-place update where AKS allows it (not back to Azure Linux 2), or a new pool.",
      },
    ];
  }
  const steps: RunbookStep[] = [
    ...(options.oldPoolShrink === "with-drain"
      ? [
          {
            title: `Scale ${pool.name} back to ${pool.count} nodes (when its drained machines were deleted)`,
            commands: [`${azPool("scale", input, pool.name)} --node-count ${pool.count}`],
          },
        ]
      : []),
    {
      title: `Let pods back onto ${pool.name}`,
      commands: [`kubectl taint nodes -l agentpool=${word(pool.name)} ${RETIRING_TAINT.key}-`],
    },
  ];
  if (pool.enableAutoScaling) {
    steps.push({
      title: `Restore ${pool.name}'s autoscaler`,
      commands: [`${azPool("update", input, pool.name)} ${enableAutoscaler(pool)}`],
    });
  }
  steps.push({
    title: `Move pods off ${newPool.name} (when pods moved)`,
    commands: [
      `kubectl taint nodes -l agentpool=${word(newPool.name)} ${RETIRING}`,
      drainCommand(`-l agentpool=${word(newPool.name)}`, options),
    ],
  });
  if (options.prePositionReplicas) {
    steps.push({ title: "Restore replica counts", commands: scaleCommands(input, 0) });
  }
  steps.push({
    title: `Delete ${newPool.name}`,
    commands: [azPool("delete", input, newPool.name)],
    ...(options.keepNewPoolOnRollback && {
      note: "Kept for investigation (keepNewPoolOnRollback): delete it when done.",
    }),
  });
  return steps;
}

/** The workflow's steps, one line each, in order. */
export function workflowSteps(input: RunbookInput): string[] {
  const { pool, newPool, options, targetOsSku } = input;
  const window = windowText(options);
  const before = [
    `Preflight: read ${pool.name} and its workloads; no change`,
    ...(input.blocked
      ? ["Gate override: an approver accepts the blocking findings or rejects the migration"]
      : []),
    ...(window === undefined ? [] : [`Wait for the maintenance window (${window})`]),
    "Gate start: an approver lets the migration begin",
  ];
  const close = "Close: post-migration checks, cost and duration per phase";
  const smoke = options.smokePod ? ", a smoke pod" : "";
  if (newPool === undefined) {
    return [
      ...before,
      `Update ${pool.name} in place to ${targetOsSku} (AKS surges and reimages each node)`,
      `Validate ${pool.name}: nodes Ready on ${targetOsSku}, daemonsets running${smoke}`,
      close,
    ];
  }
  const cordon = [
    `Cordon ${pool.name}: taint ${RETIRING}`,
    pool.enableAutoScaling ? ", autoscaler off (its bounds kept)" : "",
    options.prePositionReplicas ? ", one more replica per controller" : "",
  ].join("");
  return [
    ...before,
    `Create pool ${newPool.name} (${newPool.osSku}, ${newPool.count} x ${newPool.vmSize}) and poll until it is Succeeded`,
    `Validate ${newPool.name}: nodes Ready on ${newPool.osSku}, daemonsets running${smoke}`,
    "Gate cutover: an approver reviews the validation",
    cordon,
    `Drain ${input.drainOrder.length} node(s), ${batchText(options)}, least critical first, health gates between batches${options.newPoolGrowth === "with-drain" && !newPool.enableAutoScaling ? `, ${newPool.name} grown two batches ahead` : ""}${options.oldPoolShrink === "with-drain" ? `, drained machines deleted once past their gate` : ""}`,
    `Keep ${pool.name} for ${durationText(options.retentionSeconds)} (retention) so a rollback stays fast`,
    ...(options.deleteGate ? ["Gate delete: an approver lets the old pool go"] : []),
    `Delete ${pool.name}${options.prePositionReplicas ? ", restore replica counts" : ""}`,
    close,
  ];
}
