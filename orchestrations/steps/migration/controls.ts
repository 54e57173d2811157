// What a control event does where the migration can act on it: a pause waits at gate "paused" until an
// operator resumes (or asks for a rollback); a rollback is handed back to the story to carry out.

import type { Task } from "durable-functions";
import type { ControlEvent } from "../../contracts/pool-migration.contract.ts";
import { awaitGate } from "./gates.ts";
import type { MigrationRun } from "./migration-run.ts";

export type ControlVerdict = { kind: "go-on" } | { kind: "rollback"; reason: string; by: string };

export function* actOnControl(
  run: MigrationRun,
  event: ControlEvent | undefined,
): Generator<Task, ControlVerdict, unknown> {
  if (event === undefined) return { kind: "go-on" };
  if (event.action === "rollback") return { kind: "rollback", reason: event.reason, by: event.by };
  run.note(`paused: ${event.reason}`, event.by);
  const result = yield* awaitGate(run, "paused", { pausedBy: event.by, reason: event.reason }, [
    "resume",
    "rollback",
  ]);
  if (result.kind === "control") {
    return { kind: "rollback", reason: result.event.reason, by: result.event.by };
  }
  if (result.kind === "answered" && result.answer.answer.decision === "rollback") {
    return { kind: "rollback", reason: result.answer.comment || "asked at the pause", by: result.answer.by };
  }
  return { kind: "go-on" };
}

/** Acts on a control event that arrived since the last wait (checked between steps). */
export function* checkControl(run: MigrationRun): Generator<Task, ControlVerdict, unknown> {
  return yield* actOnControl(run, run.takeControl());
}

/** Waits `seconds`, pausing on the way if asked; a rollback cuts the wait short. */
export function* waitFor(run: MigrationRun, seconds: number): Generator<Task, ControlVerdict, unknown> {
  let remaining = seconds * 1000;
  while (remaining > 0) {
    const started = run.nowMs();
    const verdict = yield* actOnControl(run, yield* run.sleep(remaining / 1000));
    if (verdict.kind === "rollback") return verdict;
    remaining -= run.nowMs() - started;
  }
  return { kind: "go-on" };
}
