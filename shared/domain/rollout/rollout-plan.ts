// The fleet rollout plan: which pools move, in which wave and when, what it costs, which deadlines it
// misses and what would meet them (found by planning again with one limit changed), and when to tell
// people. Pure and deterministic: the same input gives the same plan.

import { type Cost, nodeHoursCost, type PriceBasis, type PriceTable } from "../cost/cost.ts";
import type { Cluster } from "../fleet/model.ts";
import { type IsoDate, utcDayOf, utcMidnight } from "../lifecycle/calendar-date.ts";
import type { Calendar } from "../lifecycle/lifecycle-calendar.ts";
import { assessFleet } from "../lifecycle/pool-assessment.ts";
import { DEFAULT_MIGRATION_OPTIONS, type MigrationOptions } from "../migration/migration-options.ts";
import type { MigrationRecord } from "../migration/migration-record.ts";
import { SOAK_HOURS } from "../migration/preflight-plan.ts";
import type { PoolMigrationRisk } from "../risk/migration-risk.ts";
import {
  type DrainModel,
  drainModel,
  type PoolCandidate,
  selectPools,
  type Unplanned,
} from "./pool-selection.ts";
import { type CommunicationEvent, waveCommunications } from "./rollout-communications.ts";
import type { RolloutPolicy } from "./rollout-policy.ts";
import {
  type ClusterUnit,
  clusterUnits,
  compareText,
  DAY_MS,
  HOUR_MS,
  type Placement,
  schedule,
} from "./rollout-schedule.ts";

export interface RolloutInput {
  now: Date;
  clusters: readonly Cluster[];
  calendar: Calendar;
  policy: RolloutPolicy;
  prices: PriceTable;
  /** Dependency scan results by cluster ARM id (lower case); absent when there are none (a fleet file). */
  risks?: ReadonlyMap<string, readonly PoolMigrationRisk[]>;
  /** Past migrations: their measured drain times replace the default estimate. */
  history?: readonly MigrationRecord[];
  /** The options every planned migration starts with; its window is set per cluster. */
  migrationOptions?: MigrationOptions;
}

export interface PlannedMigration {
  cluster: string;
  clusterId: string;
  pool: string;
  fromOsSku: string;
  targetOsSku: string;
  /** ISO instants. */
  start: string;
  end: string;
  deadline: IsoDate | null;
  slackDays: number | null;
  durationHours: number;
  overlapNodeHours: number;
  /** In the plan's currency; null when its VM size has no price. */
  cost: number | null;
  /** What to start the pool migration with, as a request states it: only what differs from the defaults. */
  options: Partial<MigrationOptions>;
  reason: string;
}

export interface Wave {
  index: number;
  canary: boolean;
  start: string;
  end: string;
  clusters: string[];
  migrations: PlannedMigration[];
}

export interface Miss {
  cluster: string;
  pool: string;
  deadline: IsoDate | null;
  /** Null when no wave within reach takes the pool at all. */
  daysLate: number | null;
  fix: string;
}

export interface SpendForecast {
  migrations: number;
  /** From the first migration's start to the last one's end. */
  durationHours: number;
  overlapNodeHours: number;
  /** The priced part; `unpricedVmSizes` lists what it leaves out. */
  cost: number;
  unpricedVmSizes: string[];
  /** The most forecast overlap spend on one UTC day (priced part). */
  peakDailySpend: number;
  /** The least slack before a deadline; null when no migration has a deadline. */
  minSlackDays: number | null;
}

export interface Forecast {
  waves: (SpendForecast & { wave: number })[];
  total: SpendForecast;
  model: {
    soakHours: number;
    drainHoursPerNode: number;
    batchSize: number | "auto";
    retentionHours: number;
    basis: string;
  };
}

export interface RolloutPlan {
  now: string;
  start: IsoDate;
  currency: string;
  prices: PriceBasis;
  waves: Wave[];
  misses: Miss[];
  forecast: Forecast;
  communications: CommunicationEvent[];
  /** Selected pools the rollout cannot move, and why. */
  unplanned: Unplanned[];
  notes: string[];
}

