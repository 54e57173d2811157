// Runs orchestrations through the real durable-functions replay: a dispatcher that runs one episode at a time,
// activity workers with bounded concurrency, and durable timers on the clock. State lives in the DurableStore;
// every episode commits in one transaction, so a killed host resumes where it stopped.
import { randomUUID } from "node:crypto";
import { type Clock, outsideHeldWork, runHeld } from "../clock.ts";
import {
  EventType,
  type FailureDetails,
  failureDetailsOf,
  type HistoryEvent,
  historyEvent,
  timeSpan,
} from "./durable-history.ts";
import {
  type ActivityRow,
  type DurableStore,
  type InboxRow,
  type InstanceFilter,
  type InstanceRow,
  isTerminal,
  type RuntimeStatus,
} from "./durable-store.ts";
import {
  advanceLive,
  type ChildStart,
  type ContinuedAsNew,
  completedTaskId,
  type EpisodeOutcome,
  type EpisodePlan,
  type ExecutionOutcome,
  endsExecution,
  episodeEvents,
  followHiddenNumbering,
  interpretEpisode,
  type LiveInstance,
  LONG_TIMER_INTERVAL_MS,
  MAXIMUM_SHORT_TIMER_MS,
  newPlan,
  type OrchestratorStateLike,
  parseOrchestratorFailure,
  rowAfterEpisode,
  rowContinuedAsNew,
  takesHiddenIds,
} from "./episode.ts";
import type { FunctionRegistration } from "./functions-core.ts";
import type { Invoker } from "./invoker.ts";
import type { Logger } from "./logger.ts";

/** A refused durable operation; `status` is the HTTP status the Durable HTTP API answers with. */
export class DurableOperationError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export interface EngineOptions {
  readonly store: DurableStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly invoker: Invoker;
  readonly orchestrators: readonly FunctionRegistration[];
  readonly activities: readonly FunctionRegistration[];
  readonly activityConcurrency: number;
}

interface PendingCompletion {
  readonly row: ActivityRow;
  readonly event: HistoryEvent;
  readonly release: () => void;
}

const byName = (registrations: readonly FunctionRegistration[]) =>
  new Map(registrations.map((r) => [r.name.toLowerCase(), r]));

function parseJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

/** A new instance, Pending until its first episode runs. */
function newInstance(fields: {
  instanceId: string;
  name: string;
  input: string | null;
  time: number;
  version: string | null;
  /** A sub-orchestration's parent, and the task that waits for it there. */
  parent?: { row: InstanceRow; taskId: number };
}): InstanceRow {
  return {
    instanceId: fields.instanceId,
    name: fields.name,
    executionId: randomUUID(),
    status: "Pending",
    input: fields.input,
    output: null,
    customStatus: null,
    createdAt: fields.time,
    updatedAt: fields.time,
    parentInstanceId: fields.parent?.row.instanceId ?? null,
    parentExecutionId: fields.parent?.row.executionId ?? null,
    parentTaskId: fields.parent?.taskId ?? null,
    nextTaskId: 0,
    version: fields.version,
    failure: null,
    carriedEvents: null,
  };
}

/** Identifies a queued or running work item: a task of one execution. */
function activityKey(row: ActivityRow): string {
  return `${row.instanceId}\u0000${row.taskId}\u0000${row.executionId}`;
}

export class DurableEngine {
  private readonly store: DurableStore;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly invoker: Invoker;
  private readonly orchestrators: Map<string, FunctionRegistration>;
  private readonly activityFunctions: Map<string, FunctionRegistration>;
  private readonly activityConcurrency: number;
  private readonly cache = new Map<string, LiveInstance>();
  private readonly listeners = new Set<(row: InstanceRow) => void>();
  private stopped = false;

  // Dispatcher: one episode at a time, instances in the order they became ready.
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private dispatching: Promise<void> | undefined;

  // Activity workers.
  private readonly activityQueue: ActivityRow[] = [];
  private readonly activityKeys = new Set<string>();
  private runningActivities = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private completions: PendingCompletion[] = [];

