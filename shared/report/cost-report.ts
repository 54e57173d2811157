// GET /api/reports/cost: what migrations cost in overlap (the old pool's node-hours while the new one ran,
// as each migration's summary priced it), per migration and per UTC month of completion, and what moving
// every known pool once a year would cost (the practice's "rotation tax"), and each fleet rollout's waves,
// spent against their forecast.

import { type Cost, type PriceBasis, rotationTax } from "../domain/cost/cost.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../domain/migration/migration-options.ts";
import type { MigrationRecord, Outcome } from "../domain/migration/migration-record.ts";
import { newPoolOverlapPlan, SOAK_HOURS } from "../domain/migration/preflight-plan.ts";
import type { RolloutRepository } from "../domain/ports/rollouts.ts";
import { drainModel } from "../domain/rollout/pool-selection.ts";
import type { RolloutRecord } from "../domain/rollout/rollout-record.ts";
import { currentFleet, NO_INVENTORY, type RolloutPlanPorts } from "../rollout/plan-rollout.ts";

export interface MigrationCost {
  id: string;
  cluster: string;
  pool: string;
  outcome: Outcome;
  /** The UTC instant its record was last written, when it ended. */
  completedAt: string;
  overlapNodeHours: number;
  /** The priced part; null when the migration recorded no cost. */
  cost: number | null;
  unpricedVmSizes: string[];
}

export interface CostTotal {
  migrations: number;
  overlapNodeHours: number;
  cost: number;
  /** Migrations whose cost is missing or only partly priced: `cost` leaves them (or part of them) out. */
  incomplete: number;
}

export interface YearlyRotation {
  pools: number;
  nodes: number;
  /** Overlap cost of moving every pool once (priced part). */
  annualOverlapCost: number;
  /** Running every pool all year (priced part). */
  annualSpend: number;
  /** annualOverlapCost / annualSpend; null while a VM size has no price. */
  share: number | null;
  unpricedVmSizes: string[];
  /** The mean cost of the past migrations that recorded one, times the pools; null without any. */
  measuredAnnualOverlapCost: number | null;
  assumptions: string[];
}

/** One wave of a fleet rollout: what its ended migrations cost against what the plan forecast for them. */
export interface WaveCost {
  rollout: string;
  wave: number;
  start: string;
  /** The plan's forecast for the whole wave (priced part). */
  forecast: number;
  /** Migrations of the wave that ended with a cost, and what the plan forecast for those. */
  ended: number;
  actual: number;
  forecastOfEnded: number;
  overlapNodeHours: number;
}

export interface CostReport {
  generatedAt: string;
  currency: string;
  prices: PriceBasis;
  migrations: MigrationCost[];
  /** By UTC month of completion ("2026-11"), oldest first. */
  months: (CostTotal & { month: string })[];
  total: CostTotal;
  /** Every fleet rollout's waves, newest rollout first. */
  waves: WaveCost[];
  /** Null before any inventory scan has finished (`notes` says so). */
  yearlyRotation: YearlyRotation | null;
  notes: string[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** The summary the migration's close wrote (overlap node-hours and its priced Cost), read defensively. */
function costOf(record: MigrationRecord & { outcome: Outcome }): MigrationCost {
  const summary = isRecord(record.summary) ? record.summary : {};
  const hours = typeof summary.overlapNodeHours === "number" ? summary.overlapNodeHours : 0;
  const cost = isRecord(summary.cost) ? (summary.cost as Cost) : undefined;
  return {
    id: record.id,
    cluster: record.cluster,
    pool: record.pool,
    outcome: record.outcome,
    completedAt: record.updatedAt,
    overlapNodeHours: hours,
    // No overlap (in place, or ended before a new pool existed) costs nothing, priced or not.
    cost:
      cost?.kind === "known"
        ? cost.amount
        : cost?.kind === "unknown"
          ? cost.knownPart
          : hours === 0
            ? 0
            : null,
    unpricedVmSizes: cost?.kind === "unknown" ? cost.unknownVmSizes : [],
  };
}

function totalOf(costs: readonly MigrationCost[]): CostTotal {
  return {
    migrations: costs.length,
    overlapNodeHours: costs.reduce((sum, c) => sum + c.overlapNodeHours, 0),
    cost: costs.reduce((sum, c) => sum + (c.cost ?? 0), 0),
    incomplete: costs.filter((c) => c.cost === null || c.unpricedVmSizes.length > 0).length,
  };
}

function waveCosts(rollout: RolloutRecord): WaveCost[] {
  return rollout.waves.map((wave) => {
    const ended = wave.pools.filter((pool) => pool.cost !== null);
    const add = (values: (number | null)[]) => values.reduce<number>((sum, v) => sum + (v ?? 0), 0);
    return {
      rollout: rollout.id,
      wave: wave.index,
      start: wave.start,
      forecast: rollout.plan.forecast.waves.find((w) => w.wave === wave.index)?.cost ?? 0,
      ended: ended.length,
      actual: add(ended.map((pool) => pool.cost)),
      forecastOfEnded: add(ended.map((pool) => pool.forecastCost)),
      overlapNodeHours: add(wave.pools.map((pool) => pool.overlapNodeHours)),
    };
  });
}

const priced = (cost: Cost) => (cost.kind === "known" ? cost.amount : cost.knownPart);

export async function costReport(
  ports: RolloutPlanPorts & { rollouts: RolloutRepository },
  now: Date,
): Promise<CostReport> {
  const { prices } = ports;
  const history = await ports.migrations.list();
  const ended = history
    .filter((record): record is MigrationRecord & { outcome: Outcome } => record.outcome !== null)
    .map(costOf)
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt) || a.id.localeCompare(b.id));
  const months = [...new Set(ended.map((c) => c.completedAt.slice(0, 7)))].map((month) => ({
    month,
    ...totalOf(ended.filter((c) => c.completedAt.startsWith(month))),
  }));
  const notes: string[] = [];
  const fleet = await currentFleet(ports);
  if (!fleet) notes.push(`yearlyRotation: ${NO_INVENTORY}`);

