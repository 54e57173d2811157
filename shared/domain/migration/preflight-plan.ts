// The preflight's plan, from facts read without changing anything: the strategy and why, the new pool,
// the drain's order and what it will do with each pod, what blocks it, the steps, a runbook a person
// could follow instead, the rollback, and what the overlap costs.

import { approvalPolicyOf } from "../access/approval-policy.ts";
import {
  nodeHoursCost,
  type OverlapEstimate,
  type OverlapPlan,
  overlapCost,
  type PriceTable,
} from "../cost/cost.ts";
import { assessDrain, type PodDrainStatus } from "../drain/pod-filters.ts";
import type { NodePool } from "../fleet/model.ts";
import { type Compatibility, checkCompatibility } from "../lifecycle/compatibility.ts";
import type { DatedFact } from "../lifecycle/lifecycle-calendar.ts";
import { assessPoolMigration, type WorkloadRef } from "../risk/migration-risk.ts";
import type { ClusterFacts } from "../workloads/cluster-facts.ts";
import { nameOf, namespaceOf } from "../workloads/kube-objects.ts";
import { owningWorkload } from "../workloads/owning-workload.ts";
import {
  budgetLoad,
  drainBatches,
  growsWithDrain,
  headroomNodes,
  retainedOldNodes,
} from "./drain-batches.ts";
import { drainOrder } from "./drain-order.ts";
import type { MigrationOptions } from "./migration-options.ts";
import type { Finding, MigrationPlan, PreflightFacts } from "./migration-plan.ts";
import type { PodName } from "./migration-record.ts";
import { durationText, rollbackRunbook, runbook, workflowSteps } from "./migration-runbook.ts";
import { newPoolName, newPoolSpec } from "./new-pool.ts";
import { preflightFindings } from "./preflight-findings.ts";

/** Both pools run before the first drain: AKS blue-green's default final soak is 60 minutes. */
export const SOAK_HOURS = 1;
/** Evicting, rescheduling and the health gate per node: AKS blue-green's default batch soak is 15 minutes. */
export const DRAIN_HOURS_PER_NODE = 0.25;
const HOUR_MS = 3_600_000;

export function buildPlan(asked: PreflightFacts): MigrationPlan {
  const { cluster, pool, targetOsSku, workloads } = asked;
  const compatibility = checkCompatibility(targetOsSku, {
    kubernetesVersion: pool.currentOrchestratorVersion ?? pool.orchestratorVersion,
    osType: pool.osType,
    ...(pool.enableFips !== undefined && { enableFips: pool.enableFips }),
  });
  const risk = assessPoolMigration(workloads, pool.name);
  const order = drainOrder(
    workloads.nodes.filter((node) => risk.nodes.includes(nameOf(node.metadata))),
    workloads,
  );
  const batches = drainBatches(order, budgetLoad(order, workloads), asked.options.batchSize);
  const keptWhole = oldPoolKeptWhole(asked, chooseStrategy(asked, compatibility).chosen, batches);
  const facts: PreflightFacts = keptWhole
    ? { ...asked, options: { ...asked.options, oldPoolShrink: "at-end" } }
    : asked;
  const { options } = facts;
  const strategy = chooseStrategy(facts, compatibility);
  const name =
    options.newPoolName ??
    newPoolName(
      pool.name,
      cluster.nodePools.map((p) => p.name),
      pool.osType,
      targetOsSku,
    );
  const newPool = strategy.chosen === "new-pool" ? newPoolSpec(pool, name, targetOsSku) : undefined;
  const drainPods = assessDrain(workloads, new Set(risk.nodes)).pods;
  const findings = [
    ...preflightFindings({
      facts,
      compatibility,
      risk,
      drainPods,
      ...(newPool !== undefined && { newPool }),
    }),
    ...(keptWhole ? [keptWhole] : []),
  ];
  const blocked = findings.some((finding) => finding.severity === "blocking");
  const controllers = controllersOnPool(workloads, drainPods);
  const runbookInput = {
    cluster,
    pool,
    targetOsSku,
    ...(newPool !== undefined && { newPool }),
    drainOrder: order,
    controllers,
    options,
    blocked,
  };
  return {
    clusterId: cluster.id,
    cluster: cluster.name,
    pool: pool.name,
    targetOsSku,
    strategy,
    ...(newPool !== undefined && { newPool }),
    drainOrder: order,
    batches,
    pods: podCounts(drainPods),
    controllers,
    findings,
    blocked,
    steps: workflowSteps(runbookInput),
    runbook: runbook(runbookInput),
    thresholds: options.thresholds,
    rollback: rollbackRunbook(runbookInput),
    cost: costOf(facts, strategy.chosen, batches),
    approvals: approvalPolicyOf(cluster.tags ?? {}, facts.twoApproversWhere),
    oldPoolShrinks: strategy.chosen === "new-pool" && options.oldPoolShrink === "with-drain",
    ...(facts.oldImageRemoval && { oldImageRemoval: facts.oldImageRemoval }),
  };
}