  // Durable timers.
  private timerWake = new AbortController();
  private timerLoop: Promise<void> | undefined;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock;
    this.logger = options.logger;
    this.invoker = options.invoker;
    this.orchestrators = byName(options.orchestrators);
    this.activityFunctions = byName(options.activities);
    this.activityConcurrency = options.activityConcurrency;
  }

  /** Picks up where a previous run stopped: activities in flight run again, pending episodes run. */
  start(): void {
    for (const row of this.store.activities()) this.enqueueActivity(row);
    for (const instanceId of this.store.instancesWithWork()) this.markReady(instanceId);
    this.timerLoop = outsideHeldWork(() => this.runTimers());
  }

  /** Stops taking work; activities still running get `graceMs` to finish (unfinished ones run again later). */
  async stop(graceMs = 5_000): Promise<void> {
    this.stopped = true;
    this.wakeTimers();
    await this.timerLoop;
    await this.dispatching;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
  }

  /** The instance's row once `reached` holds for it; undefined if it does not within `timeoutMs` (real time). */
  whenInstance(
    instanceId: string,
    reached: (row: InstanceRow) => boolean,
    timeoutMs: number,
  ): Promise<InstanceRow | undefined> {
    return new Promise((resolve) => {
      const finish = (row: InstanceRow | undefined) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(row);
      };
      const check = (row: InstanceRow | undefined) => {
        if (row?.instanceId === instanceId && reached(row)) finish(row);
      };
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.listeners.add(check);
      check(this.getInstance(instanceId));
    });
  }

  // Operations of the Durable HTTP API

  startNew(
    name: string,
    options: { instanceId?: string; input?: string; version?: string } = {},
  ): InstanceRow {
    const registration = this.orchestrators.get(name.toLowerCase());
    if (!registration) {
      throw new DurableOperationError(404, `No orchestrator function named "${name}" is registered.`);
    }
    const instanceId = options.instanceId ?? randomUUID().replaceAll("-", "");
    if (instanceId === "" || /[/\\#?]/.test(instanceId)) {
      throw new DurableOperationError(
        400,
        `Instance id "${instanceId}" must be non-empty without / \\ # or ?.`,
      );
    }
    const existing = this.store.getInstance(instanceId);
    if (existing && !isTerminal(existing.status)) {
      throw new DurableOperationError(
        409,
        `An instance with id "${instanceId}" already exists and is ${existing.status}; it was not started again.`,
      );
    }
    const row = newInstance({
      instanceId,
      name: registration.name,
      input: options.input ?? null,
      time: this.clock.now(),
      version: options.version ?? null,
    });
    this.store.transaction(() => {
      if (existing) this.store.deleteInstance(instanceId);
      this.store.putInstance(row);
    });
    this.cache.delete(instanceId);
    this.logger.info(`Orchestration "${row.name}" scheduled.`, { instanceId, function: row.name });
    this.changed(row);
    this.markReady(instanceId);
    return row;
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.store.getInstance(instanceId);
  }

  history(instanceId: string): HistoryEvent[] {
    return this.store.loadHistory(instanceId);
  }

  list(
    filter: InstanceFilter,
    limit: number,
    after?: { createdAt: number; instanceId: string },
  ): InstanceRow[] {
    return this.store.listInstances(filter, limit, after);
  }

  /** Queues an external event; false when the instance has ended. */
  raiseEvent(instanceId: string, name: string, input: string | undefined): boolean {
    const row = this.requireInstance(instanceId);
    if (isTerminal(row.status)) return false;
    const event = historyEvent(EventType.EventRaised, this.clock.now(), {
      Name: name,
      ...(input === undefined ? {} : { Input: input }),
    });
    this.store.transaction(() => this.store.send(instanceId, null, { kind: "event", event }));
    this.markReady(instanceId);
    return true;
  }

  /** Queues terminate, suspend or resume; false when the instance has ended. */
  control(instanceId: string, kind: "terminate" | "suspend" | "resume", reason: string): boolean {
    const row = this.requireInstance(instanceId);
    if (isTerminal(row.status)) return false;
    this.store.transaction(() => this.store.send(instanceId, null, { kind, reason }));
    this.markReady(instanceId);
    return true;
  }

  /** Deletes ended instances; running ones are left alone. Returns how many were deleted. */
  purge(instanceIds: readonly string[]): number {
    let deleted = 0;
    this.store.transaction(() => {
      for (const instanceId of instanceIds) {
        const row = this.store.getInstance(instanceId);
        if (row && isTerminal(row.status) && this.store.deleteInstance(instanceId)) deleted++;
      }
    });
    for (const instanceId of instanceIds) this.cache.delete(instanceId);
    return deleted;
  }

  private requireInstance(instanceId: string): InstanceRow {
    const row = this.store.getInstance(instanceId);
    if (!row) throw new DurableOperationError(404, `No instance with id "${instanceId}" exists.`);
    return row;
  }

  private changed(row: InstanceRow): void {
    for (const listener of this.listeners) listener(row);
  }

  // Dispatcher

  private markReady(instanceId: string): void {
    if (this.stopped || this.readySet.has(instanceId)) return;
    this.readySet.add(instanceId);
    this.ready.push(instanceId);
    this.ensureDispatching();
  }

  /** Holds the clock while episodes are waiting to run. */
  private ensureDispatching(): void {
    if (this.dispatching || this.ready.length === 0 || this.stopped) return;
    const release = this.clock.hold();
    this.dispatching = outsideHeldWork(() => this.dispatch()).finally(() => {
      this.dispatching = undefined;
      release();
      this.ensureDispatching();
    });
  }

  private async dispatch(): Promise<void> {
    while (this.ready.length > 0 && !this.stopped) {
      // Let completions that are on their way land first, so they share one episode.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const instanceId = this.ready.shift() as string;
      this.readySet.delete(instanceId);
      try {
        await this.runEpisode(instanceId);
      } catch (error) {
        this.cache.delete(instanceId);
        this.logger.error(`Episode of ${instanceId} failed in the host: ${(error as Error).message}`, {
          instanceId,
          stack: (error as Error).stack,
        });
        continue;
      }
      if (this.store.hasInbox(instanceId) && this.store.getInstance(instanceId)?.status !== "Suspended") {
        this.markReady(instanceId);
      }
    }
  }

  private load(instanceId: string): LiveInstance | undefined {
    const cached = this.cache.get(instanceId);
    if (cached) return cached;
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    const history = this.store.loadHistory(instanceId).map((event) => ({ ...event, IsPlayed: true }));
    const completed = new Set<number>();
    for (const event of history) {
      const taskId = completedTaskId(event);
      if (taskId !== undefined) completed.add(taskId);
    }
    const live: LiveInstance = {
      row,
      history,
      recorded: this.store.loadActions(instanceId),
      tasks: this.store.loadTasks(instanceId),
      completed,
    };
    if (!isTerminal(row.status)) this.cache.set(instanceId, live);
    return live;
  }

  private async runEpisode(instanceId: string): Promise<void> {
    const current = this.cache.get(instanceId)?.row ?? this.store.getInstance(instanceId);
    // Messages for an instance that is gone or has ended are dropped without loading its history.
    const live = current && !isTerminal(current.status) ? this.load(instanceId) : undefined;
    if (!live) {
      this.store.transaction(() => this.store.clearInbox(instanceId));
      return;
    }
    const inbox = this.store.inbox(instanceId);
    const terminate = inbox.find((row) => row.message.kind === "terminate");
    if (terminate && !isTerminal(live.row.status) && terminate.message.kind === "terminate") {
      this.terminate(live, terminate.message.reason);
      return;
    }
    const { batch, dropped } = this.takeBatch(live, inbox);
    const firstRun =
      live.history.length === 0 && (live.row.status === "Pending" || live.row.status === "Running");
    if (batch.length === 0 && !firstRun) {
      if (dropped.length > 0) this.store.transaction(() => this.store.deleteInbox(dropped));
      return;
    }
    const lastStart = live.history.findLast((e) => e.EventType === EventType.OrchestratorStarted);
    const time = Math.max(this.clock.now(), lastStart ? new Date(lastStart.Timestamp).getTime() : 0);
    const plan = newPlan(live, time);
    plan.fresh.push(historyEvent(EventType.OrchestratorStarted, time));
    if (live.history.length === 0) {
      plan.fresh.push(this.executionStarted(live.row, time));
      plan.fresh.push(...(JSON.parse(live.row.carriedEvents ?? "[]") as HistoryEvent[]));
    }
    for (const row of batch) {
      if (row.message.kind === "event") plan.fresh.push({ ...row.message.event, IsPlayed: false });
    }
    const single =
      batch.length === 1 && batch[0]?.message.kind === "event" ? batch[0].message.event : undefined;
    if (single && takesHiddenIds(live, single)) followHiddenNumbering(live, plan, single);
    const episode = live.history.filter((e) => e.EventType === EventType.OrchestratorStarted).length + 1;
    const outcome = await this.replay(live, plan, episode);
    this.commitEpisode(live, plan, outcome, [...batch.map((row) => row.seq), ...dropped], episode);
  }

  /** Applies suspend/resume, drops what no longer applies, and picks the events for one episode. */
  private takeBatch(
    live: LiveInstance,
    inbox: readonly InboxRow[],
  ): { batch: InboxRow[]; dropped: number[] } {
    const batch: InboxRow[] = [];
    const dropped: number[] = [];
    const completing = new Set<number>();
    // Events held back by a suspension wait for the next round, so nothing overtakes them.
    let heldBack = false;
    for (const row of inbox) {
      const message = row.message;
      if (message.kind !== "event") {
        if (batch.length > 0) break;
        this.suspendOrResume(live, message.kind, message.reason);
        dropped.push(row.seq);
        continue;
      }
      if (
        isTerminal(live.row.status) ||
        (row.executionId !== null && row.executionId !== live.row.executionId)
      ) {
        dropped.push(row.seq);
        continue;
      }
      if (live.row.status === "Suspended" || heldBack) {
        heldBack = true;
        continue;
      }
      const taskId = completedTaskId(message.event);
      if (
        taskId !== undefined &&
        (live.completed.has(taskId) || completing.has(taskId) || !live.tasks.has(taskId))
      ) {
        dropped.push(row.seq);
        continue;
      }
      if (takesHiddenIds(live, message.event)) {
        if (batch.length === 0) batch.push(row);
        break;
      }
      if (taskId !== undefined) completing.add(taskId);
      batch.push(row);
    }
    return { batch, dropped };
  }

  private suspendOrResume(
    live: LiveInstance,
    kind: "terminate" | "suspend" | "resume",
    reason: string,
  ): void {
    const from = live.row.status;
    const to: RuntimeStatus | undefined =
      kind === "suspend" && (from === "Running" || from === "Pending")
        ? "Suspended"
        : kind === "resume" && from === "Suspended"
          ? live.history.length === 0
            ? "Pending"
            : "Running"
          : undefined;
    if (!to) return;
    live.row = { ...live.row, status: to, updatedAt: this.clock.now() };
    const row = live.row;
    this.store.transaction(() => this.store.putInstance(row));
    this.logger.info(`Orchestration ${kind === "suspend" ? "suspended" : "resumed"}: ${reason}`, {
      instanceId: row.instanceId,
      function: row.name,
    });
    this.changed(row);
  }

  private executionStarted(row: InstanceRow, time: number): HistoryEvent {
    return historyEvent(EventType.ExecutionStarted, time, {
      Name: row.name,
      ...(row.input === null ? {} : { Input: row.input }),
      Version: row.version ?? "",
      OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
      ...(row.parentInstanceId
        ? {
            ParentInstance: {
              Name: "",
              OrchestrationInstance: {
                InstanceId: row.parentInstanceId,
                ExecutionId: row.parentExecutionId ?? "",
              },
            },
          }
        : {}),
    });
  }

  /** Runs the orchestrator over the whole history and reads its answer. */
  private async replay(live: LiveInstance, plan: EpisodePlan, episode: number): Promise<EpisodeOutcome> {
    const registration = this.orchestrators.get(live.row.name.toLowerCase());
    if (!registration) {
      return interpretEpisode(live, plan, {
        failed: true,
        message: `No orchestrator function named "${live.row.name}" is registered.`,
      });
    }
    const binding = {
      history: [...live.history, ...plan.fresh],
      input: parseJson(live.row.input),
      instanceId: live.row.instanceId,
      parentInstanceId: live.row.parentInstanceId ?? undefined,
      isReplaying: live.history.length > 0,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      maximumShortTimerDuration: timeSpan(MAXIMUM_SHORT_TIMER_MS),
      longRunningTimerIntervalDuration: timeSpan(LONG_TIMER_INTERVAL_MS),
      defaultHttpAsyncRequestSleepTimeMillseconds: 30_000,
    };
    try {
      const { result } = await this.invoker.invoke(registration, {
        trigger: { direct: binding },
        fields: { instanceId: live.row.instanceId, episode },
      });
      return interpretEpisode(live, plan, { state: result as OrchestratorStateLike, failed: false });
    } catch (error) {
      const { message, state } = parseOrchestratorFailure(error);
      return interpretEpisode(
        live,
        plan,
        state ? { state, failed: true, message } : { failed: true, message },
      );
    }
  }

  private commitEpisode(
    live: LiveInstance,
    plan: EpisodePlan,
    outcome: EpisodeOutcome,
    consumed: readonly number[],
    episode: number,
  ): void {
    if (outcome.kind === "continued-as-new") {
      this.commitContinueAsNew(live.row, plan.time, outcome, consumed, episode);
      return;
    }
    const events = episodeEvents(plan, outcome);
    const row = rowAfterEpisode(live.row, outcome, plan);
    const ready = this.persistEpisode(live, plan, outcome, row, events, consumed);
    // The store has it; now the cache follows.
    advanceLive(live, row, events, plan);
    this.afterEpisode(row, plan, outcome, episode, ready);
  }

  /** One transaction: the inbox consumed, the history, and the execution's end or its new work. */
  private persistEpisode(
    live: LiveInstance,
    plan: EpisodePlan,
    outcome: ExecutionOutcome,
    row: InstanceRow,
    events: readonly HistoryEvent[],
    consumed: readonly number[],
  ): Set<string> {
    const instanceId = row.instanceId;
    const time = plan.time;
    const ready = new Set<string>();
    this.store.transaction(() => {
      this.store.deleteInbox(consumed);
      this.store.appendHistory(instanceId, events);
      if (endsExecution(outcome)) {
        this.store.endExecution(instanceId);
        this.notifyParent(row, outcome, time, ready);
      } else {
        this.store.appendActions(instanceId, live.recorded.length, plan.recorded);
        for (const [taskId, record] of plan.tasks) this.store.putTask(instanceId, taskId, record);
        for (const activity of plan.activities) this.store.addActivity(activity);
        for (const timer of plan.timers) this.store.addTimer(timer);
        for (const timerId of plan.cancelledTimers) this.store.deleteTimer(instanceId, timerId);
        for (const child of plan.children) this.startChild(row, child, time, ready);
      }
      this.store.putInstance(row);
    });
    return ready;
  }

  /** After the commit: logs, queues the new activities, wakes the timer loop and the instances now ready. */
  private afterEpisode(
    row: InstanceRow,
    plan: EpisodePlan,
    outcome: ExecutionOutcome,
    episode: number,
    ready: ReadonlySet<string>,
  ): void {
    const instanceId = row.instanceId;
    const ended = endsExecution(outcome);
    this.logger.debug(
      `Episode ${episode}: ${plan.fresh.length} new event(s), ${plan.recorded.length} new action(s).`,
      {
        instanceId,
        function: row.name,
        episode,
      },
    );
    if (ended) {
      this.cache.delete(instanceId);
      const message =
        outcome.kind === "failed"
          ? `Orchestration "${row.name}" failed: ${outcome.message}`
          : `Orchestration "${row.name}" completed.`;
      this.logger.log(outcome.kind === "failed" ? "warn" : "info", message, {
        instanceId,
        function: row.name,
        episode,
      });
    } else {
      for (const activity of plan.activities) this.enqueueActivity(activity);
    }
    // The timer loop may be sleeping towards a timer that is now gone (on virtual time, that sleep would
    // pull time forward for nothing), or a new one may be due sooner.
    if (ended || plan.timers.length > 0 || plan.cancelledTimers.length > 0) this.wakeTimers();
    this.changed(row);
    for (const id of ready) this.markReady(id);
  }

  /** Starts the next execution afresh: its history, actions and tasks go; carried events wait for it. */
  private commitContinueAsNew(
    before: InstanceRow,
    time: number,
    outcome: ContinuedAsNew,
    consumed: readonly number[],
    episode: number,
  ): void {
    const instanceId = before.instanceId;
    const row = rowContinuedAsNew(before, outcome, time, randomUUID());
    this.store.transaction(() => {
      this.store.deleteInbox(consumed);
      this.store.resetExecution(instanceId);
      this.store.putInstance(row);
    });
    this.cache.set(instanceId, { row, history: [], recorded: [], tasks: new Map(), completed: new Set() });
    this.wakeTimers();
    this.logger.info(`Orchestration "${row.name}" continued as new.`, {
      instanceId,
      function: row.name,
      episode,
    });
    this.changed(row);
    this.markReady(instanceId);
  }

  private terminate(live: LiveInstance, reason: string): void {
    const time = this.clock.now();
    const row: InstanceRow = {
      ...live.row,
      status: "Terminated",
      output: JSON.stringify(reason),
      updatedAt: time,
    };
    const ready = new Set<string>();
    this.store.transaction(() => {
      this.store.clearInbox(row.instanceId);
      this.store.endExecution(row.instanceId);
      this.store.appendHistory(row.instanceId, [
        historyEvent(EventType.ExecutionTerminated, time, { Input: JSON.stringify(reason) }),
      ]);
      this.store.putInstance(row);
      const message = `Orchestration "${row.name}" (instance ${row.instanceId}) was terminated: ${reason}`;
      this.notifyParent(
        row,
        {
          kind: "failed",
          message,
          details: { ErrorType: "Terminated", ErrorMessage: message },
          customStatus: undefined,
        },
        time,
        ready,
      );
    });
    this.cache.delete(row.instanceId);
    this.wakeTimers();
    this.logger.info(`Orchestration "${row.name}" terminated: ${reason}`, {
      instanceId: row.instanceId,
      function: row.name,
    });
    this.changed(row);
    for (const id of ready) this.markReady(id);
  }

  /** Inside a transaction: tells a sub-orchestration's parent how it ended. */
  private notifyParent(row: InstanceRow, outcome: EpisodeOutcome, time: number, ready: Set<string>): void {
    if (row.parentInstanceId === null || row.parentTaskId === null) return;
    const event =
      outcome.kind === "failed"
        ? historyEvent(EventType.SubOrchestrationInstanceFailed, time, {
            TaskScheduledId: row.parentTaskId,
            Reason: outcome.message,
            Details: outcome.details.StackTrace ?? "",
            FailureDetails: outcome.details,
          })
        : historyEvent(EventType.SubOrchestrationInstanceCompleted, time, {
            TaskScheduledId: row.parentTaskId,
            Result: row.output ?? "null",
          });
    this.store.send(row.parentInstanceId, row.parentExecutionId, { kind: "event", event });
    ready.add(row.parentInstanceId);
  }

  /** Inside the parent's transaction: creates a sub-orchestration, or tells the parent why it cannot. */
  private startChild(parent: InstanceRow, child: ChildStart, time: number, ready: Set<string>): void {
    const refuse = (message: string) => {
      const details: FailureDetails = { ErrorType: "SubOrchestrationStartError", ErrorMessage: message };
      this.store.send(parent.instanceId, parent.executionId, {
        kind: "event",
        event: historyEvent(EventType.SubOrchestrationInstanceFailed, time, {
          TaskScheduledId: child.parentTaskId,
          Reason: message,
          Details: "",
          FailureDetails: details,
        }),
      });
      ready.add(parent.instanceId);
    };
    const registration = this.orchestrators.get(child.name.toLowerCase());
    if (!registration) {
      refuse(`No orchestrator function named "${child.name}" is registered.`);
      return;
    }
    const existing = this.store.getInstance(child.instanceId);
    if (existing && !isTerminal(existing.status)) {
      refuse(`An instance with id "${child.instanceId}" already exists and is ${existing.status}.`);
      return;
    }
    if (existing) this.store.deleteInstance(child.instanceId);
    this.cache.delete(child.instanceId);
    this.store.putInstance(
      newInstance({
        instanceId: child.instanceId,
        name: registration.name,
        input: child.input,
        time,
        version: null,
        parent: { row: parent, taskId: child.parentTaskId },
      }),
    );
    ready.add(child.instanceId);
  }

  // Activities

  private enqueueActivity(row: ActivityRow): void {
    const key = activityKey(row);
    if (this.stopped || this.activityKeys.has(key)) return;
    this.activityKeys.add(key);
    this.activityQueue.push(row);
    this.pumpActivities();
  }

  private pumpActivities(): void {
    while (
      !this.stopped &&
      this.runningActivities < this.activityConcurrency &&
      this.activityQueue.length > 0
    ) {
      const row = this.activityQueue.shift() as ActivityRow;
      this.runningActivities++;
      const run = outsideHeldWork(() => runHeld(this.clock, () => this.runActivity(row))).finally(() => {
        this.runningActivities--;
        this.activityKeys.delete(activityKey(row));
        this.inFlight.delete(run);
        this.pumpActivities();
      });
      this.inFlight.add(run);
    }
  }

  private async runActivity(row: ActivityRow): Promise<void> {
    // The instance may have ended (or been terminated) while this waited for a worker.
    if (!this.store.hasActivity(row)) return;
    const registration = this.activityFunctions.get(row.name.toLowerCase());
    const time = () => this.clock.now();
    let event: HistoryEvent;
    try {
      if (!registration) throw new Error(`No activity function named "${row.name}" is registered.`);
      const { result } = await this.invoker.invoke(registration, {
        trigger: row.input === null ? { direct: undefined } : { rpc: { json: row.input } },
        fields: { instanceId: row.instanceId, taskId: row.taskId },
      });
      event = historyEvent(EventType.TaskCompleted, time(), {
        TaskScheduledId: row.taskId,
        Result: JSON.stringify(result ?? null),
      });
    } catch (error) {
      const details = failureDetailsOf(error);
      this.logger.warn(`Activity "${row.name}" failed: ${details.ErrorMessage}`, {
        instanceId: row.instanceId,
        function: row.name,
        taskId: row.taskId,
      });
      event = historyEvent(EventType.TaskFailed, time(), {
        TaskScheduledId: row.taskId,
        Reason: `Activity function '${row.name}' failed: ${details.ErrorMessage}`,
        Details: details.StackTrace ?? "",
        FailureDetails: details,
      });
    }
    this.completions.push({ row, event, release: this.clock.hold() });
    if (this.completions.length === 1) setImmediate(() => this.flushCompletions());
  }

  /** Records finished activities in one transaction; a result whose work item is gone is dropped. */
  private flushCompletions(): void {
    const completions = this.completions;
    this.completions = [];
    const ready = new Set<string>();
    try {
      if (this.stopped) return;
      this.store.transaction(() => {
        for (const { row, event } of completions) {
          if (!this.store.finishActivity(row)) continue;
          this.store.send(row.instanceId, row.executionId, { kind: "event", event });
          ready.add(row.instanceId);
        }
      });
    } finally {
      for (const completion of completions) completion.release();
    }
    for (const instanceId of ready) this.markReady(instanceId);
  }

  // Durable timers

  /** Makes the timer loop look at the timers table again. */
  private wakeTimers(): void {
    this.timerWake.abort();
  }

  private async runTimers(): Promise<void> {
    while (!this.stopped) {
      this.timerWake = new AbortController();
      const wake = this.timerWake.signal;
      const due = this.store.nextTimerDue();
      try {
        if (due === undefined) {
          await new Promise((_, reject) => wake.addEventListener("abort", reject, { once: true }));
        } else if (due > this.clock.now()) {
          await this.clock.sleep(due - this.clock.now(), wake);
        }
      } catch {
        continue;
      }
      if (!this.stopped) this.fireDueTimers();
    }
  }

  private fireDueTimers(): void {
    const now = this.clock.now();
    const due = this.store.dueTimers(now);
    if (due.length === 0) return;
    this.store.transaction(() => {
      for (const timer of due) {
        this.store.deleteTimer(timer.instanceId, timer.timerId);
        this.store.send(timer.instanceId, timer.executionId, {
          kind: "event",
          event: historyEvent(EventType.TimerFired, now, {
            TimerId: timer.timerId,
            FireAt: new Date(timer.fireAt).toISOString(),
          }),
        });
      }
    });
    for (const timer of due) this.markReady(timer.instanceId);
  }
}
