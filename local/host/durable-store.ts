// Durable state in one SQLite file (node:sqlite): instances, histories, recorded actions, task bookkeeping,
// pending messages, activity work items and timers. Every change of an episode is committed in one transaction.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { SQLInputValue, StatementSync } from "node:sqlite";
import { type Database, openDatabase, statementCache, transaction } from "../sqlite.ts";
import type { HistoryEvent, RetryOptionsLike } from "./durable-history.ts";

export type RuntimeStatus = "Pending" | "Running" | "Completed" | "Failed" | "Terminated" | "Suspended";

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = ["Completed", "Failed", "Terminated"];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface InstanceRow {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  /** JSON text, or null for undefined. */
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  parentInstanceId: string | null;
  parentExecutionId: string | null;
  parentTaskId: number | null;
  nextTaskId: number;
  version: string | null;
  /** JSON FailureDetails of a failed instance (what its parent receives). */
  failure: string | null;
  /** JSON EventRaised[] carried into this execution by continueAsNew, delivered in its first episode. */
  carriedEvents: string | null;
}

/** What a task id stands for; the host keeps this to follow the library's hidden numbering. */
export type TaskRecord =
  | {
      kind: "activity" | "suborchestration";
      name: string;
      /** JSON text of the input, or null. */
      input: string | null;
      instanceId?: string;
      /** The orchestrator chose the sub-orchestration's instance id (retries reuse it). */
      explicitId?: boolean;
      /** Present on the first attempt of a call with retry: the retry state of the whole call. */
      retry?: { options: RetryOptionsLike; attempt: number };
      /** On later attempts: the id of the first attempt. */
      retryGroup?: number;
    }
  | { kind: "retry-timer"; retryGroup: number; fireAt: number }
  | { kind: "timer"; fireAt: number; finalFireAt?: number; longTimerGroup?: number };

export type InboxMessage =
  | { kind: "event"; event: HistoryEvent }
  | { kind: "terminate" | "suspend" | "resume"; reason: string };

export interface InboxRow {
  seq: number;
  instanceId: string;
  executionId: string | null;
  message: InboxMessage;
}

export interface ActivityRow {
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string | null;
}

export interface TimerRow {
  instanceId: string;
  executionId: string;
  timerId: number;
  fireAt: number;
}

export interface RecordedAction {
  descriptor: string;
  taskId: number | null;
}

