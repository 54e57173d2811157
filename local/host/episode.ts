// One orchestration episode, planned: which inbox messages go in, which task ids the library will hand out,
// and what the orchestrator's cumulative actions ask for next. Mirrors durable-functions'
// TaskOrchestrationExecutor numbering (trackOpenTask, RetryableTask, LongTimerTask) exactly.
import {
  type Action,
  ActionType,
  decodeActionInput,
  describeAction,
  EventType,
  type FailureDetails,
  type HistoryEvent,
  historyEvent,
  leafActions,
  type RetryOptionsLike,
  retryDelay,
  unsupportedAction,
} from "./durable-history.ts";
import type { ActivityRow, InstanceRow, RecordedAction, TaskRecord, TimerRow } from "./durable-store.ts";

/** Timers longer than this become chains of shorter ones (the Azure Storage backend's limits). */
export const MAXIMUM_SHORT_TIMER_MS = 6 * 86_400_000;
export const LONG_TIMER_INTERVAL_MS = 3 * 86_400_000;

/** The current execution of an instance, as the engine keeps it between episodes. */
export interface LiveInstance {
  row: InstanceRow;
  history: HistoryEvent[];
  recorded: RecordedAction[];
  tasks: Map<number, TaskRecord>;
  /** Task ids that already have their completion in history. */
  completed: Set<number>;
}

export interface ChildStart {
  readonly instanceId: string;
  readonly name: string;
  readonly input: string | null;
  readonly parentTaskId: number;
}

/** Everything an episode adds; committed in one transaction. */
export interface EpisodePlan {
  readonly time: number;
  nextTaskId: number;
  /** Events the orchestrator sees for the first time (after OrchestratorStarted). */
  readonly fresh: HistoryEvent[];
  /** The host's own records (TaskScheduled, TimerCreated, ...), appended after the fresh events. */
  readonly records: HistoryEvent[];
  readonly recorded: RecordedAction[];
  readonly tasks: Map<number, TaskRecord>;
  readonly activities: ActivityRow[];
  readonly timers: TimerRow[];
  readonly cancelledTimers: number[];
  readonly children: ChildStart[];
}

export type ContinuedAsNew = { kind: "continued-as-new"; input: unknown; carried: HistoryEvent[] };

export type EpisodeOutcome =
  | { kind: "running"; customStatus: unknown }
  | { kind: "completed"; output: unknown; customStatus: unknown }
  | ContinuedAsNew
  | { kind: "failed"; message: string; details: FailureDetails; customStatus: unknown };

/** An outcome within the execution: it runs on, completes or fails. */
export type ExecutionOutcome = Exclude<EpisodeOutcome, ContinuedAsNew>;

/** The OrchestratorState the library returns (or serializes into a failure's message). */
export interface OrchestratorStateLike {
  readonly isDone: boolean;
  readonly actions: unknown;
  readonly output?: unknown;
  readonly error?: string;
  readonly customStatus?: unknown;
  readonly failureDetails?: FailureDetails;
}

export function newPlan(live: LiveInstance, time: number): EpisodePlan {
  return {
    time,
    nextTaskId: live.row.nextTaskId,
    fresh: [],
    records: [],
    recorded: [],
    tasks: new Map(),
    activities: [],
    timers: [],
    cancelledTimers: [],
    children: [],
  };
}

function recordOf(live: LiveInstance, plan: EpisodePlan, taskId: number): TaskRecord | undefined {
  return plan.tasks.get(taskId) ?? live.tasks.get(taskId);
}

/** The id of a call's first attempt, where its retry state lives. */
function retryGroupOf(record: TaskRecord | undefined, taskId: number): number | undefined {
  if (!record || record.kind === "timer") return undefined;
  if (record.kind === "retry-timer") return record.retryGroup;
  return record.retry ? taskId : record.retryGroup;
}

/**
 * Events whose processing makes the library take hidden task ids (a retried call's timer and re-run, the
 * next piece of a long timer). Each gets an episode of its own, so the hidden ids come before any new
 * action's ids, as they do inside the library.
 */
export function takesHiddenIds(live: LiveInstance, event: HistoryEvent): boolean {
  if (
    event.EventType === EventType.TaskFailed ||
    event.EventType === EventType.SubOrchestrationInstanceFailed
  ) {
    return (
      retryGroupOf(live.tasks.get(event.TaskScheduledId ?? -1), event.TaskScheduledId ?? -1) !== undefined
    );
  }
  if (event.EventType === EventType.TimerFired) {
    const record = live.tasks.get(event.TimerId ?? -1);
    return record?.kind === "retry-timer" || (record?.kind === "timer" && record.finalFireAt !== undefined);
  }
  return false;
}

