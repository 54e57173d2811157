// A change to an agent pool through ARM, as the monitor pattern: send the request (audited), then poll
// its long-running operation on durable timers until it ends; never block an activity on it. ARM's 409
// OperationNotAllowed (another operation runs) means wait and ask again. The operation's token is in
// history, so a restarted host resumes polling it rather than sending a second request; a create that
// finds its pool already there (sent before a crash) polls the pool itself.

import type { Task } from "durable-functions";
import type { PoolRequest } from "../../../shared/domain/ports/pool-operations.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity } from "../call-activity.ts";
import type { MigrationRun } from "./migration-run.ts";

/** Seconds between polls when ARM gives no hint, and the longest a busy cluster or an operation may take. */
const DEFAULT_POLL_SECONDS = 15;
const MAX_BUSY_SECONDS = 30 * 60;
const MAX_OPERATION_SECONDS = 60 * 60;

export type PoolChangeResult = { kind: "succeeded" } | { kind: "failed"; error: string };

export function* changePool(
  run: MigrationRun,
  step: string,
  request: PoolRequest,
  reason: string,
): Generator<Task, PoolChangeResult, unknown> {
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
    const operation = outcome.kind === "accepted" ? outcome.operation : undefined;
    return yield* pollUntilDone(run, pool, request.kind === "delete", operation);
  }
}

function* pollUntilDone(
  run: MigrationRun,
  pool: string,
  deleting: boolean,
  operation: string | undefined,
): Generator<Task, PoolChangeResult, unknown> {
  const started = run.nowMs();
  for (;;) {
    const status = yield* callActivity(run.context, ACTIVITIES.pollPool, {
      clusterId: run.record.clusterId,
      pool,
      ...(operation === undefined ? {} : { operation }),
      deleting,
    });
    if (status.status === "succeeded") return { kind: "succeeded" };
    if (status.status === "failed") return { kind: "failed", error: status.error };
    if (run.nowMs() - started > MAX_OPERATION_SECONDS * 1000) {
      return {
        kind: "failed",
        error: `the operation on ${pool} did not end within ${MAX_OPERATION_SECONDS / 60} minutes`,
      };
    }
    yield* waitQuietly(run, status.retryAfterSeconds || DEFAULT_POLL_SECONDS);
  }
}

/** A timer that a control event does not cut short: an ARM operation under way is seen to its end. */
function* waitQuietly(run: MigrationRun, seconds: number): Generator<Task, void, unknown> {
  yield run.context.df.createTimer(new Date(run.nowMs() + Math.max(1, seconds) * 1000));
}