export interface InstanceFilter {
  createdFrom?: number;
  createdTo?: number;
  statuses?: readonly RuntimeStatus[];
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, execution_id TEXT NOT NULL, status TEXT NOT NULL,
  input TEXT, output TEXT, custom_status TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  parent_instance_id TEXT, parent_execution_id TEXT, parent_task_id INTEGER,
  next_task_id INTEGER NOT NULL, version TEXT, failure TEXT, carried_events TEXT
);
CREATE INDEX IF NOT EXISTS instances_by_created ON instances (created_at, instance_id);
CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, instance_id TEXT NOT NULL, events TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS history_by_instance ON history (instance_id, id);
CREATE TABLE IF NOT EXISTS actions (
  instance_id TEXT NOT NULL, pos INTEGER NOT NULL, descriptor TEXT NOT NULL, task_id INTEGER,
  PRIMARY KEY (instance_id, pos)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks (
  instance_id TEXT NOT NULL, task_id INTEGER NOT NULL, record TEXT NOT NULL, PRIMARY KEY (instance_id, task_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT, message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inbox_by_instance ON inbox (instance_id, seq);
CREATE TABLE IF NOT EXISTS activities (
  instance_id TEXT NOT NULL, task_id INTEGER NOT NULL, execution_id TEXT NOT NULL, name TEXT NOT NULL, input TEXT,
  PRIMARY KEY (instance_id, task_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS timers (
  instance_id TEXT NOT NULL, timer_id INTEGER NOT NULL, execution_id TEXT NOT NULL, fire_at INTEGER NOT NULL,
  PRIMARY KEY (instance_id, timer_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS timers_by_due ON timers (fire_at);
CREATE TABLE IF NOT EXISTS schedule_status (
  function_name TEXT PRIMARY KEY, last INTEGER, next INTEGER NOT NULL, updated INTEGER NOT NULL
);
`;

type Row = Record<string, unknown>;

type StoredEvent = Omit<HistoryEvent, "EventId" | "IsPlayed"> & { EventId?: number };

function toInstance(row: Row): InstanceRow {
  return {
    instanceId: row.instance_id as string,
    name: row.name as string,
    executionId: row.execution_id as string,
    status: row.status as RuntimeStatus,
    input: row.input as string | null,
    output: row.output as string | null,
    customStatus: row.custom_status as string | null,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    parentInstanceId: row.parent_instance_id as string | null,
    parentExecutionId: row.parent_execution_id as string | null,
    parentTaskId: row.parent_task_id === null ? null : Number(row.parent_task_id),
    nextTaskId: Number(row.next_task_id),
    version: row.version as string | null,
    failure: row.failure as string | null,
    carriedEvents: row.carried_events as string | null,
  };
}

function instanceParams(row: InstanceRow): SQLInputValue[] {
  return [
    row.instanceId,
    row.name,
    row.executionId,
    row.status,
    row.input,
    row.output,
    row.customStatus,
    row.createdAt,
    row.updatedAt,
    row.parentInstanceId,
    row.parentExecutionId,
    row.parentTaskId,
    row.nextTaskId,
    row.version,
    row.failure,
    row.carriedEvents,
  ];
}

export class DurableStore {
  readonly path: string;
  private readonly db: Database;
  private readonly sql: (text: string) => StatementSync;

  /** Opens `<dataDir>/durable.sqlite`, or a private in-memory database without a directory. */
  constructor(dataDir: string | undefined) {
    if (dataDir) mkdirSync(dataDir, { recursive: true });
    this.path = dataDir ? join(dataDir, "durable.sqlite") : ":memory:";
    this.db = openDatabase(this.path);
    this.sql = statementCache(this.db);
    // FULL: what the host acknowledges (a start, an event, a settled message) survives a power cut too.
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;");
    const version = Number(this.db.prepare("PRAGMA user_version").get()?.user_version);
    const empty = this.db.prepare("SELECT 1 FROM sqlite_schema LIMIT 1").get() === undefined;
    if (!empty && version !== SCHEMA_VERSION) {
      this.db.close();
      throw new Error(
        `${this.path} was written by another version of the host (schema ${version}); move it away.`,
      );
    }
    this.db.exec(SCHEMA);
    this.db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
  }

  close(): void {
    this.db.close();
  }

  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  transaction<T>(work: () => T): T {
    return transaction(this.db, work);
  }

  // Instances

  getInstance(instanceId: string): InstanceRow | undefined {
    const row = this.sql("SELECT * FROM instances WHERE instance_id = ?").get(instanceId);
    return row ? toInstance(row) : undefined;
  }

  putInstance(row: InstanceRow): void {
    this.sql(`INSERT OR REPLACE INTO instances VALUES (${Array(16).fill("?").join(", ")})`).run(
      ...instanceParams(row),
    );
  }

  /** Instances by creation time, then id; `after` continues a previous page. */
  listInstances(
    filter: InstanceFilter,
    limit: number,
    after?: { createdAt: number; instanceId: string },
  ): InstanceRow[] {
    const where: string[] = [];
    const params: SQLInputValue[] = [];
    if (filter.createdFrom !== undefined) {
      where.push("created_at >= ?");
      params.push(filter.createdFrom);
    }
    if (filter.createdTo !== undefined) {
      where.push("created_at <= ?");
      params.push(filter.createdTo);
    }
    if (filter.statuses && filter.statuses.length > 0) {
      where.push(`status IN (${filter.statuses.map(() => "?").join(", ")})`);
      params.push(...filter.statuses);
    }
    if (after) {
      where.push("(created_at > ? OR (created_at = ? AND instance_id > ?))");
      params.push(after.createdAt, after.createdAt, after.instanceId);
    }
    const clause = where.length > 0 ? `WHERE ${where.join(" AND ")}` : "";
    return this.db
      .prepare(`SELECT * FROM instances ${clause} ORDER BY created_at, instance_id LIMIT ?`)
      .all(...params, limit)
      .map(toInstance);
  }

  /** Instances with something to do: messages waiting, or a new execution that has not run yet. */
  instancesWithWork(): string[] {
    return this.sql(
      `SELECT DISTINCT instance_id FROM inbox
       UNION SELECT instance_id FROM instances i WHERE status = 'Pending'
         AND NOT EXISTS (SELECT 1 FROM history h WHERE h.instance_id = i.instance_id)`,
    )
      .all()
      .map((row) => row.instance_id as string);
  }

  /** Deletes an instance and everything it owns. */
  deleteInstance(instanceId: string): boolean {
    this.resetExecution(instanceId);
    this.sql("DELETE FROM inbox WHERE instance_id = ?").run(instanceId);
    return Number(this.sql("DELETE FROM instances WHERE instance_id = ?").run(instanceId).changes) > 0;
  }

  /** Forgets the current execution's history, actions, tasks, work and timers (continueAsNew, restart). */
  resetExecution(instanceId: string): void {
    this.sql("DELETE FROM history WHERE instance_id = ?").run(instanceId);
    this.endExecution(instanceId);
  }

  /** Drops what only a running execution needs: bookkeeping, work items and timers. History stays. */
  endExecution(instanceId: string): void {
    for (const table of ["actions", "tasks", "activities", "timers"]) {
      this.sql(`DELETE FROM ${table} WHERE instance_id = ?`).run(instanceId);
    }
  }

  // History and bookkeeping of the current execution

  loadHistory(instanceId: string): HistoryEvent[] {
    return this.sql("SELECT events FROM history WHERE instance_id = ? ORDER BY id")
      .all(instanceId)
      .flatMap((row) => JSON.parse(row.events as string) as StoredEvent[])
      .map((stored) => ({ ...stored, EventId: stored.EventId ?? -1, IsPlayed: true }));
  }

  /**
   * Appends one episode's events as one row, without what every event has (IsPlayed, EventId -1):
   * a row per episode rather than per event keeps a history about half the size.
   */
  appendHistory(instanceId: string, events: readonly HistoryEvent[]): void {
    const stored = events.map(
      ({ IsPlayed: _played, EventId, ...rest }): StoredEvent =>
        EventId === -1 ? rest : { EventId, ...rest },
    );
    this.sql("INSERT INTO history (instance_id, events) VALUES (?, ?)").run(
      instanceId,
      JSON.stringify(stored),
    );
  }

  loadActions(instanceId: string): RecordedAction[] {
    return this.sql("SELECT descriptor, task_id FROM actions WHERE instance_id = ? ORDER BY pos")
      .all(instanceId)
      .map((row) => ({
        descriptor: row.descriptor as string,
        taskId: row.task_id === null ? null : Number(row.task_id),
      }));
  }

  appendActions(instanceId: string, firstPos: number, actions: readonly RecordedAction[]): void {
    const insert = this.sql("INSERT INTO actions VALUES (?, ?, ?, ?)");
    for (const [i, action] of actions.entries()) {
      insert.run(instanceId, firstPos + i, action.descriptor, action.taskId);
    }
  }

  loadTasks(instanceId: string): Map<number, TaskRecord> {
    const tasks = new Map<number, TaskRecord>();
    for (const row of this.sql("SELECT task_id, record FROM tasks WHERE instance_id = ?").all(instanceId)) {
      tasks.set(Number(row.task_id), JSON.parse(row.record as string) as TaskRecord);
    }
    return tasks;
  }

  putTask(instanceId: string, taskId: number, record: TaskRecord): void {
    this.sql("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)").run(instanceId, taskId, JSON.stringify(record));
  }

  // Messages

  inbox(instanceId: string): InboxRow[] {
    return this.sql("SELECT * FROM inbox WHERE instance_id = ? ORDER BY seq")
      .all(instanceId)
      .map((row) => ({
        seq: Number(row.seq),
        instanceId: row.instance_id as string,
        executionId: row.execution_id as string | null,
        message: JSON.parse(row.message as string) as InboxMessage,
      }));
  }

  hasInbox(instanceId: string): boolean {
    return this.sql("SELECT 1 FROM inbox WHERE instance_id = ? LIMIT 1").get(instanceId) !== undefined;
  }

  /** `executionId` ties a completion to the execution that asked for it; external messages have none. */
  send(instanceId: string, executionId: string | null, message: InboxMessage): void {
    this.sql("INSERT INTO inbox (instance_id, execution_id, message) VALUES (?, ?, ?)").run(
      instanceId,
      executionId,
      JSON.stringify(message),
    );
  }

  deleteInbox(seqs: readonly number[]): void {
    const remove = this.sql("DELETE FROM inbox WHERE seq = ?");
    for (const seq of seqs) remove.run(seq);
  }

  clearInbox(instanceId: string): void {
    this.sql("DELETE FROM inbox WHERE instance_id = ?").run(instanceId);
  }

  // Activity work items

  addActivity(row: ActivityRow): void {
    this.sql("INSERT OR REPLACE INTO activities VALUES (?, ?, ?, ?, ?)").run(
      row.instanceId,
      row.taskId,
      row.executionId,
      row.name,
      row.input,
    );
  }

  /** Removes a finished work item; false when it is gone already (instance ended or restarted). */
  finishActivity(row: ActivityRow): boolean {
    const result = this.sql(
      "DELETE FROM activities WHERE instance_id = ? AND task_id = ? AND execution_id = ?",
    ).run(row.instanceId, row.taskId, row.executionId);
    return Number(result.changes) > 0;
  }

  hasActivity(row: ActivityRow): boolean {
    return (
      this.sql("SELECT 1 FROM activities WHERE instance_id = ? AND task_id = ? AND execution_id = ?").get(
        row.instanceId,
        row.taskId,
        row.executionId,
      ) !== undefined
    );
  }

  activities(): ActivityRow[] {
    return this.sql("SELECT * FROM activities ORDER BY instance_id, task_id")
      .all()
      .map((row) => ({
        instanceId: row.instance_id as string,
        executionId: row.execution_id as string,
        taskId: Number(row.task_id),
        name: row.name as string,
        input: row.input as string | null,
      }));
  }

  // Durable timers

  addTimer(row: TimerRow): void {
    this.sql("INSERT OR REPLACE INTO timers VALUES (?, ?, ?, ?)").run(
      row.instanceId,
      row.timerId,
      row.executionId,
      row.fireAt,
    );
  }

  deleteTimer(instanceId: string, timerId: number): void {
    this.sql("DELETE FROM timers WHERE instance_id = ? AND timer_id = ?").run(instanceId, timerId);
  }

  nextTimerDue(): number | undefined {
    const row = this.sql("SELECT MIN(fire_at) AS due FROM timers").get();
    return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
  }

  dueTimers(now: number): TimerRow[] {
    return this.sql("SELECT * FROM timers WHERE fire_at <= ? ORDER BY fire_at, instance_id, timer_id")
      .all(now)
      .map((row) => ({
        instanceId: row.instance_id as string,
        executionId: row.execution_id as string,
        timerId: Number(row.timer_id),
        fireAt: Number(row.fire_at),
      }));
  }

  // Timer-trigger schedule status (what the real host keeps to detect missed occurrences)

  scheduleStatus(functionName: string): { last: number | null; next: number } | undefined {
    const row = this.sql("SELECT last, next FROM schedule_status WHERE function_name = ?").get(functionName);
    return row ? { last: row.last === null ? null : Number(row.last), next: Number(row.next) } : undefined;
  }

  putScheduleStatus(functionName: string, last: number | null, next: number, updated: number): void {
    this.sql("INSERT OR REPLACE INTO schedule_status VALUES (?, ?, ?, ?)").run(
      functionName,
      last,
      next,
      updated,
    );
  }
}