/** The task id an event completes, if it completes one. */
export function completedTaskId(event: HistoryEvent): number | undefined {
  switch (event.EventType) {
    case EventType.TaskCompleted:
    case EventType.TaskFailed:
    case EventType.SubOrchestrationInstanceCompleted:
    case EventType.SubOrchestrationInstanceFailed:
      return event.TaskScheduledId;
    case EventType.TimerFired:
      return event.TimerId;
    default:
      return undefined;
  }
}

function addTimer(
  live: LiveInstance,
  plan: EpisodePlan,
  taskId: number,
  fireAt: number,
  record: TaskRecord,
): void {
  plan.tasks.set(taskId, record);
  plan.timers.push({
    instanceId: live.row.instanceId,
    executionId: live.row.executionId,
    timerId: taskId,
    fireAt,
  });
  plan.records.push(
    historyEvent(EventType.TimerCreated, plan.time, {
      EventId: taskId,
      FireAt: new Date(fireAt).toISOString(),
    }),
  );
}

function scheduleCall(live: LiveInstance, plan: EpisodePlan, taskId: number, record: TaskRecord): void {
  if (record.kind !== "activity" && record.kind !== "suborchestration") return;
  plan.tasks.set(taskId, record);
  if (record.kind === "activity") {
    plan.activities.push({
      instanceId: live.row.instanceId,
      executionId: live.row.executionId,
      taskId,
      name: record.name,
      input: record.input,
    });
    plan.records.push(
      historyEvent(EventType.TaskScheduled, plan.time, {
        EventId: taskId,
        Name: record.name,
        ...(record.input === null ? {} : { Input: record.input }),
      }),
    );
    return;
  }
  const instanceId = record.instanceId as string;
  plan.children.push({ instanceId, name: record.name, input: record.input, parentTaskId: taskId });
  plan.records.push(
    historyEvent(EventType.SubOrchestrationInstanceCreated, plan.time, {
      EventId: taskId,
      Name: record.name,
      InstanceId: instanceId,
      ...(record.input === null ? {} : { Input: record.input }),
    }),
  );
}

/** The next piece of a long timer: the whole remaining wait if short enough, else one interval. */
function nextTimerPiece(finalFireAt: number, now: number): number {
  return finalFireAt - now > MAXIMUM_SHORT_TIMER_MS ? now + LONG_TIMER_INTERVAL_MS : finalFireAt;
}

/** Takes the hidden ids the library takes while it processes `event` (see takesHiddenIds). */
export function followHiddenNumbering(live: LiveInstance, plan: EpisodePlan, event: HistoryEvent): void {
  const taskId = completedTaskId(event) ?? -1;
  const record = recordOf(live, plan, taskId);
  if (record?.kind === "timer" && record.finalFireAt !== undefined) {
    // LongTimerTask.trySetValue: another piece while the final time is still ahead.
    if (record.finalFireAt > plan.time) {
      const pieceId = plan.nextTaskId++;
      addTimer(live, plan, pieceId, nextTimerPiece(record.finalFireAt, plan.time), {
        kind: "timer",
        fireAt: nextTimerPiece(record.finalFireAt, plan.time),
        finalFireAt: record.finalFireAt,
        longTimerGroup: record.longTimerGroup ?? taskId,
      });
    }
    return;
  }
  const groupId = retryGroupOf(record, taskId);
  if (groupId === undefined) return;
  const group = recordOf(live, plan, groupId);
  if (!group || group.kind === "timer" || group.kind === "retry-timer" || !group.retry) return;
  if (record?.kind === "retry-timer") {
    // RetryableTask after its timer: re-run unless the attempts are used up (then the call fails).
    if (group.retry.attempt > group.retry.options.maxNumberOfAttempts) return;
    const runId = plan.nextTaskId++;
    const rerun: TaskRecord = {
      kind: group.kind,
      name: group.name,
      input: group.input,
      retryGroup: groupId,
      ...(group.kind === "suborchestration" ? { instanceId: retryInstanceId(live, group, runId) } : {}),
    };
    scheduleCall(live, plan, runId, rerun);
    return;
  }
  // RetryableTask after a failed attempt: count it and wait on a retry timer.
  const failedAttempt = group.retry.attempt;
  plan.tasks.set(groupId, { ...group, retry: { ...group.retry, attempt: failedAttempt + 1 } });
  const timerId = plan.nextTaskId++;
  const fireAt = plan.time + retryDelay(group.retry.options, failedAttempt);
  addTimer(live, plan, timerId, fireAt, { kind: "retry-timer", retryGroup: groupId, fireAt });
}

