// A fleet rollout as people and the HTTP API see it: the plan it runs, where each wave and pool stands,
// what it spent against the forecast, and what it waits for. The `fleet-rollout` orchestration writes it
// at every step (a higher revision replaces a lower one, as with MigrationRecord). The decisions the
// orchestration takes (what starts next, when the line stops) are the pure functions below.

import { type Offer, offerOf, roleRefusal } from "../access/gate-rules.ts";
import { type Principal, ROLES, type Role } from "../access/principal.ts";
import type { Outcome } from "../migration/migration-record.ts";
import { applyChange, type Change, type HistoryLine } from "../support/record-changes.ts";
import type { PlannedMigration, RolloutPlan } from "./rollout-plan.ts";

/** failed: the workflow itself could not go on (its state store unreachable past every retry, say). */
export const ROLLOUT_STATUSES = [
  "running",
  "stopped",
  "awaiting-wave",
  "done",
  "failed",
  "canceled",
] as const;
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

export type PoolStatus = "pending" | "running" | Outcome | "skipped";

/** The outcomes that end a pool without success; failed and rolled-back stop the line at once. */
const UNSUCCESSFUL: readonly PoolStatus[] = ["failed", "rolled-back", "rejected", "expired"];
const STOPS_AT_ONCE: readonly PoolStatus[] = ["failed", "rolled-back"];

export interface RolloutOptions {
  /**
   * Pools of one wave that may end rejected or expired before the line stops (a failed or rolled-back
   * one stops it whatever this says).
   */
  failureThreshold: number;
  /** Each wave waits for an approver before its first migration starts. */
  waveGate: boolean;
  maxPoolsInFlight: number;
}

export const DEFAULT_ROLLOUT_OPTIONS: Omit<RolloutOptions, "maxPoolsInFlight"> = {
  failureThreshold: 1,
  waveGate: false,
};

export interface PoolProgress {
  cluster: string;
  clusterId: string;
  pool: string;
  targetOsSku: string;
  status: PoolStatus;
  /** The pool-migration instance of the current attempt; null before it starts. */
  migrationId: string | null;
  /** Earlier attempts' migrations, whose workflows ended (a retry's look at the pool counts them as over). */
  endedMigrations?: string[];
  attempt: number | null;
  /** From the migration's summary when it ends. */
  overlapNodeHours: number | null;
  cost: number | null;
  forecastCost: number | null;
  deadline: string | null;
  /** Days between the pool's end (forecast, or actual once ended) and its deadline. */
  slackDays: number | null;
  /** An operator resumed past this pool's failure: it no longer stops the line. */
  acknowledged?: true;
  /** Why it was skipped, or how it ended. */
  note?: string;
}

export interface WaveProgress {
  index: number;
  start: string;
  status: "pending" | "running" | "done";
  pools: PoolProgress[];
}

export type RolloutDecision = "resume" | "skip" | "retry" | "approve";

/** The role each answer needs: an operator resumes, skips or retries at a stopped line, an approver opens a wave. */
export const ROLLOUT_DECISION_ROLES: Readonly<Record<RolloutDecision, Role>> = {
  resume: ROLES.operator,
  skip: ROLES.operator,
  retry: ROLES.operator,
  approve: ROLES.approver,
};

export interface RolloutAwaiting {
  kind: "stop-the-line" | "wave-gate";
  wave: number;
  /** From context.df.newGuid: an answer names the wait it answers, so a stale one opens nothing. */
  nonce: string;
  since: string;
  reason: string;
  /** The pool whose failure stopped the line (what skip and retry act on). */
  pool?: { clusterId: string; pool: string };
  accepts: RolloutDecision[];
  role: string;
  /** The approver of a wave gate is never the requester; "" when anyone with the role may answer. */
  notBy: string;
}

export interface Lesson {
  note: string;
  by: string;
  at: string;
}

export interface SkippedCluster {
  cluster: string;
  clusterId: string;
  wave: number;
  why: string;
  at: string;
}

/** A pool of a cluster in the plan that now needs migrating but was not planned: reported, never added. */
export interface UnplannedPool {
  clusterId: string;
  pool: string;
  why: string;
  at: string;
}

export interface RolloutRecord {
  id: string;
  requestedBy: Principal;
  requestedAt: string;
  plan: RolloutPlan;
  options: RolloutOptions;
  status: RolloutStatus;
  waves: WaveProgress[];
  awaiting: RolloutAwaiting | null;
  lessons: Lesson[];
  skippedClusters: SkippedCluster[];
  newPools: UnplannedPool[];
  /** One line per step a person reads. */
  history: HistoryLine[];
  revision: number;
  updatedAt: string;
}

