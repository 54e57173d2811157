// The Durable Functions HTTP API the unmodified DurableClient (df.getClient) and createCheckStatusResponse
// URLs talk to, under /runtime/webhooks/durabletask/ (see the protocol note, "The DurableClient's HTTP API").
import { awaitWithoutHold, type Clock } from "../clock.ts";
import { type DurableEngine, DurableOperationError } from "./durable-engine.ts";
import { eventTypeName, type HistoryEvent } from "./durable-history.ts";
import {
  type InstanceFilter,
  type InstanceRow,
  isTerminal,
  type RuntimeStatus,
  TERMINAL_STATUSES,
} from "./durable-store.ts";
import { type HttpReply, type IncomingRequest, jsonReply, type RequestHandler } from "./http-server.ts";

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

/** The binding data a durableClient input receives, pointing at this host. */
export interface DurableClientData {
  readonly taskHubName: string;
  readonly creationUrls: Record<string, string>;
  readonly managementUrls: Record<string, string>;
  readonly baseUrl: string;
  readonly requiredQueryStringParameters: string;
  readonly rpcBaseUrl: string;
}

export function durableClientData(origin: string, taskHubName: string): DurableClientData {
  const base = `${origin}${DURABLE_BASE_PATH}`;
  const hub = `taskHub=${taskHubName}&connection=Storage`;
  const instance = `${base}/instances/${INSTANCE_ID}`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]`,
      waitOnNewInstancePostUri: `${base}/orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}`,
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
    requiredQueryStringParameters: hub,
    // The client resolves relative paths against it, so it needs the trailing slash.
    rpcBaseUrl: `${base}/`,
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

function historyForApi(events: readonly HistoryEvent[], withOutput: boolean): Record<string, unknown>[] {
  return events.map(({ EventType: type, IsPlayed: _played, Input, Result, Details, ...rest }) => ({
    EventType: eventTypeName(type),
    ...rest,
    ...(withOutput ? { Input, Result, Details } : {}),
  }));
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
    ...(history ? { historyEvents: history, history } : {}),
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
  if (Number.isNaN(time)) throw new DurableOperationError(400, `${name} "${value}" is not a date and time.`);
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
      throw new DurableOperationError(
        400,
        `runtimeStatus "${status}" is not one of ${KNOWN_STATUSES.join(", ")}.`,
      );
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
function jsonBody(request: IncomingRequest): string | undefined {
  const text = request.body.toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    JSON.parse(text);
  } catch (error) {
    throw new DurableOperationError(400, `The request body is not valid JSON: ${(error as Error).message}`);
  }
  return text;
}

/** As the Durable extension answers: 202 while running, 200 once ended (500 for a failure, when asked). */
function statusCodeOf(row: InstanceRow, url: URL): number {
  if (row.status === "Failed" && flag(url, "returnInternalServerErrorOnFailure") === true) return 500;
  return isTerminal(row.status) ? 200 : 202;
}

export function durableHttpApi(
  engine: DurableEngine,
  client: () => DurableClientData,
  clock: Clock,
): RequestHandler {
  const start = async (
    request: IncomingRequest,
    name: string,
    instanceId: string | undefined,
  ): Promise<HttpReply> => {
    const version = request.url.searchParams.get("version");
    const input = jsonBody(request);
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
    const token = request.headers["x-ms-continuation-token"];
    let after: { createdAt: number; instanceId: string } | undefined;
    if (token) {
      try {
        after = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
      } catch {
        throw new DurableOperationError(
          400,
          "The x-ms-continuation-token header is not one this host issued.",
        );
      }
    }
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
      : jsonReply(404, { error: "No ended instances match." });
  };

  const instance = (request: IncomingRequest, instanceId: string, action: string[]): HttpReply => {
    const { method, url } = request;
    const reason = url.searchParams.get("reason") ?? "";
    const accepted = (done: boolean) =>
      done ? { status: 202 } : jsonReply(410, { error: `Instance "${instanceId}" has already ended.` });
    if (action.length === 0 && method === "GET") {
      const row = engine.getInstance(instanceId);
      if (!row) return jsonReply(404, { error: `No instance with id "${instanceId}" exists.` });
      const showHistory = flag(url, "showHistory") === true;
      const options = {
        ...(showHistory ? { history: engine.history(instanceId) } : {}),
        showHistoryOutput: flag(url, "showHistoryOutput") === true,
        showInput: flag(url, "showInput") !== false,
      };
      const status = statusCodeOf(row, url);
      const headers: Record<string, string> =
        status === 202
          ? {
              location: managementPayload(client(), instanceId).statusQueryGetUri as string,
              "retry-after": "10",
            }
          : {};
      return jsonReply(status, statusJson(row, options), headers);
    }
    if (action.length === 0 && method === "DELETE") {
      const deleted = engine.purge([instanceId]);
      return deleted > 0
        ? jsonReply(200, { instancesDeleted: deleted })
        : jsonReply(404, { error: `No ended instance with id "${instanceId}" exists.` });
    }
    const [verb, eventName] = action;
    if (method === "POST" && verb === "raiseEvent" && eventName) {
      return accepted(engine.raiseEvent(instanceId, eventName, jsonBody(request)));
    }
    if (method === "POST" && (verb === "terminate" || verb === "suspend" || verb === "resume")) {
      return accepted(engine.control(instanceId, verb, reason));
    }
    if (method === "POST" && (verb === "rewind" || verb === "restart")) {
      return jsonReply(501, `The ${verb} operation is not supported by the local host.`);
    }
    return jsonReply(404, { error: `Nothing is served at ${method} ${url.pathname}.` });
  };

  return async (request) => {
    const path = request.url.pathname;
    if (path !== DURABLE_BASE_PATH && !path.startsWith(`${DURABLE_BASE_PATH}/`)) return undefined;
    const segments = path
      .slice(DURABLE_BASE_PATH.length + 1)
      .split("/")
      .map((segment) => decodeURIComponent(segment));
    if (segments.at(-1) === "") segments.pop();
    const [collection, id, ...action] = segments;
    try {
      if (collection === "orchestrators" && id && action.length <= 1 && request.method === "POST") {
        return await start(request, id, action[0]);
      }
      if (collection === "instances" && id === undefined) {
        if (request.method === "GET") return list(request);
        if (request.method === "DELETE") return purgeWhere(request);
      }
      if (collection === "instances" && id !== undefined) return instance(request, id, action);
      if (collection === "entities") {
        return jsonReply(501, { error: "Durable entities are not supported by the local host." });
      }
      return jsonReply(404, { error: `Nothing is served at ${request.method} ${path}.` });
    } catch (error) {
      if (error instanceof DurableOperationError) return jsonReply(error.status, { error: error.message });
      throw error;
    }
  };
}
