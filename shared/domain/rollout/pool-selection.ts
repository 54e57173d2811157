// Which pools a rollout moves, to what, by when, and what each costs and weighs: the planner's input, one
// candidate per pool, before any of them is placed in time.

import type { Cost, PriceTable } from "../cost/cost.ts";
import type { Cluster, NodePool } from "../fleet/model.ts";
import { type IsoDate, utcDayOf } from "../lifecycle/calendar-date.ts";
import { checkCompatibility } from "../lifecycle/compatibility.ts";
import type { PoolAssessment } from "../lifecycle/pool-assessment.ts";
import { autoBatchCap } from "../migration/drain-batches.ts";
import type { MigrationOptions } from "../migration/migration-options.ts";
import type { MigrationRecord } from "../migration/migration-record.ts";
import { DRAIN_HOURS_PER_NODE, newPoolOverlap } from "../migration/preflight-plan.ts";
import type { PoolMigrationRisk } from "../risk/migration-risk.ts";
import type { RolloutPolicy } from "./rollout-policy.ts";

const HOUR_MS = 3_600_000;

export type RiskLevel = "simple" | "unknown" | "complex";
/** Ring order: known-simple first, unknown next, complex last. */
export const RISK_ORDER: readonly RiskLevel[] = ["simple", "unknown", "complex"];

export interface PoolCandidate {
  cluster: Cluster;
  pool: NodePool;
  fromOsSku: string;
  targetOsSku: string;
  /** End of support, or image removal once end of support has passed; absent when the calendar has neither. */
  deadline?: IsoDate;
  durationMs: number;
  overlapNodeHours: number;
  cost: Cost;
  /** Known spend per hour while it runs (the priced part when a VM size has no price). */
  spendPerHour: number;
  risk: RiskLevel;
  riskNote: string;
}

export interface Unplanned {
  cluster: string;
  pool: string;
  reason: string;
}

/** How long a node's drain takes, by default or as measured by past migrations. */
export interface DrainModel {
  drainHoursPerNode: number;
  basis: string;
}

function numberAt(value: unknown, key: string): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "number" && Number.isFinite(found) ? found : undefined;
}

/** How many batches a drain of `nodes` took: a batch drains in the time of one node. */
function batchCount(nodes: number, batchSize: MigrationOptions["batchSize"]): number {
  return Math.ceil(nodes / (batchSize === "auto" ? autoBatchCap(nodes) : batchSize));
}

/** Mean drain time per node (as if one at a time) of past successful migrations, else the default. */
export function drainModel(history: readonly MigrationRecord[]): DrainModel {
  const measured = history.flatMap((record) => {
    const summary = record.summary as { phaseSeconds?: unknown } | null;
    const seconds = numberAt(summary?.phaseSeconds, "draining");
    if (record.outcome !== "succeeded" || !seconds || record.nodes.total <= 0) return [];
    // The batches it ran, when its summary counts them; else as many as its options would cut.
    const batches = numberAt(summary, "batches") ?? batchCount(record.nodes.total, record.options.batchSize);
    return [seconds / 3600 / batches];
  });
  if (measured.length === 0) {
    return {
      drainHoursPerNode: DRAIN_HOURS_PER_NODE,
      basis: `no past migrations: ${DRAIN_HOURS_PER_NODE * 60} minutes per node (AKS's default batch soak)`,
    };
  }
  const mean = measured.reduce((sum, hours) => sum + hours, 0) / measured.length;
  return {
    drainHoursPerNode: mean,
    basis: `measured: ${(mean * 60).toFixed(1)} minutes per node, the mean of ${measured.length} past successful migration(s)`,
  };
}

/** End of support while it is ahead; once it has passed, the image removal (the date pools stop scaling). */
export function deadlineOf(assessment: PoolAssessment, now: Date): IsoDate | undefined {
  const today = utcDayOf(now);
  const { endOfSupport, imageRemoval } = assessment;
  if (endOfSupport !== undefined && endOfSupport > today) return endOfSupport;
  return imageRemoval ?? endOfSupport;
}