export type RolloutFields = Omit<RolloutRecord, "id" | "history" | "revision">;

/** What the workflow saves: what changed (the plan only in the first, it never changes), new lines. */
export type RolloutChange = Change<RolloutFields, HistoryLine>;

/** The record after `change`; undefined when `base` already has this revision or a later one. */
export function applyRolloutChange(
  base: RolloutRecord | undefined,
  change: RolloutChange,
): RolloutRecord | undefined {
  return applyChange("rollout", base, change);
}

const DAY_MS = 86_400_000;

function poolProgress(migration: PlannedMigration): PoolProgress {
  return {
    cluster: migration.cluster,
    clusterId: migration.clusterId,
    pool: migration.pool,
    targetOsSku: migration.targetOsSku,
    status: "pending",
    migrationId: null,
    attempt: null,
    overlapNodeHours: null,
    cost: null,
    forecastCost: migration.cost,
    deadline: migration.deadline,
    slackDays: migration.slackDays,
  };
}

export function newRolloutRecord(
  id: string,
  plan: RolloutPlan,
  options: RolloutOptions,
  requestedBy: Principal,
  requestedAt: string,
): RolloutRecord {
  return {
    id,
    requestedBy,
    requestedAt,
    plan,
    options,
    status: "running",
    waves: plan.waves.map((wave) => ({
      index: wave.index,
      start: wave.start,
      status: "pending",
      pools: wave.migrations.map(poolProgress),
    })),
    awaiting: null,
    lessons: [],
    skippedClusters: [],
    newPools: [],
    history: [],
    revision: 0,
    updatedAt: requestedAt,
  };
}

export function inFlight(wave: WaveProgress): PoolProgress[] {
  return wave.pools.filter((pool) => pool.status === "running");
}

/** Why the line stops in this wave, or undefined while it runs. */
export function lineStop(
  wave: WaveProgress,
  options: RolloutOptions,
): { reason: string; pool?: PoolProgress } | undefined {
  const open = wave.pools.filter((pool) => !pool.acknowledged && UNSUCCESSFUL.includes(pool.status));
  const broken = open.find((pool) => STOPS_AT_ONCE.includes(pool.status));
  if (broken) return { reason: `${broken.cluster}/${broken.pool} ${broken.status}`, pool: broken };
  if (open.length > options.failureThreshold) {
    return {
      reason: `${open.length} pools of wave ${wave.index} ended without success (threshold ${options.failureThreshold}): ${open.map((pool) => `${pool.cluster}/${pool.pool} ${pool.status}`).join(", ")}`,
      pool: open[0],
    };
  }
  return undefined;
}

/** The pools to start now: none while the line is stopped, else pending ones up to the limit, in plan order. */
export function nextToStart(wave: WaveProgress, options: RolloutOptions): PoolProgress[] {
  if (lineStop(wave, options)) return [];
  const room = Math.max(0, options.maxPoolsInFlight - inFlight(wave).length);
  return wave.pools.filter((pool) => pool.status === "pending").slice(0, room);
}

/** The wave is over when no pool is pending or running and the line runs. */
export function waveFinished(wave: WaveProgress, options: RolloutOptions): boolean {
  return (
    !lineStop(wave, options) &&
    wave.pools.every((pool) => pool.status !== "pending" && pool.status !== "running")
  );
}

/** An operator's answer to a stopped line, applied to the wave: the pool it names, or every open failure. */
export function applyLineDecision(
  wave: WaveProgress,
  decision: "resume" | "skip" | "retry",
  pool: { clusterId: string; pool: string } | undefined,
  note: string,
): void {
  const target = pool && findPool(wave, pool.clusterId, pool.pool);
  if (decision === "resume") {
    for (const each of wave.pools) {
      if (UNSUCCESSFUL.includes(each.status)) each.acknowledged = true;
    }
    return;
  }
  if (!target) return;
  if (decision === "skip") {
    target.status = "skipped";
    target.note = `skipped after ${target.note ?? "failing"}: ${note}`;
  } else {
    // Same target, the next attempt: the migration id is formed anew when it starts.
    target.status = "pending";
    if (target.migrationId !== null)
      target.endedMigrations = [...(target.endedMigrations ?? []), target.migrationId];
    target.migrationId = null;
    delete target.acknowledged;
  }
}

