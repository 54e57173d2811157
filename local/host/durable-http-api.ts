// The Durable Functions HTTP API the unmodified DurableClient (df.getClient) and createCheckStatusResponse
// URLs talk to, under /runtime/webhooks/durabletask/ (see the protocol note, "The DurableClient's HTTP API").
import { awaitWithoutHold, type Clock } from "../clock.ts";
import { type DurableEngine, DurableOperationError } from "./durable-engine.ts";
import { EventType, eventTypeName, type HistoryEvent } from "./durable-history.ts";
import {
  type InstanceFilter,
  type InstanceRow,
  isTerminal,
  type RuntimeStatus,
  TERMINAL_STATUSES,
} from "./durable-store.ts";
import { type HostKeys, requireAccess } from "./host-keys.ts";
import {
  errorReply,
  HttpError,
  type HttpReply,
  type IncomingRequest,
  jsonReply,
  methodNotAllowed,
  type RequestHandler,
} from "./http-server.ts";

export const DURABLE_BASE_PATH = "/runtime/webhooks/durabletask";

// The client's OrchestrationRuntimeStatus names; ContinuedAsNew and Canceled are never stored, so match nothing.
const KNOWN_STATUSES = [
  "Pending",
  "Running",
  "Suspended",
  "ContinuedAsNew",
  "Canceled",
  ...TERMINAL_STATUSES,
];
const PAGE_SIZE = 100;
const INSTANCE_ID = "INSTANCEID";

/**
 * The binding data a durableClient input receives, pointing at this host. There is no rpcBaseUrl: the client
 * would build its URLs from it without any key (in Azure that endpoint is reachable only inside the app's
 * sandbox), so the unmodified client uses these URLs instead, which carry the system key as Azure's do.
 */
export interface DurableClientData {
  readonly taskHubName: string;
  readonly creationUrls: Record<string, string>;
  readonly managementUrls: Record<string, string>;
  readonly baseUrl: string;
  readonly requiredQueryStringParameters: string;
}

export function durableClientData(origin: string, taskHubName: string, systemKey: string): DurableClientData {
  const base = `${origin}${DURABLE_BASE_PATH}`;
  const code = `code=${encodeURIComponent(systemKey)}`;
  const hub = `taskHub=${taskHubName}&connection=Storage&${code}`;
  const instance = `${base}/instances/${INSTANCE_ID}`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?${code}`,
      waitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${code}`,
    },
    managementUrls: {
      id: INSTANCE_ID,
      statusQueryGetUri: `${instance}?${hub}`,
      sendEventPostUri: `${instance}/raiseEvent/{eventName}?${hub}`,
      terminatePostUri: `${instance}/terminate?reason={text}&${hub}`,
      rewindPostUri: `${instance}/rewind?reason={text}&${hub}`,
      purgeHistoryDeleteUri: `${instance}?${hub}`,
      restartPostUri: `${instance}/restart?${hub}`,
      suspendPostUri: `${instance}/suspend?reason={text}&${hub}`,
      resumePostUri: `${instance}/resume?reason={text}&${hub}`,
    },
    baseUrl: base,
    requiredQueryStringParameters: code,
  };
}

function managementPayload(client: DurableClientData, instanceId: string): Record<string, string> {
  const payload: Record<string, string> = { id: instanceId };
  for (const [key, template] of Object.entries(client.managementUrls)) {
    if (key !== "id") payload[key] = template.replace(INSTANCE_ID, encodeURIComponent(instanceId));
  }
  return payload;
}

function parseJsonOrNull(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}

const SCHEDULING: ReadonlySet<number> = new Set([
  EventType.TaskScheduled,
  EventType.SubOrchestrationInstanceCreated,
]);
const SCHEDULED_ENDINGS: ReadonlySet<number> = new Set([
  EventType.TaskCompleted,
  EventType.TaskFailed,
  EventType.SubOrchestrationInstanceCompleted,
  EventType.SubOrchestrationInstanceFailed,
]);
const EPISODE_MARKERS: ReadonlySet<number> = new Set([
  EventType.OrchestratorStarted,
  EventType.OrchestratorCompleted,
]);

