// A fleet rollout: for each wave of the plan, send the communication events when due, wait for the
// wave's start on durable timers (durable-functions splits a timer longer than the backend allows into
// pieces itself), wait at the wave gate when there is one, then run the wave's `pool-migration`
// sub-orchestrations, each under the migration's own instance id (so its gates and approvals work as for
// any migration), at most maxPoolsInFlight at once. Stop-the-line: when a pool fails or rolls back (or
// the wave's threshold is passed), no new one starts, the running ones finish, and an operator resumes
// (a note kept as a lesson), skips the failed pool, or retries it with the same target.

import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import { ROLES } from "../shared/domain/access/principal.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../shared/domain/migration/migration-options.ts";
import type { AuditRecord } from "../shared/domain/ports/migrations.ts";
import type { RolloutPoolCheck } from "../shared/domain/rollout/cluster-check.ts";
import type { CommunicationEvent } from "../shared/domain/rollout/rollout-communications.ts";
import {
  applyLineDecision,
  lineStop,
  newRolloutRecord,
  nextToStart,
  type PoolProgress,
  type RolloutAwaiting,
  type RolloutChange,
  type RolloutRecord,
  recordPoolEnd,
  type WaveProgress,
} from "../shared/domain/rollout/rollout-record.ts";
import {
  appendHistoryLine,
  changedFields,
  type HistoryLine,
} from "../shared/domain/support/record-changes.ts";
import { sha256 } from "../shared/domain/support/sha256.ts";
import {
  type FleetRolloutInput,
  type FleetRolloutResult,
  ROLLOUT_EVENTS,
  type RolloutAnswerEvent,
} from "./contracts/fleet-rollout.contract.ts";
import { migrationInstanceId } from "./contracts/instance-ids.ts";
import type { PoolMigrationResult } from "./contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { batchedFanOut } from "./steps/batched-fan-out.ts";
import { callActivity, errorMessage, patientRetry, type TypedTask } from "./steps/call-activity.ts";
import { EventChannel } from "./steps/migration/event-channel.ts";
import { registerOrchestration } from "./steps/register.ts";

const ACTOR = "fleet-rollout";
/** An unanswered wave gate or stopped line reminds people once after this long. */
const REMINDER_MS = 24 * 3_600_000;

class RolloutRun {
  readonly context: OrchestrationContext;
  readonly record: RolloutRecord;
  readonly answers: EventChannel<RolloutAnswerEvent>;
  /** Times the line stopped: numbers each stop's audit records. */
  stops = 0;
  /** Each field's JSON as last saved, and history lines not saved yet. */
  private readonly sent = new Map<string, string>();
  private readonly unsent: HistoryLine[] = [];
  /** Communication events not sent yet, earliest first. */
  readonly communications: CommunicationEvent[];

  constructor(context: OrchestrationContext, input: FleetRolloutInput) {
    this.context = context;
    this.record = newRolloutRecord(
      input.rolloutId,
      input.plan,
      input.options,
      input.requestedBy,
      input.requestedAt,
    );
    this.answers = new EventChannel(context, ROLLOUT_EVENTS.answer);
    this.communications = [...input.plan.communications].sort((a, b) => a.date.localeCompare(b.date));
  }

  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  note(event: string, by?: string): void {
    const entry: HistoryLine = { at: this.now(), event };
    if (by !== undefined) entry.by = by;
    appendHistoryLine(this.record.history, entry);
    this.unsent.push(entry);
  }

  /** Saves what changed since the last save, a revision higher; the plan goes once, with the first. */
  *save(): Generator<Task, void, unknown> {
    this.record.revision += 1;
    this.record.updatedAt = this.now();
    const { id, history: _history, revision, plan, ...fields } = this.record;
    const change: RolloutChange = {
      id,
      revision,
      set: { ...changedFields(this.sent, fields), ...(revision === 1 && { plan }) },
      append: this.unsent.splice(0),
    };
    const { status, awaiting, waves } = this.record;
    this.context.df.setCustomStatus({
      status,
      awaiting: awaiting && { kind: awaiting.kind, wave: awaiting.wave, accepts: awaiting.accepts },
      waves: waves.map((wave) => ({ index: wave.index, status: wave.status })),
    });
    yield* callActivity(this.context, ACTIVITIES.saveRollout, change, patientRetry());
  }