export function findPool(wave: WaveProgress, clusterId: string, pool: string): PoolProgress | undefined {
  return wave.pools.find(
    (each) => each.clusterId.toLowerCase() === clusterId.toLowerCase() && each.pool === pool,
  );
}

/**
 * A pool ended: its outcome, cost and overlap from the migration's summary (added to earlier attempts':
 * a failed attempt's overlap was paid too), its slack from when it ended.
 */
export function recordPoolEnd(
  pool: PoolProgress,
  outcome: Outcome,
  summary: { overlapNodeHours?: number; cost?: unknown } | undefined,
  endedAt: Date,
): void {
  pool.status = outcome;
  const hours = summary?.overlapNodeHours;
  if (hours !== undefined) pool.overlapNodeHours = (pool.overlapNodeHours ?? 0) + hours;
  const cost = costAmount(summary?.cost);
  if (cost !== null) pool.cost = (pool.cost ?? 0) + cost;
  if (pool.deadline !== null) {
    pool.slackDays = Math.floor((Date.parse(`${pool.deadline}T00:00:00Z`) - endedAt.getTime()) / DAY_MS);
  }
}

/**
 * A cost as the migration summary states it: a number, or a priced Cost (`amount`, or `knownPart` when some
 * VM size had no price: the part known, as the cost report counts it); null when nothing was priced.
 */
function costAmount(cost: unknown): number | null {
  if (typeof cost === "number") return cost;
  if (!cost || typeof cost !== "object") return null;
  const { amount, knownPart } = cost as { amount?: unknown; knownPart?: unknown };
  if (typeof amount === "number") return amount;
  return typeof knownPart === "number" ? knownPart : null;
}

export interface RolloutSpend {
  forecast: number;
  /** What the ended migrations cost, and what those same migrations were forecast to cost. */
  actual: number;
  forecastOfEnded: number;
  overlapNodeHours: number;
  minSlackDays: number | null;
}

export function rolloutSpend(record: RolloutRecord): RolloutSpend {
  const pools = record.waves.flatMap((wave) => wave.pools);
  const ended = pools.filter((pool) => pool.cost !== null);
  const slacks = pools.map((pool) => pool.slackDays).filter((slack): slack is number => slack !== null);
  return {
    forecast: record.plan.forecast.total.cost,
    actual: sum(ended.map((pool) => pool.cost ?? 0)),
    forecastOfEnded: sum(ended.map((pool) => pool.forecastCost ?? 0)),
    overlapNodeHours: sum(pools.map((pool) => pool.overlapNodeHours ?? 0)),
    minSlackDays: slacks.length === 0 ? null : Math.min(...slacks),
  };
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** Why `by` may not answer the rollout's wait with `decision` now (status and reason), or undefined. */
export function answerRefusal(
  record: RolloutRecord,
  decision: RolloutDecision,
  by: Pick<Principal, "id" | "name" | "application">,
): { status: 403 | 409; reason: string } | undefined {
  const { awaiting } = record;
  if (!awaiting)
    return { status: 409, reason: `rollout ${record.id} waits for no answer (${record.status})` };
  if (!awaiting.accepts.includes(decision)) {
    return {
      status: 409,
      reason: `rollout ${record.id} waits at ${awaiting.kind} of wave ${awaiting.wave}, which takes ${awaiting.accepts.join(", ")}, not ${decision}`,
    };
  }
  if (awaiting.notBy !== "" && by.id === awaiting.notBy) {
    return { status: 403, reason: `${by.name} requested this rollout and may not approve its waves` };
  }
  if (decision === "approve" && by.application) {
    return { status: 403, reason: `rule "people approve": ${by.name} is an application, not a person` };
  }
  return undefined;
}

/**
 * What `by` may answer the rollout's wait now, one offer per decision it accepts (none while nothing
 * waits), each refused one with the API's reason in the API's order: the route's role, then the wait's
 * rules. The API enforces; this lets a page explain a button it does not offer.
 */
export function rolloutOffers(record: RolloutRecord, by: Principal): Offer<RolloutDecision>[] {
  return (record.awaiting?.accepts ?? []).map((decision) =>
    offerOf(
      decision,
      roleRefusal(by, ROLLOUT_DECISION_ROLES[decision]) ?? answerRefusal(record, decision, by)?.reason,
    ),
  );
}
