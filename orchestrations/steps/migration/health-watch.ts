// The seed's rollback signals, watched from the drain's start to the old pool's delete: between batches
// (the health gate) and through the retention window. One that clears within its grace lets the
// migration go on; one that persists rolls back, at once or after a person's answer (options.rollback).

import type { Task } from "durable-functions";
import {
  type HealthSignal,
  type HealthWatch,
  hasPersisted,
  watchHealth,
} from "../../../shared/domain/migration/health-signals.ts";
import { durationText } from "../../../shared/domain/migration/migration-runbook.ts";
import type { PoolSurvey } from "../../../shared/domain/migration/pool-survey.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity, errorMessage } from "../call-activity.ts";
import { type ControlVerdict, waitFor } from "./controls.ts";
import { awaitGate, decidedBy } from "./gates.ts";
import type { MigrationRun } from "./migration-run.ts";

/** Seconds between looks at a health signal that has not cleared yet. */
const HEALTH_RECHECK_SECONDS = 30;
/** How many times persistSeconds signals that keep coming may hold the health gate. */
const DEGRADED_LIMIT_PERSISTS = 3;
/**
 * Seconds between looks through the retention window while nothing shows: a look lists the cluster's
 * pods, and hours of them every few minutes cost more than they find. A signal seen is looked at every
 * HEALTH_RECHECK_SECONDS until it clears or persists, as between batches.
 */
const RETENTION_LOOK_SECONDS = 15 * 60;

export interface HealthContext {
  newPool: string;
  preexistingPending: ReadonlySet<string>;
  watch: HealthWatch;
  /** How long signals that keep coming may hold the gate; none in a history from before the limit. */
  degradedLimitSeconds?: number;
  /** Pods Pending that were created after this are not the migration's doing (set for the retention). */
  pendingCreatedBefore?: number;
}

/** The first look, taken before the drain begins: what is wrong already is not the drain's doing. */
export function* startHealthWatch(
  run: MigrationRun,
  newPool: string,
  survey: Pick<PoolSurvey, "watchesRetention">,
): Generator<Task, HealthContext, unknown> {
  const first = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [run.record.pool, newPool],
  });
  const { thresholds } = run.input.options;
  return {
    newPool,
    // Pods Pending before the drain began are not its doing (a Windows pod without a node, say).
    preexistingPending: new Set(first.pendingPods.map((p) => p.pod)),
    watch: watchHealth(undefined, first, thresholds).watch,
    // The limit came with the retention's watch: a survey without it replays the unbounded gate.
    ...(survey.watchesRetention && {
      degradedLimitSeconds: DEGRADED_LIMIT_PERSISTS * thresholds.persistSeconds,
    }),
  };
}

/** One look at the signals, folded into the watch, and when it was taken. */
function* observe(
  run: MigrationRun,
  health: HealthContext,
): Generator<Task, ReturnType<typeof watchHealth> & { at: string }, unknown> {
  const observation = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [run.record.pool, health.newPool],
  });
  const { pendingCreatedBefore } = health;
  const pendingPods = observation.pendingPods.filter(
    (p) =>
      !health.preexistingPending.has(p.pod) &&
      (pendingCreatedBefore === undefined || Date.parse(p.since) < pendingCreatedBefore),
  );
  const look = watchHealth(health.watch, { ...observation, pendingPods }, run.input.options.thresholds);
  health.watch = look.watch;
  run.record.health = { at: observation.at, verdict: look.verdict, signals: look.signals };
  run.record.blockers = look.signals.map((signal) => `${signal.detail} (since ${signal.since})`);
  return { ...look, at: observation.at };
}

/**
 * Whether signals that keep coming, each clearing in time but never all at once, have shown since
 * `sinceMs` for the context's limit; said first among the blockers when they have.
 */
function heldTooLong(run: MigrationRun, health: HealthContext, sinceMs: number): boolean {
  const limit = health.degradedLimitSeconds;
  if (limit === undefined || run.nowMs() - sinceMs < limit * 1000) return false;
  run.record.blockers.unshift(`signals have held the health gate for ${durationText(limit)}`);
  return true;
}

