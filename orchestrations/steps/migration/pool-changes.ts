// A change to an agent pool through ARM, as the monitor pattern: send the request (audited), then poll
// its long-running operation on durable timers until it ends; never block an activity on it. ARM's 409
// OperationNotAllowed (another operation runs) means wait and ask again. The operation's token is in
// history, so a restarted host resumes polling it rather than sending a second request; a create that
// finds its pool already there (sent before a crash) polls the pool itself. Sending and seeing the end
// are apart so the drain can grow the new pool while a batch drains.

import type { Task } from "durable-functions";
import type { PoolRequest } from "../../../shared/domain/ports/pool-operations.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity } from "../call-activity.ts";
import type { MigrationRun } from "./migration-run.ts";

/** Seconds between polls when ARM gives no hint, and the longest a busy cluster or an operation may take. */
const DEFAULT_POLL_SECONDS = 15;
const MAX_BUSY_SECONDS = 30 * 60;
const MAX_OPERATION_SECONDS = 60 * 60;

/** refused: ARM refused the request itself, so nothing of it happened. */
export type PoolChangeResult = { kind: "succeeded" } | { kind: "failed"; error: string; refused?: true };

/** A request ARM accepted and the migration has not yet seen to its end, or the end already known. */
export type PendingPoolChange =
  | PoolChangeResult
  | {
      kind: "pending";
      pool: string;
      deleting: boolean;
      operation?: string;
      sentMs: number;
      retryAfterSeconds?: number;
    };

/** A pool change sent and seen to its end. */
export function* changePool(
  run: MigrationRun,
  step: string,
  request: PoolRequest,
  reason: string,
): Generator<Task, PoolChangeResult, unknown> {
  return yield* finishPoolChange(run, yield* sendPoolChange(run, step, request, reason));
}

/** The request sent (asked again while ARM is busy); its operation left running for finishPoolChange. */
export function* sendPoolChange(
  run: MigrationRun,
  step: string,
  request: PoolRequest,
  reason: string,
): Generator<Task, PendingPoolChange, unknown> {
  const { context, record } = run;
  const pool = request.kind === "create" ? request.spec.name : request.pool;
  const busySince = run.nowMs();
  let attempt = 0;
  for (;;) {
    const outcome = yield* callActivity(context, ACTIVITIES.requestPoolChange, {
      migrationId: record.id,
      step: `${step}:${attempt}`,
      actor: "pool-migration",
      reason,
      clusterId: record.clusterId,
      request,
    });
    if (outcome.kind === "gone") return { kind: "succeeded" };
    if (outcome.kind === "refused") return { kind: "failed", error: outcome.reason, refused: true };
    if (outcome.kind === "busy") {
      if (run.nowMs() - busySince > MAX_BUSY_SECONDS * 1000) {
        return {
          kind: "failed",
          error: `ARM stayed busy for ${MAX_BUSY_SECONDS / 60} minutes: ${outcome.reason}`,
        };
      }
      run.note(`ARM is busy with another operation on ${pool}, asking again: ${outcome.reason}`);
      yield* waitQuietly(run, outcome.retryAfterSeconds);
      attempt += 1;
      continue;
    }
    return {
      kind: "pending",
      pool,
      deleting: request.kind === "delete",
      ...(outcome.kind === "accepted" ? { operation: outcome.operation } : {}),
      sentMs: run.nowMs(),
    };
  }
}

/** A sent change polled on durable timers until its operation ends. */
export function* finishPoolChange(
  run: MigrationRun,
  change: PendingPoolChange,
  /** Work done between looks; the wait before the next look is what it left of the interval. */
  meanwhile?: () => Generator<Task, void, unknown>,
): Generator<Task, PoolChangeResult, unknown> {
  for (;;) {
    const now = yield* lookAtPoolChange(run, change);
    if (now.kind !== "pending") return now;
    const interval = now.retryAfterSeconds ?? DEFAULT_POLL_SECONDS;
    const from = run.nowMs();
    if (meanwhile) yield* meanwhile();
    const spent = (run.nowMs() - from) / 1000;
    if (spent < Math.max(1, interval)) yield* waitQuietly(run, interval - spent);
    change = now;
  }
}

/** One look at a sent change: how it ended, or still pending (with ARM's hint when to look again). */
export function* lookAtPoolChange(
  run: MigrationRun,
  change: PendingPoolChange,
): Generator<Task, PendingPoolChange, unknown> {
  if (change.kind !== "pending") return change;
  const { pool, deleting, operation, sentMs } = change;
  const status = yield* callActivity(run.context, ACTIVITIES.pollPool, {
    clusterId: run.record.clusterId,
    pool,
    ...(operation === undefined ? {} : { operation }),
    deleting,
  });
  if (status.status === "succeeded") return { kind: "succeeded" };
  if (status.status === "failed") return { kind: "failed", error: status.error };
  if (run.nowMs() - sentMs > MAX_OPERATION_SECONDS * 1000) {
    return {
      kind: "failed",
      error: `the operation on ${pool} did not end within ${MAX_OPERATION_SECONDS / 60} minutes`,
    };
  }
  return { ...change, ...(status.retryAfterSeconds ? { retryAfterSeconds: status.retryAfterSeconds } : {}) };
}

/** A timer that a control event does not cut short: an ARM operation under way is seen to its end. */
function* waitQuietly(run: MigrationRun, seconds: number): Generator<Task, void, unknown> {
  yield run.context.df.createTimer(new Date(run.nowMs() + Math.max(1, seconds) * 1000));
}