/**
 * History as the Durable extension's HTTP API shows it with showHistory=true (the shape is inferred from the
 * documented responses, not from the extension's source): no OrchestratorStarted/Completed rows; a task or
 * sub-orchestration is one row, its completion or failure carrying the FunctionName and ScheduledTime of its
 * scheduling (which shows alone only while pending); ExecutionStarted names the FunctionName. Input, Result
 * and Details only with showHistoryOutput=true, Result as a JSON value rather than JSON-encoded text.
 */
function historyForApi(events: readonly HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  const scheduling = new Map(events.filter((e) => SCHEDULING.has(e.EventType)).map((e) => [e.EventId, e]));
  const ended = new Set(
    events.filter((e) => SCHEDULED_ENDINGS.has(e.EventType)).map((e) => e.TaskScheduledId),
  );
  return events.flatMap((event) => {
    if (EPISODE_MARKERS.has(event.EventType)) return [];
    if (SCHEDULING.has(event.EventType) && ended.has(event.EventId)) return [];
    const {
      EventType: type,
      EventId: _id,
      IsPlayed: _played,
      TaskScheduledId: scheduledId,
      Version: _version,
      OrchestrationInstance: _instance,
      ParentInstance: _parent,
      Name,
      Input,
      Result,
      Details,
      Timestamp,
      ...rest
    } = event;
    const scheduledBy = SCHEDULED_ENDINGS.has(type) ? scheduling.get(scheduledId ?? -1) : undefined;
    const functionName = type === EventType.ExecutionStarted ? Name : scheduledBy?.Name;
    return [
      {
        EventType: eventTypeName(type),
        ...(functionName !== undefined ? { FunctionName: functionName } : Name !== undefined ? { Name } : {}),
        ...(scheduledBy ? { ScheduledTime: scheduledBy.Timestamp } : {}),
        ...rest,
        ...(withOutput && Input !== undefined ? { Input } : {}),
        ...(withOutput && Result !== undefined ? { Result: JSON.parse(Result) } : {}),
        ...(withOutput && Details !== undefined ? { Details } : {}),
        Timestamp,
      },
    ];
  });
}

export function statusJson(
  row: InstanceRow,
  options: { showInput?: boolean; history?: readonly HistoryEvent[]; showHistoryOutput?: boolean } = {},
): Record<string, unknown> {
  const history = options.history
    ? historyForApi(options.history, options.showHistoryOutput ?? false)
    : undefined;
  return {
    name: row.name,
    instanceId: row.instanceId,
    runtimeStatus: row.status,
    input: options.showInput === false ? null : parseJsonOrNull(row.input),
    customStatus: parseJsonOrNull(row.customStatus),
    output: parseJsonOrNull(row.output),
    createdTime: new Date(row.createdAt).toISOString(),
    lastUpdatedTime: new Date(row.updatedAt).toISOString(),
    ...(history ? { historyEvents: history } : {}),
  };
}

function flag(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  return value === null ? undefined : value.toLowerCase() === "true";
}

function timeParam(url: URL, name: string): number | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === "") return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new HttpError(400, `${name} "${value}" is not a date and time.`);
  return time;
}

function filterOf(url: URL): InstanceFilter {
  const statuses = url.searchParams
    .get("runtimeStatus")
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const status of statuses ?? []) {
    if (!KNOWN_STATUSES.includes(status as RuntimeStatus)) {
      throw new HttpError(400, `runtimeStatus "${status}" is not one of ${KNOWN_STATUSES.join(", ")}.`);
    }
  }
  const createdFrom = timeParam(url, "createdTimeFrom");
  const createdTo = timeParam(url, "createdTimeTo");
  return {
    ...(createdFrom !== undefined ? { createdFrom } : {}),
    ...(createdTo !== undefined ? { createdTo } : {}),
    ...(statuses ? { statuses: statuses as RuntimeStatus[] } : {}),
  };
}

/** The request body as JSON text (undefined when empty); anything else is refused. */
async function jsonBody(request: IncomingRequest): Promise<string | undefined> {
  const text = (await request.body()).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
  return text;
}