/** A signal that persisted: a rollback at once, or a person's answer ("retry" goes on despite it). */
function* persisted(run: MigrationRun, signals: HealthSignal[]): Generator<Task, ControlVerdict, unknown> {
  const reason = `health signal persisted: ${run.record.blockers.join("; ")}`;
  if (run.input.options.rollback === "automatic") return { kind: "rollback", reason, by: "pool-migration" };
  const gate = yield* awaitGate(run, "decision", { signals }, ["rollback", "retry"], {
    timeoutSeconds: run.input.options.gateTimeoutSeconds,
    expirySeconds: run.input.options.gateExpirySeconds,
  });
  if (gate.kind === "answered" && gate.answer.answer.decision === "retry") return { kind: "go-on" };
  return { kind: "rollback", reason, by: decidedBy(gate) };
}

/**
 * Looks until the signals clear (go on) or one persists (persisted). Signals that keep coming, each
 * clearing in time but never all at once, count as persisted once they have held the gate
 * degradedLimitSeconds: the seed rolls back on a condition that persists, whichever pods or nodes show it.
 */
export function* healthGate(
  run: MigrationRun,
  health: HealthContext,
): Generator<Task, ControlVerdict, unknown> {
  const since = run.nowMs();
  for (;;) {
    const look = yield* observe(run, health);
    if (look.verdict === "healthy") return { kind: "go-on" };
    if (look.verdict === "failing" || heldTooLong(run, health, since))
      return yield* persisted(run, look.signals);
    run.note(`waiting for health signals to clear: ${run.record.blockers.join("; ")}`);
    yield* run.save();
    const verdict = yield* waitFor(run, HEALTH_RECHECK_SECONDS);
    if (verdict.kind === "rollback") return verdict;
  }
}

/**
 * The retention window, watched: a look every RETENTION_LOOK_SECONDS, a signal seen followed every
 * HEALTH_RECHECK_SECONDS and acted on once it persists, as between batches; past the window, looks go on
 * until the signals are clear, so the old pool goes only then. The migration is done by now: a look that
 * fails is tried again rather than failing it (which would roll it back), and its saves go on without the
 * store. A signal a person chose to go on despite is not asked about again while it lasts; Pending pods
 * created during the window are not the migration's doing.
 */
export function* watchThrough(
  run: MigrationRun,
  health: HealthContext,
  seconds: number,
): Generator<Task, ControlVerdict, unknown> {
  const { thresholds } = run.input.options;
  health.pendingCreatedBefore = run.nowMs();
  let remainingMs = seconds * 1000;
  let nextLookSeconds = RETENTION_LOOK_SECONDS;
  let showingSince: number | undefined;
  const accepted = new Set<string>();
  const key = (signal: HealthSignal) => `${signal.code}:${signal.subject}`;
  for (;;) {
    const started = run.nowMs();
    const waited = yield* waitFor(
      run,
      remainingMs > 0 ? Math.min(nextLookSeconds, remainingMs / 1000) : nextLookSeconds,
    );
    if (waited.kind === "rollback") return waited;
    remainingMs -= run.nowMs() - started;
    let look: ReturnType<typeof watchHealth> & { at: string };
    try {
      look = yield* observe(run, health);
    } catch (error) {
      run.note(`a look at the health signals failed (${errorMessage(error)}): looking again`);
      yield* run.save("or-keep");
      nextLookSeconds = HEALTH_RECHECK_SECONDS;
      continue;
    }
    // A signal a person accepted that cleared is asked about again if it comes back.
    const present = new Set(look.signals.map(key));
    for (const known of accepted) if (!present.has(known)) accepted.delete(known);
    const fresh = look.signals.filter((signal) => !accepted.has(key(signal)));
    if (fresh.length === 0) {
      showingSince = undefined;
      if (remainingMs <= 0) return { kind: "go-on" };
      nextLookSeconds = RETENTION_LOOK_SECONDS;
      continue;
    }
    showingSince ??= run.nowMs();
    // Only the signals not accepted count: one new signal is asked about once it has persisted itself.
    const lasted = fresh.some((signal) => hasPersisted(signal, look.at, thresholds));
    if (lasted || heldTooLong(run, health, showingSince)) {
      const verdict = yield* persisted(run, fresh);
      if (verdict.kind === "rollback") return verdict;
      for (const signal of fresh) accepted.add(key(signal));
      showingSince = undefined;
    }
    run.note(`watching health signals: ${run.record.blockers.join("; ")}`);
    yield* run.save("or-keep");
    nextLookSeconds = HEALTH_RECHECK_SECONDS;
  }
}
