// Places each pool's migration in time: clusters in ring order fill weekly waves (canary wave first),
// and each migration starts at the earliest instant of its wave that keeps every limit: inside its
// cluster's window, outside a freeze, after the cluster's previous pool (ARM runs one operation per
// cluster at a time), under maxPoolsInFlight at every instant, and under the daily budget on every day.

import type { Cluster } from "../fleet/model.ts";
import { utcMidnight } from "../lifecycle/calendar-date.ts";
import { minutesOfDay, windowContains } from "../migration/maintenance-window.ts";
import type { MaintenanceWindow } from "../migration/migration-options.ts";
import { type PoolCandidate, RISK_ORDER, type RiskLevel } from "./pool-selection.ts";
import { CRITICALITY_ORDER, CRITICALITY_TAG, type RolloutPolicy, type TagMatch } from "./rollout-policy.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
/** How far the planner looks for room: about three years of weekly waves. */
const MAX_WAVES = 156;
const EPSILON = 1e-9;
/** How many cadences a cluster's later pools may run past its wave's start. */
const CONTINUATION_WAVES = 4;

export interface ClusterUnit {
  cluster: Cluster;
  /** Its pools, earliest deadline first. */
  pools: PoolCandidate[];
  canary: string | undefined;
  risk: RiskLevel;
  /** Index in CRITICALITY_ORDER; absent and unknown values rank as "high". */
  criticality: number;
  window: { window: MaintenanceWindow; name: string } | undefined;
}

export interface Placement {
  unit: ClusterUnit;
  candidate: PoolCandidate;
  wave: number;
  startMs: number;
  endMs: number;
  /** What held its start after the wave opened, besides waiting for the window. */
  heldBy: string[];
  /** The first wave its cluster could go to: the waves from it to `wave` were full or had no room. */
  firstWave: number;
}

export interface Schedule {
  placements: Placement[];
  /** Clusters (and so pools) no wave within reach can take. */
  unplaced: { unit: ClusterUnit; why: string }[];
}

function matches(cluster: Cluster, match: TagMatch): boolean {
  return cluster.tags?.[match.tag] === match.value;
}

function criticalityOf(cluster: Cluster): number {
  const value = cluster.tags?.[CRITICALITY_TAG]?.toLowerCase();
  const index = (CRITICALITY_ORDER as readonly (string | undefined)[]).indexOf(value);
  return index < 0 ? CRITICALITY_ORDER.indexOf("high") : index;
}

function windowOf(cluster: Cluster, policy: RolloutPolicy): ClusterUnit["window"] {
  const tagged = policy.windows.find((w) => matches(cluster, w));
  if (tagged) return { window: tagged.window, name: `${tagged.tag}=${tagged.value}` };
  return policy.defaultWindow && { window: policy.defaultWindow, name: "default" };
}