function selected(policy: RolloutPolicy, assessment: PoolAssessment): boolean {
  if (policy.pools === undefined) return policy.states.includes(assessment.state);
  const { cluster, pool } = assessment.ref;
  return policy.pools.some((entry) => {
    const [clusterName, poolName] = entry.toLowerCase().split("/");
    return (
      clusterName === cluster.toLowerCase() && (poolName === undefined || poolName === pool.toLowerCase())
    );
  });
}

function targetFor(policy: RolloutPolicy, from: string): string | undefined {
  const key = Object.keys(policy.targets).find((sku) => sku.toLowerCase() === from.toLowerCase());
  return key === undefined ? undefined : policy.targets[key];
}

function riskOf(
  risks: ReadonlyMap<string, readonly PoolMigrationRisk[]> | undefined,
  cluster: Cluster,
  pool: string,
): { risk: RiskLevel; riskNote: string } {
  if (risks === undefined)
    return { risk: "unknown", riskNote: "risk unknown (a fleet file lists no workloads)" };
  const pools = risks.get(cluster.id.toLowerCase());
  const found = pools?.find((p) => p.pool.toLowerCase() === pool.toLowerCase());
  if (!found) {
    const why = pools ? "its pool has no dependency scan result" : "the cluster has no dependency scan yet";
    return { risk: "unknown", riskNote: `risk unknown (${why})` };
  }
  const count = found.reasons.filter((reason) => reason.severity !== "caution").length;
  return {
    risk: found.complexity,
    riskNote: found.complexity === "simple" ? "risk simple" : `risk complex (${count} finding(s))`,
  };
}

export interface SelectionInput {
  now: Date;
  clusters: readonly Cluster[];
  assessments: readonly PoolAssessment[];
  policy: RolloutPolicy;
  prices: PriceTable;
  options: MigrationOptions;
  drain: DrainModel;
  risks?: ReadonlyMap<string, readonly PoolMigrationRisk[]>;
}

export function selectPools(input: SelectionInput): { candidates: PoolCandidate[]; unplanned: Unplanned[] } {
  const candidates: PoolCandidate[] = [];
  const unplanned: Unplanned[] = [];
  for (const assessment of input.assessments) {
    if (!selected(input.policy, assessment)) continue;
    const cluster = input.clusters.find((c) => c.id.toLowerCase() === assessment.ref.clusterId.toLowerCase());
    const pool = cluster?.nodePools.find((p) => p.name === assessment.ref.pool);
    if (!cluster || !pool) continue;
    const names = { cluster: cluster.name, pool: pool.name };
    const fromOsSku = pool.osSku ?? assessment.effectiveOs;
    const targetOsSku = targetFor(input.policy, fromOsSku) ?? assessment.recommendation?.osSku;
    if (targetOsSku === undefined) {
      unplanned.push({
        ...names,
        reason: `no target: the policy maps no target for ${fromOsSku} and the calendar recommends none`,
      });
      continue;
    }
    const compatibility = checkCompatibility(targetOsSku, {
      kubernetesVersion: assessment.kubernetesVersion,
      osType: pool.osType,
      ...(pool.enableFips !== undefined && { enableFips: pool.enableFips }),
    });
    if (!compatibility.compatible) {
      unplanned.push({
        ...names,
        reason: `${targetOsSku} cannot run on it: ${compatibility.reasons.join("; ")}`,
      });
      continue;
    }
    const estimate = newPoolOverlap(input.prices, pool, input.options, input.drain.drainHoursPerNode);
    const known = estimate.cost.kind === "known" ? estimate.cost.amount : estimate.cost.knownPart;
    const deadline = deadlineOf(assessment, input.now);
    candidates.push({
      cluster,
      pool,
      fromOsSku,
      targetOsSku,
      ...(deadline !== undefined && { deadline }),
      durationMs: estimate.durationHours * HOUR_MS,
      overlapNodeHours: estimate.overlapNodeHours,
      cost: estimate.cost,
      spendPerHour: estimate.durationHours > 0 ? known / estimate.durationHours : 0,
      ...riskOf(input.risks, cluster, pool.name),
    });
  }
  return { candidates, unplanned };
}