const keyOf = (candidate: PoolCandidate) => `${candidate.cluster.id.toLowerCase()}/${candidate.pool.name}`;

function slackDays(candidate: PoolCandidate, endMs: number): number | null {
  if (candidate.deadline === undefined) return null;
  return Math.floor((utcMidnight(candidate.deadline) - endMs) / DAY_MS);
}

interface Outcome {
  placements: Placement[];
  unplaced: { unit: ClusterUnit; why: string }[];
  /** Pool key to days late (null: not placed). */
  late: Map<string, number | null>;
}

function run(candidates: readonly PoolCandidate[], policy: RolloutPolicy, startMs: number): Outcome {
  const { placements, unplaced } = schedule(clusterUnits(candidates, policy), policy, startMs);
  const late = new Map<string, number | null>();
  for (const { candidate, endMs } of placements) {
    if (candidate.deadline !== undefined && endMs > utcMidnight(candidate.deadline)) {
      late.set(keyOf(candidate), Math.ceil((endMs - utcMidnight(candidate.deadline)) / DAY_MS));
    }
  }
  for (const { unit } of unplaced) for (const pool of unit.pools) late.set(keyOf(pool), null);
  return { placements, unplaced, late };
}

interface Variant {
  policy: RolloutPolicy;
  startMs: number;
  fix: string;
}

const STEPS = 8;
const BUDGET_FACTORS = [1.25, 1.5, 2, 3, 4, 6, 8, 16];

/** One limit at a time, loosened step by step: each dimension's variants, smallest change first. */
function variants(policy: RolloutPolicy, startMs: number, todayMs: number, currency: string): Variant[][] {
  const steps = Array.from({ length: STEPS }, (_, i) => i + 1);
  const inFlight = steps.map((n) => ({
    policy: { ...policy, maxPoolsInFlight: policy.maxPoolsInFlight + n },
    startMs,
    fix: `maxPoolsInFlight ${policy.maxPoolsInFlight + n} would meet it`,
  }));
  const perWave = steps.map((n) => ({
    policy: { ...policy, maxClustersPerWave: policy.maxClustersPerWave + n },
    startMs,
    fix: `maxClustersPerWave ${policy.maxClustersPerWave + n} would meet it`,
  }));
  const budget = policy.dailyBudget;
  const budgets =
    budget === undefined
      ? []
      : BUDGET_FACTORS.map((factor) => Math.ceil(budget * factor)).map((amount) => ({
          policy: { ...policy, dailyBudget: amount },
          startMs,
          fix: `a daily budget of ${amount} ${currency} would meet it`,
        }));
  const earlier = steps
    .map((n) => startMs - n * policy.cadenceDays * DAY_MS)
    .filter((ms) => ms >= todayMs)
    .map((ms) => ({ policy, startMs: ms, fix: `starting by ${utcDayOf(new Date(ms))} would meet it` }));
  const cadences = steps
    .map((n) => policy.cadenceDays - n)
    .filter((days) => days >= 1)
    .map((days) => ({
      policy: { ...policy, cadenceDays: days },
      startMs,
      fix: `cadenceDays ${days} would meet it`,
    }));
  return [inFlight, perWave, budgets, earlier, cadences];
}

function fixes(
  candidates: readonly PoolCandidate[],
  outcome: Outcome,
  policy: RolloutPolicy,
  startMs: number,
  todayMs: number,
  currency: string,
): Map<string, string[]> {
  const found = new Map<string, string[]>([...outcome.late.keys()].map((key) => [key, []]));
  for (const dimension of variants(policy, startMs, todayMs, currency)) {
    const open = new Set(outcome.late.keys());
    for (const variant of dimension) {
      if (open.size === 0) break;
      const replanned = run(candidates, variant.policy, variant.startMs);
      for (const key of [...open]) {
        if (replanned.late.has(key)) continue;
        found.get(key)?.push(variant.fix);
        open.delete(key);
      }
    }
  }
  return found;
}

