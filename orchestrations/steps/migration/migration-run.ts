// One migration's state while its orchestrator runs: the record people read (saved at every step, each
// save a higher revision), the custom status, and the control channel (pause, rollback) that every wait
// listens to. Rebuilt identically on every replay: it reads time only from the orchestration context.

import type { OrchestrationContext, Task, TimerTask } from "durable-functions";
import { ROLES } from "../../../shared/domain/access/principal.ts";
import type { BudgetLoad } from "../../../shared/domain/migration/drain-batches.ts";
import type {
  HistoryEntry,
  MigrationRecord,
  Phase,
} from "../../../shared/domain/migration/migration-record.ts";
import { appendHistoryLine, type RecordChange } from "../../../shared/domain/migration/record-changes.ts";
import { changedFields } from "../../../shared/domain/support/record-changes.ts";
import {
  type ControlEvent,
  type GateAnswerEvent,
  MIGRATION_EVENTS,
  type PoolMigrationInput,
} from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES } from "../../contracts.ts";
import { callActivity, patientRetry } from "../call-activity.ts";
import { EventChannel } from "./event-channel.ts";
import type { OverlapMeter } from "./overlap-meter.ts";

/** Longest a history line may be: the record stays small whatever a person writes in a comment. */
const MAX_EVENT_LENGTH = 500;
/** How long a `surely` save (the migration's end) waits for the state store, and how often it tries. */
const CLOSING_PATIENCE_SECONDS = 24 * 3600;
const SAVE_AGAIN_SECONDS = 5 * 60;

/**
 * What a save does when the store is still down after the patient retry: fail the migration; keep the
 * change for the next save and go on (a rollback undoes the cluster's changes whether or not the record
 * can say so yet); or try again every SAVE_AGAIN_SECONDS (the migration's end, shown as custom status
 * meanwhile).
 */
type SaveMode = "or-fail" | "or-keep" | "surely";

export class MigrationRun {
  readonly context: OrchestrationContext;
  readonly input: PoolMigrationInput;
  readonly record: MigrationRecord;
  /** When each phase was entered, for the summary's duration per phase. */
  readonly phaseSeconds: Record<string, number> = {};
  /** Batches drained, for the summary: past migrations' pace estimates future ones. */
  batchesDrained = 0;
  private phaseSince: number;
  /** Each field's value as last saved (JSON), and the history lines not saved yet. */
  private readonly sent = new Map<string, string>();
  private readonly unsent: HistoryEntry[] = [];
  private readonly control: EventChannel<ControlEvent>;
  readonly answers: EventChannel<GateAnswerEvent>;
  /** Set once the new pool is asked for: the two pools' sizes from then on. */
  overlap?: OverlapMeter;
  /**
   * Whether the drain hands nodes their budgets hold over to the next batch (the survey's handsOverHeld,
   * set when the drain begins): batches may then go faster than a growth, so the growth leads by their
   * pace and goes first, and a person's deletes go one node at a time. A survey from before replays none.
   */
  handsOverHeld = false;
  /** The old pool's survey budgets: what the nodes of a batch hold of workloads no budget covers. */
  budgets: Pick<BudgetLoad, "perNode"> | undefined;

  constructor(context: OrchestrationContext, input: PoolMigrationInput) {
    this.context = context;
    this.input = input;
    const now = this.now();
    this.phaseSince = context.df.currentUtcDateTime.getTime();
    this.record = {
      id: input.migrationId,
      clusterId: input.clusterId,
      cluster: input.clusterId.slice(input.clusterId.lastIndexOf("/") + 1),
      pool: input.pool,
      targetOsSku: input.targetOsSku,
      phase: "preflight",
      awaiting: null,
      nodes: { drained: 0, total: 0 },
      blockers: [],
      outcome: null,
      requestedBy: input.requestedBy,
      requestedAt: input.requestedAt,
      options: input.options,
      history: [],
      revision: 0,
      updatedAt: now,
    };
    this.control = new EventChannel(context, MIGRATION_EVENTS.control);
    this.answers = new EventChannel(context, MIGRATION_EVENTS.answer);
  }

  now(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  nowMs(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  /** Adds a line to the record's history (saved with the next save). */
  note(event: string, by?: string): void {
    const entry: HistoryEntry = {
      at: this.now(),
      phase: this.record.phase,
      event: event.slice(0, MAX_EVENT_LENGTH),
    };
    if (by !== undefined) entry.by = by;
    appendHistoryLine(this.record.history, entry);
    this.unsent.push(entry);
  }

  /**
   * Saves what changed since the last save, a revision higher, and shows it as custom status. Patient: a
   * save that gives up fails the migration (`or-keep` goes on, `surely` tries again).
   */
  *save(how: SaveMode = "or-fail"): Generator<Task, void, unknown> {
    const giveUpAt = this.nowMs() + CLOSING_PATIENCE_SECONDS * 1000;
    for (;;) {
      const change = this.nextChange();
      try {
        yield* callActivity(this.context, ACTIVITIES.saveMigration, change, patientRetry());
        return;
      } catch (error) {
        // Kept for the next save (one that failed but was applied shows its lines twice).
        for (const name of Object.keys(change.set)) this.sent.delete(name);
        this.unsent.unshift(...change.append);
        if (how === "or-keep") return;
        if (how === "or-fail" || this.nowMs() >= giveUpAt) throw error;
      }
      yield this.context.df.createTimer(new Date(this.nowMs() + SAVE_AGAIN_SECONDS * 1000));
    }
  }

  /** The change since the last save, a revision higher, also shown as custom status. */
  private nextChange(): RecordChange {
    this.record.revision += 1;
    this.record.updatedAt = this.now();
    const { phase, nodes, blockers, awaiting, outcome } = this.record;
    this.context.df.setCustomStatus({
      phase,
      nodes,
      blockers,
      awaiting: awaiting && {
        gate: awaiting.gate,
        since: awaiting.since,
        role: awaiting.role,
        notBy: awaiting.notBy,
      },
      outcome,
    });
    const { id, history: _history, revision, ...fields } = this.record;
    return { id, revision, set: changedFields(this.sent, fields), append: this.unsent.splice(0) };
  }

  /** Enters a phase: noted, timed, saved. */
  *enter(phase: Phase, event: string, how: SaveMode = "or-fail"): Generator<Task, void, unknown> {
    const now = this.nowMs();
    const previous = this.record.phase;
    this.phaseSeconds[previous] = (this.phaseSeconds[previous] ?? 0) + (now - this.phaseSince) / 1000;
    this.phaseSince = now;
    this.record.phase = phase;
    this.note(event);
    yield* this.save(how);
  }

  /** A control event received and not yet acted on, taken. */
  takeControl(): ControlEvent | undefined {
    return this.control.take();
  }

  /** A waiter for a control event, for one wait to race. */
  controlWaiter(): Task {
    return this.control.waiter();
  }

  /** The role a person needs to answer a gate: operators resume, approvers answer the rest. */
  static roleFor(gate: string): string {
    return gate === "paused" ? ROLES.operator : ROLES.approver;
  }

  /**
   * Waits `seconds` of orchestration time, or less when a control event arrives (returned; the timer is
   * cancelled so the instance does not wait for it).
   */
  *sleep(seconds: number): Generator<Task, ControlEvent | undefined, unknown> {
    const pending = this.takeControl();
    if (pending) return pending;
    const timer: TimerTask = this.context.df.createTimer(new Date(this.nowMs() + seconds * 1000));
    const winner = yield this.context.df.Task.any([timer, this.controlWaiter()]);
    if (winner === timer) return undefined;
    timer.cancel();
    return this.takeControl();
  }
}