/** Slack past the forecast end: approvals and pauses wait on people, which the forecast leaves out. */
const REMOVAL_SLACK_HOURS = 7 * 24;

/**
 * Whether node images removed on `removal` are gone before a migration of `durationHours` from `nowMs`
 * ends, a week's slack included (none when asking whether they are gone already). A date that does not
 * parse counts as gone: the safe side.
 */
export function imagesGoneBeforeEnd(
  removal: DatedFact | undefined,
  nowMs: number,
  durationHours: number | "now",
): boolean {
  if (removal === undefined) return false;
  const removedMs = Date.parse(`${removal.date}T00:00:00Z`);
  const hours = durationHours === "now" ? 0 : durationHours + REMOVAL_SLACK_HOURS;
  return Number.isNaN(removedMs) || removedMs <= nowMs + hours * HOUR_MS;
}

/**
 * Shrinking the old pool with the drain counts on scaling it back for a rollback, which AKS refuses once
 * the pool's node images are removed: when that happens before the migration would end (its retention
 * included), or already has, the old pool keeps its machines until its delete.
 */
function oldPoolKeptWhole(
  facts: PreflightFacts,
  strategy: MigrationPlan["strategy"]["chosen"],
  batches: readonly string[][],
): Finding | undefined {
  const { oldImageRemoval: removal, options, pool, now } = facts;
  if (strategy !== "new-pool" || options.oldPoolShrink !== "with-drain" || removal === undefined) {
    return undefined;
  }
  const nowMs = Date.parse(now);
  if (!imagesGoneBeforeEnd(removal, nowMs, costOf(facts, strategy, batches).durationHours)) return undefined;
  const when = Number.isNaN(Date.parse(`${removal.date}T00:00:00Z`))
    ? "have a removal date that cannot be read, so they are taken as removed"
    : imagesGoneBeforeEnd(removal, nowMs, "now")
      ? "were removed"
      : "are removed before this migration would end, a week's slack included";
  return {
    code: "old-pool-kept-whole",
    severity: "warning",
    detail: `${pool.name}'s node images ${when} (${removal.date}, ${removal.sourceUrl}): from then on the pool cannot scale, so a rollback could not bring back deleted machines. Its drained machines stay until the pool is deleted (oldPoolShrink "at-end" for this migration), at the cost of more overlap node-hours.`,
    subject: pool.name,
  };
}

function chooseStrategy(
  { pool, targetOsSku, options }: PreflightFacts,
  compatibility: Compatibility,
): MigrationPlan["strategy"] {
  const kept =
    options.oldPoolShrink === "with-drain"
      ? `its drained machines are deleted as it empties, the pool itself stays ${durationText(options.retentionSeconds)} after the drain, so a rollback scales it back`
      : `the old pool stays ${durationText(options.retentionSeconds)} after the drain, so a rollback is fast`;
  const newPool = `a new pool with ${targetOsSku} beside ${pool.name}, then drain ${pool.name}: ${kept}`;
  if (options.preferredStrategy === "new-pool") {
    return { chosen: "new-pool", reasons: [`${newPool} (policy prefers a new pool)`] };
  }
  if (compatibility.method !== "update-os-sku") {
    const why = compatibility.compatible
      ? `${pool.osType} versions cannot be switched in place`
      : `${targetOsSku} cannot run on this pool (${compatibility.reasons.join("; ")})`;
    return { chosen: "new-pool", reasons: [`in-place was preferred, but ${why}`, newPool] };
  }
  return {
    chosen: "in-place",
    reasons: [
      `in-place as policy prefers: \`az aks nodepool update --os-sku ${targetOsSku}\` switches Linux SKUs, surging and reimaging each node`,
      "cheaper: no second pool runs beside this one, only AKS's surge nodes",
      "no fast rollback: AKS cannot revert an OS SKU change, so going back is another update or a new pool",
    ],
  };
}