function explicitCanary(cluster: Cluster, policy: RolloutPolicy): string | undefined {
  const canary = policy.canary;
  if (canary === undefined) return undefined;
  if ("clusters" in canary) {
    return canary.clusters.some((name) => name.toLowerCase() === cluster.name.toLowerCase())
      ? "canary named in the policy"
      : undefined;
  }
  return matches(cluster, canary) ? `canary by tag ${canary.tag}=${canary.value}` : undefined;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const deadlineKey = (candidate: PoolCandidate) => candidate.deadline ?? "9999-12-31";

/** Clusters in ring order: canaries, then by risk, criticality, earliest deadline and name. */
export function clusterUnits(candidates: readonly PoolCandidate[], policy: RolloutPolicy): ClusterUnit[] {
  const byCluster = new Map<string, PoolCandidate[]>();
  for (const candidate of candidates) {
    const key = candidate.cluster.id.toLowerCase();
    byCluster.set(key, [...(byCluster.get(key) ?? []), candidate]);
  }
  const units = [...byCluster.values()].map((pools): ClusterUnit => {
    const cluster = (pools[0] as PoolCandidate).cluster;
    return {
      cluster,
      pools: [...pools].sort(
        (a, b) => compareText(deadlineKey(a), deadlineKey(b)) || compareText(a.pool.name, b.pool.name),
      ),
      canary: explicitCanary(cluster, policy),
      risk: RISK_ORDER[Math.max(...pools.map((p) => RISK_ORDER.indexOf(p.risk)))] as RiskLevel,
      criticality: criticalityOf(cluster),
      window: windowOf(cluster, policy),
    };
  });
  const ring = (a: ClusterUnit, b: ClusterUnit) =>
    RISK_ORDER.indexOf(a.risk) - RISK_ORDER.indexOf(b.risk) ||
    a.criticality - b.criticality ||
    compareText(deadlineKey(a.pools[0] as PoolCandidate), deadlineKey(b.pools[0] as PoolCandidate)) ||
    compareText(a.cluster.name, b.cluster.name) ||
    compareText(a.cluster.id.toLowerCase(), b.cluster.id.toLowerCase());
  units.sort((a, b) => Number(a.canary === undefined) - Number(b.canary === undefined) || ring(a, b));
  const first = units[0];
  if (policy.canary === undefined && first) first.canary = "canary: the lowest-risk, least critical cluster";
  return units;
}

/** The parts of [from, until) inside the window (all of it without one), in order. */
function openSpans(window: MaintenanceWindow | undefined, from: number, until: number): [number, number][] {
  if (!window) return [[from, until]];
  const minutes = minutesOfDay(window.start) ?? 0;
  const spans: [number, number][] = [];
  // A window lasts at most a day, so the one opening the day before `from` may still be open.
  for (let day = Math.floor(from / DAY_MS) - 1; day * DAY_MS < until; day++) {
    const opening = day * DAY_MS + minutes * 60_000;
    const weekday = new Date(opening).getUTCDay();
    if (window.days.length > 0 && !window.days.includes(weekday)) continue;
    const span: [number, number] = [
      Math.max(opening, from),
      Math.min(opening + window.durationHours * HOUR_MS, until),
    ];
    if (span[0] < span[1]) spans.push(span);
  }
  return spans;
}

/** Spend of a running migration on the UTC day starting at `day`. */
function spendOnDay(spendPerHour: number, startMs: number, endMs: number, day: number): number {
  const hours = Math.max(0, Math.min(endMs, day + DAY_MS) - Math.max(startMs, day)) / HOUR_MS;
  return spendPerHour * hours;
}

/** Migrations running at once at the busiest instant of [from, to), `placed` only. */
function peakInFlight(placed: readonly Placement[], from: number, to: number): number {
  const overlapping = placed.filter((p) => p.startMs < to && p.endMs > from);
  const instants = [from, ...overlapping.map((p) => p.startMs).filter((s) => s > from)];
  return Math.max(
    0,
    ...instants.map((at) => overlapping.filter((p) => p.startMs <= at && p.endMs > at).length),
  );
}

export class Scheduler {
  readonly placements: Placement[] = [];
  private readonly freezes: { from: number; to: number; name: string }[];

  private readonly policy: RolloutPolicy;
  private readonly startMs: number;

  constructor(policy: RolloutPolicy, startMs: number) {
    this.policy = policy;
    this.startMs = startMs;
    this.freezes = policy.freezes.map((f) => ({
      from: utcMidnight(f.from),
      to: utcMidnight(f.to) + DAY_MS,
      name: f.reason ?? `${f.from}..${f.to}`,
    }));
  }

  waveStart(wave: number): number {
    return this.startMs + wave * this.policy.cadenceDays * DAY_MS;
  }

  /** Why a migration of `candidate` may not start at `at`, given `placed`; undefined when it may. */
  private refusal(unit: ClusterUnit, candidate: PoolCandidate, at: number, placed: readonly Placement[]) {
    if (unit.window && !windowContains(unit.window.window, new Date(at))) return "window";
    const freeze = this.freezes.find((f) => at >= f.from && at < f.to);
    if (freeze) return `the freeze ${freeze.name}`;
    const end = at + candidate.durationMs;
    if (peakInFlight(placed, at, end) >= this.policy.maxPoolsInFlight) {
      return `maxPoolsInFlight ${this.policy.maxPoolsInFlight}`;
    }
    const budget = this.policy.dailyBudget;
    if (budget !== undefined) {
      for (let day = Math.floor(at / DAY_MS) * DAY_MS; day < end; day += DAY_MS) {
        const spent = placed.reduce(
          (sum, p) => sum + spendOnDay(p.candidate.spendPerHour, p.startMs, p.endMs, day),
          0,
        );
        if (spent + spendOnDay(candidate.spendPerHour, at, end, day) > budget + EPSILON) {
          return `the daily budget of ${budget}`;
        }
      }
    }
    return undefined;
  }

  private earliestStart(
    unit: ClusterUnit,
    candidate: PoolCandidate,
    from: number,
    until: number,
    placed: readonly Placement[],
  ): { at: number; heldBy: string[] } | undefined {
    // Only instants where something changes: the window opens, an hour passes, a migration ends.
    const instants = new Set<number>();
    for (const [open, close] of openSpans(unit.window?.window, from, until)) {
      instants.add(open);
      for (let hour = Math.ceil(open / HOUR_MS) * HOUR_MS; hour < close; hour += HOUR_MS) instants.add(hour);
      for (const p of placed) if (p.endMs > open && p.endMs < close) instants.add(p.endMs);
    }
    const heldBy = new Set<string>();
    for (const at of [...instants].sort((a, b) => a - b)) {
      const refusal = this.refusal(unit, candidate, at, placed);
      if (refusal === undefined) return { at, heldBy: [...heldBy].sort() };
      if (refusal !== "window") heldBy.add(refusal);
    }
    return undefined;
  }

  /**
   * The cluster's pools one after another, the first starting within wave `wave`; undefined when they do
   * not fit. Later pools may run past the wave's end: a window that opens twice a week cannot hold a
   * cluster's third pool, and splitting a cluster across waves would announce it twice.
   */
  private tryWave(unit: ClusterUnit, wave: number, firstWave: number): Placement[] | undefined {
    const trial: Placement[] = [];
    let from = Math.max(this.waveStart(wave), this.startMs);
    for (const candidate of unit.pools) {
      const until = this.waveStart(wave + (trial.length === 0 ? 1 : CONTINUATION_WAVES));
      const found = this.earliestStart(unit, candidate, from, until, [...this.placements, ...trial]);
      if (!found) return undefined;
      const endMs = found.at + candidate.durationMs;
      trial.push({ unit, candidate, wave, startMs: found.at, endMs, heldBy: found.heldBy, firstWave });
      from = endMs;
    }
    return trial;
  }

  /** However it is timed: a span of h hours touches at most ceil(h / 24) + 1 days, so one of them gets h / that. */
  private aloneOverBudget(candidate: PoolCandidate): boolean {
    const budget = this.policy.dailyBudget;
    if (budget === undefined) return false;
    const hours = candidate.durationMs / HOUR_MS;
    return (candidate.spendPerHour * hours) / (Math.ceil(hours / 24) + 1) > budget + EPSILON;
  }

  /** Puts the cluster in the first wave from `firstWave` on that has room; the wave, or why none did. */
  place(unit: ClusterUnit, firstWave: number): number | string {
    const overBudget = unit.pools.find((pool) => this.aloneOverBudget(pool));
    if (overBudget) {
      return `${overBudget.pool.name} alone would spend more than the daily budget of ${this.policy.dailyBudget} on some day`;
    }
    let full = 0;
    for (let wave = firstWave; wave < firstWave + MAX_WAVES; wave++) {
      const clusters = new Set(this.placements.filter((p) => p.wave === wave).map((p) => p.unit));
      if (clusters.size >= this.policy.maxClustersPerWave) {
        full++;
        continue;
      }
      const trial = this.tryWave(unit, wave, firstWave);
      if (trial) {
        this.placements.push(...trial);
        return wave;
      }
    }
    return `no wave within ${MAX_WAVES} cadences has room (${full} were full)`;
  }
}

/** Canary clusters from wave 0, the rest from the wave after the last canary wave. */
export function schedule(units: readonly ClusterUnit[], policy: RolloutPolicy, startMs: number): Schedule {
  const scheduler = new Scheduler(policy, startMs);
  const unplaced: Schedule["unplaced"] = [];
  let firstWave = 0;
  let lastCanaryWave = -1;
  for (const unit of units) {
    if (unit.canary === undefined) firstWave = lastCanaryWave + 1;
    const result = scheduler.place(unit, firstWave);
    if (typeof result === "string") unplaced.push({ unit, why: result });
    else if (unit.canary !== undefined) lastCanaryWave = Math.max(lastCanaryWave, result);
  }
  return { placements: scheduler.placements, unplaced };
}
