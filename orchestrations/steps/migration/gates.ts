// A gate: the migration waits for a person's answer, raced against its timeout and the control channel.
// Each wait has its own nonce (context.df.newGuid), and an answer whose gate, nonce or decision does not
// fit this wait is ignored, so a stale, early or replayed answer never opens a later gate. Unanswered
// past the timeout, the gate sends one alert and keeps waiting up to the hard limit, then expires.

import type { Task, TimerTask } from "durable-functions";
import { needsTwoApprovals } from "../../../shared/domain/access/gate-rules.ts";
import type { Principal } from "../../../shared/domain/access/principal.ts";
import type { GateDecision, GateName } from "../../../shared/domain/migration/migration-record.ts";
import type {
  ControlEvent,
  GateAnswerEvent,
  NotifyMigrationInput,
} from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity, errorMessage } from "../call-activity.ts";
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
    // The requester may resume their own pause; every other gate needs someone else.
    notBy: gate === "paused" ? "" : record.requestedBy.id,
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
    const answer = run.answers.take();
    if (answer) {
      // One for another gate or an earlier wait (stale, early, replayed) opens nothing.
      if (answer.gate !== gate || answer.nonce !== nonce || !accepts.includes(answer.answer.decision))
        continue;
      // The HTTP side refuses the requester already; the workflow does not count on it alone.
      if (gate !== "paused" && byRequester(answer, record.requestedBy)) {
        run.note(`gate ${gate}: an answer by the requester is not counted`, answer.by);
        continue;
      }
      if (needsTwoApprovals(record, gate, answer.answer) && !twoApprovers(answer, record.requestedBy.id)) {
        run.note(`gate ${gate}: an approval without a second approver is not counted`, answer.by);
        continue;
      }
      run.note(
        `gate ${gate}: ${describeDecision(answer.answer)}${answer.approvedBy ? ` by ${answer.approvedBy.map((approver) => approver.name).join(" and ")}` : ""}${answer.comment ? `: ${answer.comment}` : ""}`,
        answer.by,
      );
      return yield* leave(run, { kind: "answered", answer });
    }
    const dueAt = limits && since + 1000 * (reminded ? limits.expirySeconds : limits.timeoutSeconds);
    const timer: TimerTask | undefined =
      dueAt === undefined ? undefined : context.df.createTimer(new Date(dueAt));
    const waits: Task[] = [run.answers.waiter(), run.controlWaiter()];
    if (timer) waits.push(timer);
    const winner = yield context.df.Task.any(waits);
    if (winner !== timer) {
      // An answer or a control event: taken at the top of the loop.
      timer?.cancel();
      continue;
    }
    if (reminded) {
      run.note(`gate ${gate} expired unanswered`);
      return yield* leave(run, { kind: "expired" });
    }
    reminded = true;
    yield* notifyQuietly(run, {
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

/** Tells people; a sink that stays down past the activity's retries is noted, never fatal to the migration. */
export function* notifyQuietly(
  run: MigrationRun,
  notice: NotifyMigrationInput,
): Generator<Task, void, unknown> {
  try {
    yield* callActivity(run.context, ACTIVITIES.notifyMigration, notice);
  } catch (error) {
    run.note(`could not tell people "${notice.title}": ${errorMessage(error)}`);
  }
}

function* leave(run: MigrationRun, result: GateResult): Generator<Task, GateResult, unknown> {
  run.record.awaiting = null;
  yield* run.save();
  return result;
}

/** By id, since two people may share a name; an event raised before answers carried ids has the name only. */
function byRequester(answer: GateAnswerEvent, requester: Principal): boolean {
  return answer.byId === undefined ? answer.by === requester.name : answer.byId === requester.id;
}

/** Two distinct approvers named (by id), neither of them the requester. */
function twoApprovers(answer: GateAnswerEvent, requesterId: string): boolean {
  const approvers = new Set((answer.approvedBy ?? []).map((approver) => approver.id));
  return approvers.size >= 2 && !approvers.has(requesterId);
}

/** Who ended a wait: the person who answered or asked for the rollback, else the workflow (expiry). */
export function decidedBy(result: GateResult): string {
  if (result.kind === "answered") return result.answer.by;
  return result.kind === "control" ? result.event.by : "pool-migration";
}

export function describeDecision(answer: GateDecision): string {
  return "pod" in answer ? `${answer.decision} ${answer.pod.namespace}/${answer.pod.name}` : answer.decision;
}
