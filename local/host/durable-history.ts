// The Durable Task vocabulary durable-functions speaks: history events in, actions out
// (durable-functions/lib/src/history and actions; https://github.com/Azure/azure-functions-durable-js).

export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

const EVENT_NAMES = new Map<number, string>(Object.entries(EventType).map(([name, value]) => [value, name]));

export function eventTypeName(type: number): string {
  return EVENT_NAMES.get(type) ?? `EventType${type}`;
}

export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

const ACTION_NAMES = new Map<number, string>(
  Object.entries(ActionType).map(([name, value]) => [value, name]),
);

export interface FailureDetails {
  readonly ErrorType: string;
  readonly ErrorMessage: string;
  readonly StackTrace?: string;
  readonly IsNonRetriable?: boolean;
  readonly Properties?: Record<string, unknown>;
}

/** A history event as the library reads it. Timestamp is an ISO string (the library turns it into a Date). */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string | Date;
  Name?: string;
  Input?: string;
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  Version?: string;
  OrchestrationInstance?: { InstanceId: string; ExecutionId: string };
  ParentInstance?: { Name: string; OrchestrationInstance: { InstanceId: string; ExecutionId: string } };
  OrchestrationStatus?: string;
}

export function historyEvent(type: number, time: number, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return {
    EventType: type,
    EventId: -1,
    IsPlayed: false,
    Timestamp: new Date(time).toISOString(),
    ...fields,
  };
}

/** The retry settings a CallActivityWithRetry / CallSubOrchestratorWithRetry action carries. */
export interface RetryOptionsLike {
  readonly firstRetryIntervalInMilliseconds: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient?: number;
  readonly maxRetryIntervalInMilliseconds?: number;
}

/** An action from the library's OrchestratorState (live object, or parsed from a failure's JSON). */
export interface Action {
  readonly actionType: number;
  readonly functionName?: string;
  readonly input?: unknown;
  readonly retryOptions?: RetryOptionsLike;
  readonly instanceId?: string;
  readonly version?: string;
  readonly fireAt?: Date | string;
  readonly isCanceled?: boolean;
  readonly externalEventName?: string;
  readonly compoundActions?: readonly Action[];
}

/** Depth-first leaves of the cumulative actions: the order in which the library numbers its tasks. */
export function leafActions(actions: unknown): Action[] {
  const leaves: Action[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const action = node as Action;
    if (action.actionType === ActionType.WhenAll || action.actionType === ActionType.WhenAny) {
      for (const child of action.compoundActions ?? []) visit(child);
      return;
    }
    leaves.push(action);
  };
  visit(actions);
  return leaves;
}

/** What determinism compares: the kind of call and what it targets (not timer times, not cancellation). */
export function describeAction(action: Action): string {
  const type = ACTION_NAMES.get(action.actionType) ?? `Action${action.actionType}`;
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return `${type}("${action.functionName}")`;
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return action.instanceId
        ? `${type}("${action.functionName}", instance "${action.instanceId}")`
        : `${type}("${action.functionName}")`;
    case ActionType.WaitForExternalEvent:
      return `${type}("${action.externalEventName}")`;
    default:
      return type;
  }
}

/** Actions the local host refuses, with the reason it gives. */
export function unsupportedAction(action: Action): string | undefined {
  switch (action.actionType) {
    case ActionType.CallEntity:
    case ActionType.SignalEntity:
    case ActionType.LockEntities:
    case ActionType.ReleaseEntities:
      return "Durable entities are not supported by the local host.";
    case ActionType.CallHttp:
      return "callHttp is not supported by the local host: call HTTP from an activity.";
    default:
      return undefined;
  }
}

/**
 * Activity and continue-as-new inputs arrive JSON-encoded only when they are strings (the library's
 * Utils.processInput); sub-orchestration inputs arrive raw.
 */
export function decodeActionInput(action: Action): unknown {
  const raw = action.input;
  if (
    action.actionType === ActionType.CallSubOrchestrator ||
    action.actionType === ActionType.CallSubOrchestratorWithRetry
  ) {
    return raw;
  }
  return typeof raw === "string" ? JSON.parse(raw) : raw;
}

/** DTFx's retry delay: first interval times the backoff coefficient per earlier retry, capped by the maximum. */
export function retryDelay(options: RetryOptionsLike, failedAttempt: number): number {
  const coefficient = options.backoffCoefficient ?? 1;
  const delay = options.firstRetryIntervalInMilliseconds * coefficient ** (failedAttempt - 1);
  const cap = options.maxRetryIntervalInMilliseconds;
  return cap !== undefined && cap > 0 ? Math.min(delay, cap) : delay;
}

/** How a thrown value is reported in TaskFailed / SubOrchestrationInstanceFailed. */
export function failureDetailsOf(error: unknown): FailureDetails {
  if (error instanceof Error) {
    // durable-functions puts serialized details in the message when the app registered a properties provider.
    const serialized = parseSerializedFailure(error.message);
    if (serialized) return serialized;
    const details: FailureDetails = { ErrorType: error.name, ErrorMessage: error.message };
    return error.stack ? { ...details, StackTrace: error.stack } : details;
  }
  return { ErrorType: "Error", ErrorMessage: typeof error === "string" ? error : JSON.stringify(error) };
}

function parseSerializedFailure(message: string): FailureDetails | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(message) as Record<string, unknown>;
    if (typeof parsed.errorType !== "string" || typeof parsed.errorMessage !== "string") return undefined;
    return {
      ErrorType: parsed.errorType,
      ErrorMessage: parsed.errorMessage,
      ...(typeof parsed.stackTrace === "string" ? { StackTrace: parsed.stackTrace } : {}),
      ...(parsed.isNonRetriable === true ? { IsNonRetriable: true } : {}),
      ...(parsed.properties && typeof parsed.properties === "object"
        ? { Properties: parsed.properties as Record<string, unknown> }
        : {}),
    };
  } catch {
    return undefined;
  }
}

/** A TimeSpan string as the Durable extension sends durations ("6.00:00:00"). */
export function timeSpan(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = new Date(ms % 86_400_000).toISOString().slice(11, 19);
  return `${days}.${rest}`;
}