  /** Appends an audit record to the rollout's chain; its id makes a repeat append nothing. */
  *audit(
    step: string,
    fields: Omit<AuditRecord, "id" | "migrationId" | "at">,
  ): Generator<Task, void, unknown> {
    yield* callActivity(
      this.context,
      ACTIVITIES.recordAudit,
      {
        id: `${this.record.id}:${step}:${fields.stage}`,
        migrationId: this.record.id,
        at: this.now(),
        ...fields,
      },
      patientRetry(),
    );
  }

  /** Tells people; a sink down past the retries is noted, never fatal to the rollout. */
  *notify(id: string, clusters: string[], title: string, text: string): Generator<Task, void, unknown> {
    try {
      yield* callActivity(this.context, ACTIVITIES.notifyRollout, {
        id: `${this.record.id}:${id}`,
        rolloutId: this.record.id,
        clusters,
        severity: "info",
        title,
        text,
      });
    } catch (error) {
      this.note(`could not tell people "${title}": ${errorMessage(error)}`);
    }
  }
}

export function* fleetRollout(
  context: OrchestrationContext,
  input: FleetRolloutInput,
): Generator<Task, FleetRolloutResult, unknown> {
  const run = new RolloutRun(context, input);
  try {
    return yield* rollOut(run, input);
  } catch (error) {
    return yield* failed(run, error);
  }
}

/**
 * A step failed past its retries: the record says so (it would otherwise stay "running" with a wait no
 * answer reaches); migrations already started run on under their own ids. With storage still down, only
 * the log can say it.
 */
function* failed(run: RolloutRun, error: unknown): Generator<Task, FleetRolloutResult, unknown> {
  const { record } = run;
  record.status = "failed";
  record.awaiting = null;
  const reason = `the rollout could not go on: ${errorMessage(error)}`;
  run.note(reason);
  try {
    yield* run.audit("start", {
      stage: "outcome",
      actor: ACTOR,
      action: "start-rollout",
      target: record.id,
      reason,
      result: "failed",
    });
    yield* run.save();
  } catch (again) {
    if (!run.context.df.isReplaying)
      run.context.error(`rollout ${record.id} failed and could not record it: ${errorMessage(again)}`);
  }
  return { ...tally(record), status: "failed" };
}

function tally(record: RolloutRecord): Omit<FleetRolloutResult, "status"> {
  const pools = record.waves.flatMap((wave) => wave.pools);
  return {
    succeeded: pools.filter((pool) => pool.status === "succeeded").length,
    skipped: pools.filter((pool) => pool.status === "skipped").length,
    unsuccessful: pools.filter(
      (pool) => !["succeeded", "skipped", "pending", "running"].includes(pool.status),
    ).length,
  };
}

function* rollOut(run: RolloutRun, input: FleetRolloutInput): Generator<Task, FleetRolloutResult, unknown> {
  const { record } = run;
  run.note(`requested by ${input.requestedBy.name}: ${record.waves.length} waves`, input.requestedBy.name);
  yield* run.audit("start", {
    stage: "intent",
    actor: input.requestedBy.name,
    actorId: input.requestedBy.id,
    action: "start-rollout",
    target: record.id,
    reason: `${record.waves.length} waves from ${input.plan.start}`,
  });
  yield* run.save();
  for (const wave of record.waves) {
    yield* waitUntil(run, Date.parse(wave.start));
    if (record.options.waveGate) yield* waveGate(run, wave);
    yield* runWave(run, wave);
  }
  record.status = "done";
  const result: FleetRolloutResult = { status: record.status, ...tally(record) };
  run.note(
    `done: ${result.succeeded} succeeded, ${result.unsuccessful} without success, ${result.skipped} skipped`,
  );
  yield* run.audit("start", {
    stage: "outcome",
    actor: ACTOR,
    action: "start-rollout",
    target: record.id,
    reason: "every wave ran",
    result: `succeeded: ${result.succeeded} migrated, ${result.unsuccessful} not, ${result.skipped} skipped`,
  });
  yield* run.save();
  return result;
}