function podCounts(pods: readonly PodDrainStatus[]): MigrationPlan["pods"] {
  const skipped: Record<string, number> = {};
  const blocked: PodName[] = [];
  let evict = 0;
  for (const { pod, verdict, reason } of pods) {
    if (verdict === "okay") evict++;
    else if (verdict === "skip") skipped[reason] = (skipped[reason] ?? 0) + 1;
    else blocked.push({ namespace: namespaceOf(pod.metadata), name: nameOf(pod.metadata) });
  }
  return { evict, skipped, blocked };
}

/** Deployments and statefulsets with pods the drain moves, once each, by kind, namespace and name. */
export function controllersOnPool(
  facts: ClusterFacts,
  pods: readonly PodDrainStatus[],
): { workload: WorkloadRef; replicas: number }[] {
  const found = new Map<string, { workload: WorkloadRef; replicas: number }>();
  for (const { pod, verdict } of pods) {
    if (verdict === "skip") continue;
    const { kind, namespace, name, replicas } = owningWorkload(facts, pod);
    if (replicas === undefined) continue;
    found.set(`${kind}/${namespace}/${name}`, { workload: { kind, namespace, name }, replicas });
  }
  return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

function costOf(
  { pool, prices, options }: PreflightFacts,
  strategy: MigrationPlan["strategy"]["chosen"],
  batches: readonly string[][],
) {
  if (strategy === "in-place") {
    // About one surge node runs while AKS reimages the nodes one after another.
    const surgeNodeHours = pool.count * DRAIN_HOURS_PER_NODE;
    return {
      overlapNodeHours: surgeNodeHours,
      durationHours: surgeNodeHours,
      estimate: nodeHoursCost(prices, [{ vmSize: pool.vmSize, nodeHours: surgeNodeHours }]),
    };
  }
  const estimate = newPoolOverlap(
    prices,
    { ...pool, batches: batches.map((batch) => batch.length) },
    // The new pool's autoscaler, copied from the old pool, owns its count: it is created at full size.
    growsWithDrain(options, pool) ? options : { ...options, newPoolGrowth: "up-front" },
  );
  return {
    overlapNodeHours: estimate.overlapNodeHours,
    durationHours: estimate.durationHours,
    estimate: estimate.cost,
  };
}

type OverlapOptions = Pick<
  MigrationOptions,
  "batchSize" | "retentionSeconds" | "newPoolGrowth" | "oldPoolShrink"
>;

/**
 * How a new-pool migration overlaps: soak, then the drain in batches (each in the time of one node),
 * the pools grown and shrunk as the options say, then the retention window. `drainHoursPerNode` is one
 * node's drain alone; measured history may replace the default. `batches`: the plan's, when known.
 */
export function newPoolOverlapPlan(
  options: OverlapOptions,
  drainHoursPerNode = DRAIN_HOURS_PER_NODE,
  pool: Partial<Pick<NodePool, "mode" | "availabilityZones">> & { batches?: readonly number[] } = {},
): OverlapPlan {
  return {
    soakHours: SOAK_HOURS,
    drainHoursPerNode,
    pattern: {
      kind: "stepped",
      batches: pool.batches ?? options.batchSize,
      growNewPool: options.newPoolGrowth === "with-drain",
      headroomNodes: headroomNodes(pool.availabilityZones),
      shrinkOldPool: options.oldPoolShrink === "with-drain",
      retainedNodes: retainedOldNodes(pool.mode ?? "User"),
      retentionHours: options.retentionSeconds / 3600,
    },
  };
}

/** A new-pool migration's overlap (newPoolOverlapPlan) and its cost. */
export function newPoolOverlap(
  prices: PriceTable,
  pool: Pick<NodePool, "vmSize" | "count"> &
    Partial<Pick<NodePool, "mode" | "availabilityZones">> & { batches?: readonly number[] },
  options: OverlapOptions,
  drainHoursPerNode = DRAIN_HOURS_PER_NODE,
): OverlapEstimate {
  return overlapCost(
    prices,
    { vmSize: pool.vmSize, nodeCount: pool.count },
    newPoolOverlapPlan(options, drainHoursPerNode, pool),
  );
}
