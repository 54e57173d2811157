// The seed's rollback signals, watched from the drain's start to the old pool's delete: between batches
// (the health gate) and through the retention window. One that clears within its grace lets the
// migration go on; one that persists rolls back, at once or after a person's answer (options.rollback).

import type { Task } from "durable-functions";
import {
  type HealthSignal,
  type HealthWatch,
  watchHealth,
} from "../../../shared/domain/migration/health-signals.ts";
import { durationText } from "../../../shared/domain/migration/migration-runbook.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity } from "../call-activity.ts";
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
}

/** The first look, taken before the drain begins: what is wrong already is not the drain's doing. */
export function* startHealthWatch(
  run: MigrationRun,
  newPool: string,
): Generator<Task, HealthContext, unknown> {
  const first = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [run.record.pool, newPool],
  });
  return {
    newPool,
    // Pods Pending before the drain began are not its doing (a Windows pod without a node, say).
    preexistingPending: new Set(first.pendingPods.map((p) => p.pod)),
    watch: watchHealth(undefined, first, run.input.options.thresholds).watch,
  };
}

/** One look at the signals, folded into the watch. */
function* observe(
  run: MigrationRun,
  health: HealthContext,
): Generator<Task, ReturnType<typeof watchHealth>, unknown> {
  const observation = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [run.record.pool, health.newPool],
  });
  const pendingPods = observation.pendingPods.filter((p) => !health.preexistingPending.has(p.pod));
  const look = watchHealth(health.watch, { ...observation, pendingPods }, run.input.options.thresholds);
  health.watch = look.watch;
  run.record.health = { at: observation.at, verdict: look.verdict, signals: look.signals };
  run.record.blockers = look.signals.map((signal) => `${signal.detail} (since ${signal.since})`);
  return look;
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
 * DEGRADED_LIMIT_PERSISTS times persistSeconds: the seed rolls back on a condition that persists,
 * whichever pods or nodes show it.
 */
export function* healthGate(
  run: MigrationRun,
  health: HealthContext,
): Generator<Task, ControlVerdict, unknown> {
  const limitSeconds = DEGRADED_LIMIT_PERSISTS * run.input.options.thresholds.persistSeconds;
  const giveUpAt = run.nowMs() + limitSeconds * 1000;
  for (;;) {
    const look = yield* observe(run, health);
    if (look.verdict === "healthy") return { kind: "go-on" };
    if (look.verdict === "degraded" && run.nowMs() >= giveUpAt)
      run.record.blockers.unshift(`signals have held the health gate for ${durationText(limitSeconds)}`);
    if (look.verdict === "failing" || run.nowMs() >= giveUpAt) return yield* persisted(run, look.signals);
    run.note(`waiting for health signals to clear: ${run.record.blockers.join("; ")}`);
    yield* run.save();
    const verdict = yield* waitFor(run, HEALTH_RECHECK_SECONDS);
    if (verdict.kind === "rollback") return verdict;
  }
}

/**
 * A wait with the signals watched (the retention window): a look every RETENTION_LOOK_SECONDS, a signal
 * seen followed and acted on once it persists as between batches, and at the end the health gate, so what
 * waits on it (the old pool's delete) goes only once the signals are clear. A signal a person chose to go
 * on despite is not asked about again while it lasts.
 */
export function* watchThrough(
  run: MigrationRun,
  health: HealthContext,
  seconds: number,
): Generator<Task, ControlVerdict, unknown> {
  let remainingMs = seconds * 1000;
  let nextLookSeconds = RETENTION_LOOK_SECONDS;
  const accepted = new Set<string>();
  const key = (signal: HealthSignal) => `${signal.code}:${signal.subject}`;
  for (;;) {
    const started = run.nowMs();
    const waited = yield* waitFor(run, Math.min(nextLookSeconds, remainingMs / 1000));
    if (waited.kind === "rollback") return waited;
    remainingMs -= run.nowMs() - started;
    if (remainingMs <= 0) return yield* healthGate(run, health);
    const look = yield* observe(run, health);
    nextLookSeconds = RETENTION_LOOK_SECONDS;
    const fresh = look.signals.filter((signal) => !accepted.has(key(signal)));
    if (fresh.length === 0) continue;
    if (look.verdict === "failing") {
      const verdict = yield* persisted(run, look.signals);
      if (verdict.kind === "rollback") return verdict;
      for (const signal of look.signals) accepted.add(key(signal));
    } else nextLookSeconds = HEALTH_RECHECK_SECONDS;
    run.note(`watching health signals: ${run.record.blockers.join("; ")}`);
    yield* run.save();
  }
}
