// A gate: the migration waits for a person's answer, raced against its timeout and the control channel.
// Each wait has its own nonce (context.df.newGuid), and an answer whose gate, nonce or decision does not
// fit this wait is ignored, so a stale, early or replayed answer never opens a later gate. Unanswered
// past the timeout, the gate sends one alert and keeps waiting up to the hard limit, then expires.

import type { Task, TimerTask } from "durable-functions";
import type { GateDecision, GateName } from "../../../shared/domain/migration/migration-record.ts";
import {
  type ControlEvent,
  type GateAnswerEvent,
  MIGRATION_EVENTS,
} from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity } from "../call-activity.ts";
import { MigrationRun } from "./migration-run.ts";

export type GateResult =
  | { kind: "answered"; answer: GateAnswerEvent }
  | { kind: "expired" }
  /** Rollback asked while waiting (a pause at a gate changes nothing: it waits already). */
  | { kind: "control"; event: ControlEvent };

export interface GateLimits {
  /** Seconds until the reminder alert. */
  timeoutSeconds: number;
  /** Seconds until the gate expires. */
  expirySeconds: number;
}

export function* awaitGate(
  run: MigrationRun,
  gate: GateName,
  evidence: unknown,
  accepts: GateDecision["decision"][],
  limits?: GateLimits,
): Generator<Task, GateResult, unknown> {
  const { context, record } = run;
  const nonce = context.df.newGuid(`${record.id}:${gate}`);
  const since = run.nowMs();
  const sinceText = run.now();
  record.awaiting = {
    gate,
    nonce,
    since: sinceText,
    evidence,
    accepts,
    role: MigrationRun.roleFor(gate),
    notBy: record.requestedBy.id,
  };
  run.note(`awaiting gate ${gate} (${accepts.join(", ")})`);
  yield* run.save();
  let reminded = false;
  for (;;) {
    const pending = run.takeControl();
    if (pending) {
      if (pending.action === "rollback") return yield* leave(run, { kind: "control", event: pending });
      run.note(`pause asked while waiting at gate ${gate}: it waits already`, pending.by);
      continue;
    }
    const answer = context.df.waitForExternalEvent(MIGRATION_EVENTS.answer);
    const dueAt = limits && since + 1000 * (reminded ? limits.expirySeconds : limits.timeoutSeconds);
    const timer: TimerTask | undefined =
      dueAt === undefined ? undefined : context.df.createTimer(new Date(dueAt));
    const waits: Task[] = [answer, run.controlTask()];
    if (timer) waits.push(timer);
    const winner = yield context.df.Task.any(waits);
    if (winner === answer) {
      const event = answer.result as GateAnswerEvent;
      if (event.gate !== gate || event.nonce !== nonce || !accepts.includes(event.answer.decision)) continue;
      timer?.cancel();
      run.note(
        `gate ${gate}: ${describeDecision(event.answer)}${event.comment ? `: ${event.comment}` : ""}`,
        event.by,
      );
      return yield* leave(run, { kind: "answered", answer: event });
    }
    if (winner !== timer) {
      timer?.cancel();
      continue;
    }
    if (reminded) {
      run.note(`gate ${gate} expired unanswered`);
      return yield* leave(run, { kind: "expired" });
    }
    reminded = true;
    yield* callActivity(context, ACTIVITIES.notifyMigration, {
      migrationId: record.id,
      id: `${record.id}:${gate}:${nonce}:reminder`,
      cluster: record.cluster,
      pool: record.pool,
      severity: "warning",
      title: `Gate "${gate}" unanswered`,
      text: `Unanswered since ${sinceText}; a ${MigrationRun.roleFor(gate)} answers it (not ${record.requestedBy.name}). It expires at ${new Date(since + 1000 * (limits?.expirySeconds ?? 0)).toISOString()}.`,
    });
  }
}

function* leave(run: MigrationRun, result: GateResult): Generator<Task, GateResult, unknown> {
  run.record.awaiting = null;
  yield* run.save();
  return result;
}

export function describeDecision(answer: GateDecision): string {
  return "pod" in answer ? `${answer.decision} ${answer.pod.namespace}/${answer.pod.name}` : answer.decision;
}