/** Waits on durable timers until `atMs`, sending each communication event on its day on the way. */
function* waitUntil(run: RolloutRun, atMs: number): Generator<Task, void, unknown> {
  const { context } = run;
  for (;;) {
    const next = run.communications[0];
    const nextMs = next && Date.parse(`${next.date}T00:00:00Z`);
    if (next === undefined || nextMs === undefined || nextMs > atMs) break;
    if (nextMs > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(new Date(nextMs));
    run.communications.shift();
    const wave = run.record.plan.waves.find((each) => each.index === next.wave);
    yield* run.notify(
      `communication:${next.wave}:${next.kind}`,
      wave?.clusters ?? [],
      `Wave ${next.wave}: ${next.kind}${next.late ? " (late)" : ""}`,
      next.text,
    );
    run.note(`sent the ${next.kind} of wave ${next.wave}`);
    yield* run.save();
  }
  if (atMs > context.df.currentUtcDateTime.getTime()) yield context.df.createTimer(new Date(atMs));
}

/** Waits for an answer to `awaiting` that it accepts; reminds people once if none comes for a day. */
function* awaitAnswer(
  run: RolloutRun,
  awaiting: Omit<RolloutAwaiting, "nonce" | "since">,
  clusters: string[],
): Generator<Task, RolloutAnswerEvent, unknown> {
  const { context, record } = run;
  const nonce = context.df.newGuid(`${record.id}:${awaiting.kind}:${awaiting.wave}:${record.revision}`);
  record.awaiting = { ...awaiting, nonce, since: run.now() };
  run.note(
    `awaiting ${awaiting.kind} of wave ${awaiting.wave} (${awaiting.accepts.join(", ")}): ${awaiting.reason}`,
  );
  yield* run.save();
  const remindAt = context.df.currentUtcDateTime.getTime() + REMINDER_MS;
  let reminded = false;
  for (;;) {
    const answer = run.answers.take();
    if (answer) {
      if (answer.nonce !== nonce || !awaiting.accepts.includes(answer.decision)) {
        // Another answer got there first (two people at once), or one to a wait long over.
        run.note(`${answer.decision} by ${answer.by} came to no open wait: not acted on`, answer.by);
        continue;
      }
      if (awaiting.notBy !== "" && answer.byId === awaiting.notBy) {
        run.note(`${awaiting.kind}: an answer by the requester is not counted`, answer.by);
        continue;
      }
      record.awaiting = null;
      run.note(
        `${awaiting.kind} of wave ${awaiting.wave}: ${answer.decision}${answer.note ? `: ${answer.note}` : ""}`,
        answer.by,
      );
      // Closed at once, so a second person's answer is refused by the API rather than dropped here.
      yield* run.save();
      return answer;
    }
    const reminder: TimerTask | undefined = reminded ? undefined : context.df.createTimer(new Date(remindAt));
    const waits: Task[] = [run.answers.waiter()];
    if (reminder) waits.push(reminder);
    const winner = yield context.df.Task.any(waits);
    if (winner !== reminder) {
      // An answer: taken at the top of the loop.
      reminder?.cancel();
    } else {
      reminded = true;
      yield* run.notify(
        `${awaiting.kind}:${awaiting.wave}:${nonce}:reminder`,
        clusters,
        `Rollout waits: ${awaiting.kind} of wave ${awaiting.wave}`,
        `${awaiting.reason}. A ${awaiting.role} answers (${awaiting.accepts.join(", ")}).`,
      );
    }
  }
}

function* waveGate(run: RolloutRun, wave: WaveProgress): Generator<Task, void, unknown> {
  const { record } = run;
  const clusters = clustersOf(wave);
  record.status = "awaiting-wave";
  const answer = yield* awaitAnswer(
    run,
    {
      kind: "wave-gate",
      wave: wave.index,
      reason: `wave ${wave.index} (${clusters.join(", ")}) is due`,
      accepts: ["approve"],
      role: ROLES.approver,
      notBy: record.requestedBy.id,
    },
    clusters,
  );
  yield* run.audit(`wave-${wave.index}:gate`, {
    stage: "outcome",
    actor: answer.by,
    actorId: answer.byId,
    action: "approve-wave",
    target: `wave ${wave.index}`,
    reason: answer.note,
    result: "approved",
  });
  record.status = "running";
  yield* run.save();
}

function* runWave(run: RolloutRun, wave: WaveProgress): Generator<Task, void, unknown> {
  const { context, record } = run;
  wave.status = "running";
  run.note(`wave ${wave.index} starts`);
  yield* run.save();
  for (;;) {
    const batch: PoolProgress[] = [];
    for (let next = nextToStart(wave, record.options)[0]; next; next = nextToStart(wave, record.options)[0]) {
      if (yield* preparePool(run, wave, next)) batch.push(next);
    }
    if (batch.length === 0) {
      const stop = lineStop(wave, record.options);
      if (!stop) break;
      yield* stopTheLine(run, wave, stop);
      continue;
    }
    // Awaited together: a sliding window of Task.any would schedule running tasks again (batched-fan-out.ts).
    const settled = yield* batchedFanOut(context, batch, batch.length, (pool) => migrationTask(run, pool));
    for (const each of settled) {
      yield* endPool(
        run,
        each.item,
        each.ok
          ? each.result
          : { outcome: "failed", error: `the migration's workflow failed: ${each.error}` },
      );
    }
  }
  wave.status = "done";
  run.note(`wave ${wave.index} done`);
  yield* run.save();
}

/** Readies a pool's migration after a look at its cluster (true); a pool that cannot start now is skipped. */
function* preparePool(
  run: RolloutRun,
  wave: WaveProgress,
  pool: PoolProgress,
): Generator<Task, boolean, unknown> {
  const { record } = run;
  const planned = record.plan.waves
    .flatMap((each) => each.migrations)
    .filter((migration) => migration.clusterId === pool.clusterId);
  const migration = planned.find((each) => each.pool === pool.pool);
  let check: RolloutPoolCheck;
  try {
    check = yield* checkOf(
      run,
      pool,
      migration?.fromOsSku ?? "",
      planned.map((each) => each.pool),
    );
  } catch (error) {
    // ARM unreachable past the retries: the pool fails, the line stops, an operator retries or skips it.
    pool.status = "failed";
    pool.note = `the look at its cluster failed: ${errorMessage(error)}`;
    run.note(`${pool.cluster}/${pool.pool}: ${pool.note}`);
    yield* run.audit(`wave-${wave.index}:${poolKey(pool)}:check-${run.stops}`, {
      stage: "outcome",
      actor: ACTOR,
      action: "check-pool",
      target: `${pool.cluster}/${pool.pool}`,
      reason: pool.note,
      result: "failed: the line stops",
    });
    yield* run.save();
    return false;
  }
  for (const unplanned of check.unplanned) {
    const known = record.newPools.some(
      (each) => each.clusterId === pool.clusterId && each.pool === unplanned.pool,
    );
    if (known) continue;
    record.newPools.push({
      clusterId: pool.clusterId,
      pool: unplanned.pool,
      why: unplanned.why,
      at: run.now(),
    });
    run.note(`${pool.cluster}/${unplanned.pool} needs migrating and is not in the plan: reported, not added`);
  }
  if (check.kind === "skip") {
    pool.status = "skipped";
    pool.note = check.why;
    record.skippedClusters.push({
      cluster: pool.cluster,
      clusterId: pool.clusterId,
      wave: wave.index,
      why: check.why,
      at: run.now(),
    });
    run.note(`${pool.cluster}/${pool.pool} skipped: ${check.why}`);
    yield* run.audit(`wave-${wave.index}:${poolKey(pool)}:skip`, {
      stage: "outcome",
      actor: ACTOR,
      action: "skip-pool",
      target: `${pool.cluster}/${pool.pool}`,
      reason: check.why,
      result: `skipped: ${check.why}`,
    });
    yield* run.save();
    return false;
  }
  const migrationId = migrationInstanceId(pool.clusterId, pool.pool, check.attempt);
  pool.status = "running";
  pool.migrationId = migrationId;
  pool.attempt = check.attempt;
  delete pool.note;
  run.note(`${pool.cluster}/${pool.pool} to ${pool.targetOsSku}: migration ${migrationId} starts`);
  yield* run.audit(`migration:${migrationId}`, {
    stage: "intent",
    actor: ACTOR,
    action: "start-migration",
    target: `${pool.cluster}/${pool.pool}`,
    reason: `wave ${wave.index} of the plan`,
    evidence: { migrationId, attempt: check.attempt, targetOsSku: pool.targetOsSku },
  });
  yield* run.save();
  return true;
}

/** The pool's `pool-migration` under the migration's own instance id, with the options its plan gives. */
function migrationTask(run: RolloutRun, pool: PoolProgress): TypedTask<PoolMigrationResult> {
  const { context, record } = run;
  const migrationId = pool.migrationId as string;
  const planned = record.plan.waves
    .flatMap((wave) => wave.migrations)
    .find((migration) => migration.clusterId === pool.clusterId && migration.pool === pool.pool);
  return context.df.callSubOrchestrator(
    ORCHESTRATIONS.poolMigration,
    {
      migrationId,
      clusterId: pool.clusterId,
      pool: pool.pool,
      targetOsSku: pool.targetOsSku,
      requestedBy: record.requestedBy,
      requestedAt: run.now(),
      options: { ...DEFAULT_MIGRATION_OPTIONS, ...planned?.options },
    },
    migrationId,
  );
}

/** A pool's part of an audit id: two clusters of one name (other resource groups) stay apart. */
function poolKey(pool: PoolProgress): string {
  const hash = sha256(`${pool.clusterId.toLowerCase()}|${pool.pool.toLowerCase()}`).slice(0, 16);
  return `${pool.cluster}:${pool.pool}:${hash}`;
}

function* checkOf(
  run: RolloutRun,
  pool: PoolProgress,
  fromOsSku: string,
  plannedPools: string[],
): Generator<Task, RolloutPoolCheck, unknown> {
  return yield* callActivity(run.context, ACTIVITIES.checkRolloutPool, {
    clusterId: pool.clusterId,
    pool: pool.pool,
    fromOsSku,
    targetOsSku: pool.targetOsSku,
    plannedPools,
    endedMigrations: pool.endedMigrations ?? [],
  });
}

function* endPool(
  run: RolloutRun,
  pool: PoolProgress,
  ended: PoolMigrationResult | { outcome: "failed"; error: string },
): Generator<Task, void, unknown> {
  const summary = "summary" in ended ? ended.summary : undefined;
  pool.note = "error" in ended ? ended.error : `ended ${ended.outcome}`;
  recordPoolEnd(pool, ended.outcome, summary, run.context.df.currentUtcDateTime);
  run.note(`${pool.cluster}/${pool.pool}: ${ended.outcome}`);
  yield* run.audit(`migration:${pool.migrationId}`, {
    stage: "outcome",
    actor: ACTOR,
    action: "start-migration",
    target: `${pool.cluster}/${pool.pool}`,
    reason: pool.note,
    result: ended.outcome === "succeeded" ? "succeeded" : `failed: ${ended.outcome}`,
  });
  yield* run.save();
}

/** The line stopped: nothing runs now; an operator resumes, skips or retries the failed pool. */
function* stopTheLine(
  run: RolloutRun,
  wave: WaveProgress,
  stop: NonNullable<ReturnType<typeof lineStop>>,
): Generator<Task, void, unknown> {
  const { record } = run;
  record.status = "stopped";
  const failed = stop.pool && { clusterId: stop.pool.clusterId, pool: stop.pool.pool };
  const stops = run.stops++;
  run.note(`the line stopped: ${stop.reason}`);
  yield* run.audit(`wave-${wave.index}:stop-${stops}`, {
    stage: "intent",
    actor: ACTOR,
    action: "stop-the-line",
    target: `wave ${wave.index}`,
    reason: stop.reason,
  });
  yield* run.notify(
    `wave-${wave.index}:stop-${stops}`,
    clustersOf(wave),
    `Rollout stopped in wave ${wave.index}`,
    `${stop.reason}. No new migration starts until an operator resumes, skips or retries.`,
  );
  const answer = yield* awaitAnswer(
    run,
    {
      kind: "stop-the-line",
      wave: wave.index,
      reason: stop.reason,
      ...(failed ? { pool: failed } : {}),
      accepts: failed ? ["resume", "skip", "retry"] : ["resume"],
      role: ROLES.operator,
      notBy: "",
    },
    clustersOf(wave),
  );
  const decision = answer.decision as "resume" | "skip" | "retry";
  if (decision === "resume") record.lessons.push({ note: answer.note, by: answer.by, at: answer.at });
  applyLineDecision(wave, decision, failed, answer.note);
  yield* run.audit(`wave-${wave.index}:stop-${stops}`, {
    stage: "outcome",
    actor: answer.by,
    actorId: answer.byId,
    action: "stop-the-line",
    target: failed ? `${stop.pool?.cluster}/${failed.pool}` : `wave ${wave.index}`,
    reason: answer.note,
    result: decision,
  });
  record.status = "running";
  yield* run.save();
}

function clustersOf(wave: WaveProgress): string[] {
  return [...new Set(wave.pools.map((pool) => pool.cluster))];
}

registerOrchestration(ORCHESTRATIONS.fleetRollout, fleetRollout);