  let yearlyRotation: YearlyRotation | null = null;
  if (fleet) {
    const options = DEFAULT_MIGRATION_OPTIONS;
    const drain = drainModel(history);
    const pools = fleet.pools.map(({ pool }) => ({
      vmSize: pool.vmSize,
      nodeCount: pool.count,
      migrationsPerYear: 1,
      mode: pool.mode,
      availabilityZones: pool.availabilityZones,
    }));
    const tax = rotationTax(prices, pools, (pool) =>
      newPoolOverlapPlan(options, drain.drainHoursPerNode, pool),
    );
    const measured = ended.filter((c) => c.cost !== null && c.unpricedVmSizes.length === 0);
    const measuredMean = measured.length ? totalOf(measured).cost / measured.length : undefined;
    yearlyRotation = {
      pools: pools.length,
      nodes: pools.reduce((sum, p) => sum + p.nodeCount, 0),
      annualOverlapCost: priced(tax.annualOverlap),
      annualSpend: priced(tax.annualSpend),
      share: tax.share ?? null,
      unpricedVmSizes: [
        ...new Set(
          [tax.annualOverlap, tax.annualSpend].flatMap((c) => (c.kind === "unknown" ? c.unknownVmSizes : [])),
        ),
      ].sort(),
      measuredAnnualOverlapCost: measuredMean === undefined ? null : measuredMean * pools.length,
      assumptions: [
        `every pool of the latest inventory (scan ${fleet.scan.scanId}) moves once a year, blue-green to a new pool at its current size and node count`,
        `overlap per pool: ${SOAK_HOURS} h soak, then the drain in batches of ${options.batchSize === "auto" ? "up to a fifth of the pool (10 nodes in a small one, never more than half)" : options.batchSize}${options.newPoolGrowth === "with-drain" ? ", the new pool grown ahead of each" : ""}${options.oldPoolShrink === "with-drain" ? ", the old pool's drained nodes deleted behind it" : ""}, then ${options.retentionSeconds / 3600} h retention of ${options.oldPoolShrink === "with-drain" ? "what the old pool keeps" : "the old pool"}`,
        `drain time per node: ${drain.basis}`,
        `prices: ${prices.source} (${prices.sourced ? `as of ${prices.pricesAsOf}` : "not sourced"}), ${prices.region}, ${prices.os}, ${prices.pricing}`,
        measuredMean === undefined
          ? "measured: no past migration recorded a fully priced cost"
          : `measured: the mean of ${measured.length} past migration(s) fully priced, times the pools`,
      ],
    };
  }

  return {
    generatedAt: now.toISOString(),
    currency: prices.currency,
    prices: {
      source: prices.source,
      sourced: prices.sourced,
      ...(prices.pricesAsOf !== undefined && { pricesAsOf: prices.pricesAsOf }),
    },
    migrations: ended,
    months,
    total: totalOf(ended),
    waves: (await ports.rollouts.list()).flatMap(waveCosts),
    yearlyRotation,
    notes,
  };
}