/** A retried sub-orchestration keeps an id the orchestrator chose; a generated id is generated afresh. */
function retryInstanceId(
  live: LiveInstance,
  group: TaskRecord & { kind: "activity" | "suborchestration" },
  id: number,
) {
  return group.explicitId && group.instanceId ? group.instanceId : defaultChildId(live, id);
}

function defaultChildId(live: LiveInstance, taskId: number): string {
  return `${live.row.instanceId}:${taskId.toString(16).padStart(4, "0")}`;
}

function retryOptionsOf(action: Action): { options: RetryOptionsLike; attempt: number } {
  const options = action.retryOptions as RetryOptionsLike;
  return {
    options: {
      firstRetryIntervalInMilliseconds: options.firstRetryIntervalInMilliseconds,
      maxNumberOfAttempts: options.maxNumberOfAttempts,
      ...(options.backoffCoefficient !== undefined ? { backoffCoefficient: options.backoffCoefficient } : {}),
      ...(options.maxRetryIntervalInMilliseconds !== undefined
        ? { maxRetryIntervalInMilliseconds: options.maxRetryIntervalInMilliseconds }
        : {}),
    },
    attempt: 1,
  };
}

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** Gives a new action its task id (if it takes one) and the work it asks for. */
function scheduleAction(live: LiveInstance, plan: EpisodePlan, action: Action): number | null {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const id = plan.nextTaskId++;
      const sub =
        action.actionType === ActionType.CallSubOrchestrator ||
        action.actionType === ActionType.CallSubOrchestratorWithRetry;
      const withRetry =
        action.actionType === ActionType.CallActivityWithRetry ||
        action.actionType === ActionType.CallSubOrchestratorWithRetry;
      scheduleCall(live, plan, id, {
        kind: sub ? "suborchestration" : "activity",
        name: action.functionName as string,
        input: jsonOrNull(decodeActionInput(action)),
        ...(sub ? { instanceId: action.instanceId || defaultChildId(live, id) } : {}),
        ...(sub && action.instanceId ? { explicitId: true } : {}),
        ...(withRetry ? { retry: retryOptionsOf(action) } : {}),
      });
      return id;
    }
    case ActionType.CreateTimer: {
      const id = plan.nextTaskId++;
      const finalFireAt = new Date(action.fireAt as Date | string).getTime();
      const long = finalFireAt - plan.time > MAXIMUM_SHORT_TIMER_MS;
      const fireAt = long ? nextTimerPiece(finalFireAt, plan.time) : finalFireAt;
      addTimer(
        live,
        plan,
        id,
        fireAt,
        long ? { kind: "timer", fireAt, finalFireAt } : { kind: "timer", fireAt },
      );
      return id;
    }
    default:
      return null;
  }
}

/** Timer ids (all pieces of a long timer) that a cancelled CreateTimer still has pending. */
function pendingTimersOf(live: LiveInstance, plan: EpisodePlan, timerTaskId: number): number[] {
  const ids: number[] = [];
  const consider = (id: number, record: TaskRecord) => {
    if (record.kind !== "timer" || live.completed.has(id)) return;
    if (id === timerTaskId || record.longTimerGroup === timerTaskId) ids.push(id);
  };
  for (const [id, record] of live.tasks) consider(id, record);
  for (const [id, record] of plan.tasks) if (!live.tasks.has(id)) consider(id, record);
  return ids;
}

export class NonDeterminismError extends Error {
  override readonly name = "NonDeterministicOrchestrationError";
}