function describeWindow(unit: ClusterUnit): string {
  if (!unit.window) return "no window set: any time";
  const { window, name } = unit.window;
  const days = window.days.length === 0 ? "daily" : window.days.map((d) => WEEKDAYS[d]).join(",");
  return `window ${name} ${days} ${window.start}+${window.durationHours}h UTC`;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const CRITICALITY_NAMES = ["low", "medium", "high", "critical"];

function reasonOf(p: Placement, slack: number | null, waveEndMs: number): string {
  const { unit } = p;
  const ring = unit.canary ?? `ring: ${unit.risk} risk`;
  const why = [
    `wave ${p.wave}, ${ring}`,
    `${p.candidate.riskNote}, criticality ${CRITICALITY_NAMES[unit.criticality]}`,
    ...(p.wave > p.firstWave ? [`waves ${p.firstWave}-${p.wave - 1} were full or had no room`] : []),
    ...(p.startMs >= waveEndMs
      ? ["starts after its wave's cadence: the cluster's earlier pools come first"]
      : []),
    describeWindow(unit),
    ...(p.heldBy.length ? [`held for ${p.heldBy.join(" and ")}`] : []),
    slack === null ? "no deadline known" : `slack ${slack} day(s) before ${p.candidate.deadline}`,
  ];
  return why.join("; ");
}

function spendByDay(placements: readonly Placement[]): Map<number, number> {
  const days = new Map<number, number>();
  for (const { startMs, endMs, candidate } of placements) {
    for (let day = Math.floor(startMs / DAY_MS) * DAY_MS; day < endMs; day += DAY_MS) {
      const hours = (Math.min(endMs, day + DAY_MS) - Math.max(startMs, day)) / HOUR_MS;
      days.set(day, (days.get(day) ?? 0) + hours * candidate.spendPerHour);
    }
  }
  return days;
}

function costFields(cost: Cost): Pick<SpendForecast, "cost" | "unpricedVmSizes"> {
  return cost.kind === "known"
    ? { cost: cost.amount, unpricedVmSizes: [] }
    : { cost: cost.knownPart, unpricedVmSizes: cost.unknownVmSizes };
}

function pricedBy({ source, sourced, pricesAsOf }: PriceTable): PriceBasis {
  return { source, sourced, ...(pricesAsOf !== undefined && { pricesAsOf }) };
}

function spendForecast(prices: PriceTable, placements: readonly Placement[]): SpendForecast {
  const slacks = placements
    .map((p) => slackDays(p.candidate, p.endMs))
    .filter((s): s is number => s !== null);
  const first = Math.min(...placements.map((p) => p.startMs));
  const last = Math.max(...placements.map((p) => p.endMs));
  return {
    migrations: placements.length,
    durationHours: placements.length ? (last - first) / HOUR_MS : 0,
    overlapNodeHours: placements.reduce((sum, p) => sum + p.candidate.overlapNodeHours, 0),
    ...costFields(
      nodeHoursCost(
        prices,
        placements.map((p) => ({ vmSize: p.candidate.pool.vmSize, nodeHours: p.candidate.overlapNodeHours })),
      ),
    ),
    peakDailySpend: Math.max(0, ...spendByDay(placements).values()),
    minSlackDays: slacks.length ? Math.min(...slacks) : null,
  };
}

function missFix(found: readonly string[], candidate: PoolCandidate, startMs: number): string {
  if (found.length) return found.join("; or ");
  if (candidate.deadline !== undefined && utcMidnight(candidate.deadline) <= startMs) {
    return "its deadline has passed: migrate it first, outside the waves, and watch the image removal date";
  }
  return `no single change tried meets it (up to ${STEPS} more pools in flight or clusters per wave, ${BUDGET_FACTORS.at(-1)}x the budget, ${STEPS} cadences earlier, a cadence down to 1 day): migrate it outside the waves or ask for an exception`;
}

export function planRollout(input: RolloutInput): RolloutPlan {
  const { now, policy, prices } = input;
  const today = utcDayOf(now);
  const todayMs = utcMidnight(today);
  const notes: string[] = [];
  let start = policy.start ?? today;
  if (start < today) {
    notes.push(`the policy's start ${start} has passed: the plan starts today, ${today}`);
    start = today;
  }
  const startMs = utcMidnight(start);
  const options = input.migrationOptions ?? DEFAULT_MIGRATION_OPTIONS;
  const drain: DrainModel = drainModel(input.history ?? []);
  const { candidates, unplanned } = selectPools({
    now,
    clusters: input.clusters,
    assessments: assessFleet(input.clusters, input.calendar, now),
    policy,
    prices,
    options,
    drain,
    ...(input.risks !== undefined && { risks: input.risks }),
  });

  const outcome = run(candidates, policy, startMs);
  const fixFor = outcome.late.size
    ? fixes(candidates, outcome, policy, startMs, todayMs, prices.currency)
    : new Map();

  const waveIndexes = [...new Set(outcome.placements.map((p) => p.wave))].sort((a, b) => a - b);
  const waves: Wave[] = waveIndexes.map((index) => {
    const placements = outcome.placements.filter((p) => p.wave === index);
    const migrations = placements.map((p): PlannedMigration => {
      const slack = slackDays(p.candidate, p.endMs);
      return {
        cluster: p.candidate.cluster.name,
        clusterId: p.candidate.cluster.id,
        pool: p.candidate.pool.name,
        fromOsSku: p.candidate.fromOsSku,
        targetOsSku: p.candidate.targetOsSku,
        start: new Date(p.startMs).toISOString(),
        end: new Date(p.endMs).toISOString(),
        deadline: p.candidate.deadline ?? null,
        slackDays: slack,
        durationHours: p.candidate.durationMs / HOUR_MS,
        overlapNodeHours: p.candidate.overlapNodeHours,
        cost: p.candidate.cost.kind === "known" ? p.candidate.cost.amount : null,
        // The pool migration holds only its start to the window: the workflow waits for the window to open.
        options: {
          ...input.migrationOptions,
          ...(p.unit.window && { maintenanceWindow: p.unit.window.window }),
        },
        reason: reasonOf(p, slack, startMs + (p.wave + 1) * policy.cadenceDays * DAY_MS),
      };
    });
    return {
      index,
      canary: placements.every((p) => p.unit.canary !== undefined),
      start: new Date(Math.min(...placements.map((p) => p.startMs))).toISOString(),
      end: new Date(Math.max(...placements.map((p) => p.endMs))).toISOString(),
      clusters: [...new Set(placements.map((p) => p.unit.cluster.name))],
      migrations: migrations.sort(
        (a, b) => compareText(a.start, b.start) || compareText(a.cluster, b.cluster),
      ),
    };
  });

  const byKey = new Map(candidates.map((c) => [keyOf(c), c]));
  const misses: Miss[] = [...outcome.late.entries()]
    .map(([key, daysLate]) => {
      const candidate = byKey.get(key) as PoolCandidate;
      return {
        cluster: candidate.cluster.name,
        pool: candidate.pool.name,
        deadline: candidate.deadline ?? null,
        daysLate,
        fix: missFix(fixFor.get(key) ?? [], candidate, startMs),
      };
    })
    .sort((a, b) => compareText(a.cluster, b.cluster) || compareText(a.pool, b.pool));
  for (const { unit, why } of outcome.unplaced) notes.push(`${unit.cluster.name} is in no wave: ${why}`);

  return {
    now: now.toISOString(),
    start,
    currency: prices.currency,
    prices: pricedBy(prices),
    waves,
    misses,
    forecast: {
      waves: waveIndexes.map((wave) => ({
        wave,
        ...spendForecast(
          prices,
          outcome.placements.filter((p) => p.wave === wave),
        ),
      })),
      total: spendForecast(prices, outcome.placements),
      model: {
        soakHours: SOAK_HOURS,
        drainHoursPerNode: drain.drainHoursPerNode,
        batchSize: options.batchSize,
        retentionHours: options.retentionSeconds / 3600,
        basis: drain.basis,
      },
    },
    communications: waves.flatMap((wave) =>
      waveCommunications(
        { index: wave.index, start: wave.start.slice(0, 10), clusters: wave.clusters },
        today,
      ),
    ),
    unplanned,
    notes,
  };
}