/** An event's data must be sent as JSON, as the Durable extension requires (400 otherwise). */
async function eventBody(request: IncomingRequest): Promise<string | undefined> {
  const mediaType = (request.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new HttpError(
      400,
      `An event's data must be sent as application/json, not ${mediaType ? `"${mediaType}"` : "without a Content-Type"}.`,
    );
  }
  return jsonBody(request);
}

function continuationAfter(token: string | undefined): { createdAt: number; instanceId: string } | undefined {
  if (!token) return undefined;
  const refused = new HttpError(400, "The x-ms-continuation-token header is not one this host issued.");
  let after: unknown;
  try {
    after = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw refused;
  }
  const { createdAt, instanceId } = (after ?? {}) as Record<string, unknown>;
  if (!Number.isFinite(createdAt) || typeof instanceId !== "string") throw refused;
  return { createdAt: createdAt as number, instanceId };
}

/** As the Durable extension answers: 202 while running, 200 once ended (500 for a failure, when asked). */
function statusCodeOf(row: InstanceRow, url: URL): number {
  if (row.status === "Failed" && flag(url, "returnInternalServerErrorOnFailure") === true) return 500;
  return isTerminal(row.status) ? 200 : 202;
}

export function durableHttpApi(options: {
  engine: DurableEngine;
  client: () => DurableClientData;
  clock: Clock;
  /** Undefined when keys are not checked. */
  keys: HostKeys | undefined;
}): RequestHandler {
  const { engine, client, clock, keys } = options;
  const start = async (
    request: IncomingRequest,
    name: string,
    instanceId: string | undefined,
  ): Promise<HttpReply> => {
    const version = request.url.searchParams.get("version");
    const input = await jsonBody(request);
    const row = engine.startNew(name, {
      ...(instanceId !== undefined ? { instanceId } : {}),
      ...(input !== undefined ? { input } : {}),
      ...(version ? { version } : {}),
    });
    const payload = managementPayload(client(), row.instanceId);
    const timeout = Number(request.url.searchParams.get("timeout"));
    if (timeout > 0) {
      // Waiting is not work: on a virtual clock, time must move for the instance's timers to fire.
      const ended = await awaitWithoutHold(
        clock,
        engine.whenInstance(row.instanceId, (r) => isTerminal(r.status), timeout * 1000),
      );
      if (ended?.status === "Completed") return jsonReply(200, parseJsonOrNull(ended.output));
      if (ended) return jsonReply(200, statusJson(ended));
    }
    return jsonReply(202, payload, { location: payload.statusQueryGetUri as string, "retry-after": "10" });
  };

  const list = (request: IncomingRequest): HttpReply => {
    const filter = filterOf(request.url);
    const top = Number(request.url.searchParams.get("top") ?? PAGE_SIZE);
    const limit = Number.isInteger(top) && top > 0 ? top : PAGE_SIZE;
    const after = continuationAfter(request.headers["x-ms-continuation-token"]);
    const rows = engine.list(filter, limit, after);
    const showInput = flag(request.url, "showInput");
    const last = rows.at(-1);
    const headers: Record<string, string> =
      rows.length === limit && last
        ? {
            "x-ms-continuation-token": Buffer.from(
              JSON.stringify({ createdAt: last.createdAt, instanceId: last.instanceId }),
            ).toString("base64url"),
          }
        : {};
    return jsonReply(
      200,
      rows.map((row) => statusJson(row, showInput === false ? { showInput } : {})),
      headers,
    );
  };

  const purgeWhere = (request: IncomingRequest): HttpReply => {
    const filter = filterOf(request.url);
    const ids = engine
      .list(filter, Number.MAX_SAFE_INTEGER)
      .filter((row) => isTerminal(row.status))
      .map((row) => row.instanceId);
    const deleted = engine.purge(ids);
    return deleted > 0
      ? jsonReply(200, { instancesDeleted: deleted })
      : errorReply(404, "No ended instances match.");
  };

  const status = (request: IncomingRequest, instanceId: string): HttpReply => {
    const { url } = request;
    const row = engine.getInstance(instanceId);
    if (!row) return errorReply(404, `No instance with id "${instanceId}" exists.`);
    const showHistory = flag(url, "showHistory") === true;
    const options = {
      ...(showHistory ? { history: engine.history(instanceId) } : {}),
      showHistoryOutput: flag(url, "showHistoryOutput") === true,
      showInput: flag(url, "showInput") !== false,
    };
    const code = statusCodeOf(row, url);
    const headers: Record<string, string> =
      code === 202
        ? {
            location: managementPayload(client(), instanceId).statusQueryGetUri as string,
            "retry-after": "10",
          }
        : {};
    return jsonReply(code, statusJson(row, options), headers);
  };

  /** As the current Durable extension: 404 for no such instance, 412 while it has not ended. */
  const purgeOne = (instanceId: string): HttpReply => {
    const row = engine.getInstance(instanceId);
    if (!row) return errorReply(404, `No instance with id "${instanceId}" exists.`);
    if (!isTerminal(row.status)) {
      return errorReply(
        412,
        `Instance "${instanceId}" is ${row.status}: only an ended instance can be purged.`,
      );
    }
    return jsonReply(200, { instancesDeleted: engine.purge([instanceId]) });
  };

  const instance = async (
    request: IncomingRequest,
    instanceId: string,
    action: string[],
  ): Promise<HttpReply> => {
    const { method, url } = request;
    const path = url.pathname;
    const reason = url.searchParams.get("reason") ?? "";
    const accepted = (done: boolean) =>
      done ? { status: 202 } : errorReply(410, `Instance "${instanceId}" has already ended.`);
    const [verb, eventName, ...more] = action;
    if (verb === undefined) {
      if (method === "GET") return status(request, instanceId);
      if (method === "DELETE") return purgeOne(instanceId);
      throw methodNotAllowed(method, path, ["GET", "DELETE"]);
    }
    if (more.length > 0) return errorReply(404, `Nothing is served at ${path}.`);
    if (verb === "raiseEvent" && eventName) {
      if (method !== "POST") throw methodNotAllowed(method, path, ["POST"]);
      return accepted(engine.raiseEvent(instanceId, eventName, await eventBody(request)));
    }
    if (eventName !== undefined) return errorReply(404, `Nothing is served at ${path}.`);
    if (verb === "terminate" || verb === "suspend" || verb === "resume") {
      if (method !== "POST") throw methodNotAllowed(method, path, ["POST"]);
      return accepted(engine.control(instanceId, verb, reason));
    }
    if (verb === "rewind" || verb === "restart") {
      if (method !== "POST") throw methodNotAllowed(method, path, ["POST"]);
      return errorReply(501, `The ${verb} operation is not supported by the local host.`);
    }
    return errorReply(404, `Nothing is served at ${path}.`);
  };

  return async (request) => {
    const path = request.url.pathname;
    if (path !== DURABLE_BASE_PATH && !path.startsWith(`${DURABLE_BASE_PATH}/`)) return undefined;
    requireAccess(keys, "system", request);
    const segments = path
      .slice(DURABLE_BASE_PATH.length + 1)
      .split("/")
      .map((segment) => decodeURIComponent(segment));
    if (segments.at(-1) === "") segments.pop();
    const [collection, id, ...action] = segments;
    const { method } = request;
    try {
      if (collection === "orchestrators" && id && action.length <= 1) {
        if (method !== "POST") throw methodNotAllowed(method, path, ["POST"]);
        return await start(request, id, action[0]);
      }
      if (collection === "instances" && id === undefined) {
        if (method === "GET") return list(request);
        if (method === "DELETE") return purgeWhere(request);
        throw methodNotAllowed(method, path, ["GET", "DELETE"]);
      }
      if (collection === "instances" && id !== undefined) return await instance(request, id, action);
      if (collection === "entities") {
        return errorReply(501, "Durable entities are not supported by the local host.");
      }
      return errorReply(404, `Nothing is served at ${method} ${path}.`);
    } catch (error) {
      if (error instanceof DurableOperationError) return errorReply(error.status, error.message);
      throw error;
    }
  };
}