/** Compares replayed actions with the recorded ones, position by position. */
function checkDeterminism(
  orchestrator: string,
  recorded: readonly RecordedAction[],
  replayed: readonly string[],
) {
  const common = Math.min(recorded.length, replayed.length);
  for (let i = 0; i < common; i++) {
    const then = (recorded[i] as RecordedAction).descriptor;
    const now = replayed[i] as string;
    if (then !== now) {
      return new NonDeterminismError(
        `Non-deterministic orchestrator "${orchestrator}": on replay, step ${i + 1} scheduled ${now}, but the ` +
          `history recorded ${then}. Orchestrator code must make the same calls in the same order on every replay.`,
      );
    }
  }
  if (replayed.length < recorded.length) {
    return new NonDeterminismError(
      `Non-deterministic orchestrator "${orchestrator}": on replay it stopped after ${replayed.length} step(s), ` +
        `but the history recorded step ${replayed.length + 1}, ${(recorded[replayed.length] as RecordedAction).descriptor}.`,
    );
  }
  return undefined;
}

/**
 * External events this execution received but never consumed: per name, the first as many events as there
 * were waits are consumed (early events are delivered in arrival order).
 */
function unconsumedEvents(history: readonly HistoryEvent[], leaves: readonly Action[]): HistoryEvent[] {
  const waits = new Map<string, number>();
  const seen = new Set<Action>();
  for (const leaf of leaves) {
    if (leaf.actionType !== ActionType.WaitForExternalEvent || seen.has(leaf)) continue;
    seen.add(leaf);
    const name = leaf.externalEventName as string;
    waits.set(name, (waits.get(name) ?? 0) + 1);
  }
  const carried: HistoryEvent[] = [];
  for (const event of history) {
    if (event.EventType !== EventType.EventRaised) continue;
    const name = event.Name as string;
    const remaining = waits.get(name) ?? 0;
    if (remaining > 0) waits.set(name, remaining - 1);
    else carried.push({ ...event, IsPlayed: false });
  }
  return carried;
}

function failureFrom(
  message: string,
  details: FailureDetails | undefined,
  errorType = "Error",
  customStatus: unknown = undefined,
): EpisodeOutcome {
  return {
    kind: "failed",
    message,
    details: details ?? { ErrorType: errorType, ErrorMessage: message },
    customStatus,
  };
}

const OUT_OF_PROC_LABEL = "\n\n$OutOfProcData$:";

/** Reads the state the library serializes into an orchestrator failure's message. */
export function parseOrchestratorFailure(error: unknown): { message: string; state?: OrchestratorStateLike } {
  const text = error instanceof Error ? error.message : String(error);
  const at = text.indexOf(OUT_OF_PROC_LABEL);
  if (at === -1) return { message: text };
  try {
    const state = JSON.parse(text.slice(at + OUT_OF_PROC_LABEL.length)) as OrchestratorStateLike;
    return { message: state.error ?? text.slice(0, at), state };
  } catch {
    return { message: text.slice(0, at) };
  }
}

/**
 * Reads the orchestrator's answer: checks determinism, schedules new work, and decides how the execution
 * goes on. `live` objects (on success) let re-yielded tasks be told apart from new ones.
 */
export function interpretEpisode(
  live: LiveInstance,
  plan: EpisodePlan,
  answer:
    | { state: OrchestratorStateLike; failed: false }
    | { state?: OrchestratorStateLike; failed: true; message: string },
): EpisodeOutcome {
  const orchestrator = live.row.name;
  const leaves = answer.state ? leafActions(answer.state.actions) : [];
  const descriptors = leaves.map(describeAction);
  const nondeterminism = answer.state
    ? checkDeterminism(orchestrator, live.recorded, descriptors)
    : undefined;
  if (nondeterminism) return failureFrom(nondeterminism.message, undefined, nondeterminism.name);
  for (const leaf of leaves.slice(live.recorded.length)) {
    const reason = unsupportedAction(leaf);
    if (reason) return failureFrom(reason, undefined, "NotSupportedError");
  }
  if (answer.failed) {
    return failureFrom(answer.message, answer.state?.failureDetails, "Error", answer.state?.customStatus);
  }
  const state = answer.state;
  const scheduled = new Set<Action>(leaves.slice(0, live.recorded.length));
  const taskIds = live.recorded.map((r) => r.taskId);
  for (const [i, leaf] of leaves.entries()) {
    if (i < live.recorded.length) continue;
    // A task yielded again inside a new Task.any/all is already scheduled: the library gives it no new id.
    const taskId = scheduled.has(leaf) ? null : scheduleAction(live, plan, leaf);
    scheduled.add(leaf);
    taskIds.push(taskId);
    plan.recorded.push({ descriptor: descriptors[i] as string, taskId });
  }
  for (const [i, leaf] of leaves.entries()) {
    const taskId = taskIds[i];
    if (
      leaf.actionType !== ActionType.CreateTimer ||
      !leaf.isCanceled ||
      taskId === null ||
      taskId === undefined
    ) {
      continue;
    }
    for (const timerId of pendingTimersOf(live, plan, taskId)) {
      const index = plan.timers.findIndex((t) => t.timerId === timerId);
      if (index >= 0) plan.timers.splice(index, 1);
      else plan.cancelledTimers.push(timerId);
    }
  }
  if (!state.isDone) return { kind: "running", customStatus: state.customStatus };
  const continueAsNew = leaves.findLast((leaf) => leaf.actionType === ActionType.ContinueAsNew);
  if (continueAsNew) {
    return {
      kind: "continued-as-new",
      input: decodeActionInput(continueAsNew),
      carried: unconsumedEvents([...live.history, ...plan.fresh], leaves),
    };
  }
  return { kind: "completed", output: state.output, customStatus: state.customStatus };
}

/** The instance's row for its next execution: a new execution id, the new input, the carried events. */
export function rowContinuedAsNew(
  before: InstanceRow,
  outcome: ContinuedAsNew,
  time: number,
  executionId: string,
): InstanceRow {
  return {
    ...before,
    executionId,
    status: "Running",
    input: outcome.input === undefined ? null : JSON.stringify(outcome.input),
    output: null,
    updatedAt: time,
    nextTaskId: 0,
    carriedEvents: outcome.carried.length > 0 ? JSON.stringify(outcome.carried) : null,
  };
}

export function endsExecution(outcome: EpisodeOutcome): boolean {
  return outcome.kind === "completed" || outcome.kind === "failed";
}

/** The events an episode appends: the new ones, the host's records (unless it ended), then the closing ones. */
export function episodeEvents(plan: EpisodePlan, outcome: ExecutionOutcome): HistoryEvent[] {
  return [
    ...plan.fresh,
    ...(endsExecution(outcome) ? [] : plan.records),
    ...closingEvents(outcome, plan.time),
  ];
}

function closingEvents(outcome: ExecutionOutcome, time: number): HistoryEvent[] {
  const closing: HistoryEvent[] = [];
  if (outcome.kind === "completed") {
    closing.push(
      historyEvent(EventType.ExecutionCompleted, time, {
        OrchestrationStatus: "Completed",
        Result: JSON.stringify(outcome.output ?? null),
      }),
    );
  } else if (outcome.kind === "failed") {
    closing.push(
      historyEvent(EventType.ExecutionFailed, time, {
        Reason: outcome.message,
        FailureDetails: outcome.details,
      }),
    );
  }
  closing.push(historyEvent(EventType.OrchestratorCompleted, time));
  return closing;
}

/** The instance's row once the episode is committed: status, custom status, output and the next task id. */
export function rowAfterEpisode(
  before: InstanceRow,
  outcome: ExecutionOutcome,
  plan: EpisodePlan,
): InstanceRow {
  const customStatus =
    outcome.customStatus === undefined ? before.customStatus : JSON.stringify(outcome.customStatus);
  const row: InstanceRow = {
    ...before,
    status: outcome.kind === "completed" ? "Completed" : outcome.kind === "failed" ? "Failed" : before.status,
    customStatus,
    updatedAt: plan.time,
    nextTaskId: plan.nextTaskId,
    carriedEvents: null,
    ...(outcome.kind === "completed" ? { output: JSON.stringify(outcome.output ?? null) } : {}),
    ...(outcome.kind === "failed"
      ? {
          output: JSON.stringify(`Orchestrator function '${before.name}' failed: ${outcome.message}`),
          failure: JSON.stringify(outcome.details),
        }
      : {}),
  };
  // The first episode has run: a Pending instance is Running from now on.
  if (row.status === "Pending") row.status = "Running";
  return row;
}

/** Brings the live copy up to what the store has committed for the episode. */
export function advanceLive(
  live: LiveInstance,
  row: InstanceRow,
  events: readonly HistoryEvent[],
  plan: EpisodePlan,
): void {
  for (const event of events) {
    const taskId = completedTaskId(event);
    if (taskId !== undefined) live.completed.add(taskId);
    event.IsPlayed = true;
  }
  live.row = row;
  live.history.push(...events);
  live.recorded.push(...plan.recorded);
  for (const [taskId, record] of plan.tasks) live.tasks.set(taskId, record);
}
