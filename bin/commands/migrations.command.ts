// `migrations ACTION ...`: the migrations API for a person at a terminal. --as, --role and --group build the
// x-ms-client-principal header a local service (npm start, AUTH_MODE=local) trusts from this machine;
// in Azure, App Service Authentication sets it and drops any the client sends. For a service that
// validates Entra ID tokens itself (AUTH_MODE=entra), AKS_LIFECYCLE_TOKEN holds one (e.g. from
// `az account get-access-token --scope api://.../.default`), sent as a bearer token. Prints the JSON
// answer; a refusal exits non-zero with its reason. An ID may be given as CLUSTER/POOL: that pool's
// newest migration.

import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { ROLES, type Role } from "../../shared/domain/access/principal.ts";
import { isLoopback } from "../../shared/settings/settings-group.ts";
import {
  type CliIo,
  type Command,
  EXIT_BAD_INPUT,
  EXIT_OK,
  parseCommandArgs,
  UsageError,
} from "../command.ts";

/** The environment variable holding an Entra ID access token for the service. */
export const TOKEN_VARIABLE = "AKS_LIFECYCLE_TOKEN";

/** Where `npm start` serves by default. */
export const DEFAULT_SERVICE_URL = "http://127.0.0.1:7071";
const KNOWN_ROLES: readonly string[] = Object.values(ROLES);

/** CLUSTER/POOL in place of an ID: a migration id is long and holds a hash, a pool is what a person knows. */
const POOL_REFERENCE = /^([^/:]+)\/([^/:]+)$/;

interface ApiRequest {
  method: "GET" | "POST";
  path: string;
  body?: Record<string, unknown>;
}

type Values = Record<string, string | boolean | string[] | undefined>;

/** Each action: the positionals it takes, and the request it makes of them. */
const ACTIONS: Record<string, { args: string[]; request: (args: string[], values: Values) => ApiRequest }> = {
  start: {
    args: ["CLUSTER", "POOL", "TARGET_OS_SKU"],
    request: (args, values) => requestBody("", args, values),
  },
  plan: {
    args: ["CLUSTER", "POOL", "TARGET_OS_SKU"],
    request: (args, values) => requestBody("/plan", args, values),
  },
  approve: { args: ["ID"], request: ([id], values) => gateAnswer(id as string, "approve", values) },
  reject: { args: ["ID"], request: ([id], values) => gateAnswer(id as string, "reject", values) },
  decide: { args: ["ID"], request: ([id], values) => decision(id as string, values) },
  rollback: { args: ["ID"], request: ([id], values) => control(id as string, "rollback", values) },
  pause: { args: ["ID"], request: ([id], values) => control(id as string, "pause", values) },
  resume: { args: ["ID"], request: ([id], values) => control(id as string, "resume", values) },
  status: { args: ["ID"], request: ([id]) => ({ method: "GET", path: migrationPath(id as string) }) },
  list: {
    args: [],
    request: (_, values) => ({ method: "GET", path: `/api/migrations${listQuery(values)}` }),
  },
};

function migrationPath(id: string): string {
  return `/api/migrations/${encodeURIComponent(id)}`;
}

function withComment(values: Values, body: Record<string, unknown>): Record<string, unknown> {
  return values.comment === undefined ? body : { ...body, comment: values.comment };
}

function requestBody(suffix: string, [cluster, pool, targetOsSku]: string[], values: Values): ApiRequest {
  let options: unknown;
  if (values.options !== undefined) {
    try {
      options = JSON.parse(values.options as string);
    } catch {
      throw new UsageError(`--options must be JSON, e.g. '{"batchSize": 2}'`);
    }
  }
  return {
    method: "POST",
    path: `/api/migrations${suffix}`,
    body: { cluster, pool, targetOsSku, ...(options !== undefined && { options }) },
  };
}

function gateAnswer(id: string, answer: "approve" | "reject", values: Values): ApiRequest {
  if (values.gate === undefined)
    throw new UsageError(`${answer} needs --gate (the gate the migration awaits)`);
  return {
    method: "POST",
    path: `${migrationPath(id)}/approvals`,
    body: withComment(values, { gate: values.gate, decision: answer }),
  };
}

function decision(id: string, values: Values): ApiRequest {
  if (values.decision === undefined) {
    throw new UsageError("decide needs --decision retry|skip-pod|delete-pod|force-delete-pod|rollback");
  }
  let pod: { namespace: string; name: string } | undefined;
  if (values.pod !== undefined) {
    const [namespace, name, ...rest] = (values.pod as string).split("/");
    if (!namespace || !name || rest.length > 0) throw new UsageError("--pod is NAMESPACE/NAME");
    pod = { namespace, name };
  }
  return {
    method: "POST",
    path: `${migrationPath(id)}/decisions`,
    body: withComment(values, { decision: values.decision, ...(pod && { pod }) }),
  };
}

function control(id: string, action: string, values: Values): ApiRequest {
  return { method: "POST", path: `${migrationPath(id)}/${action}`, body: withComment(values, {}) };
}

function listQuery(values: Values): string {
  const query = new URLSearchParams();
  for (const filter of ["cluster", "pool", "outcome"]) {
    if (typeof values[filter] === "string") query.set(filter, values[filter] as string);
  }
  const text = query.toString();
  return text === "" ? "" : `?${text}`;
}

/** The header for `name` holding `roles` in `groups`, as the service reads it (base64 of App Service's JSON). */
export function clientPrincipalHeader(
  name: string,
  roles: readonly Role[],
  groups: readonly string[] = [],
): string {
  return Buffer.from(localClientPrincipal(name, roles, groups), "utf8").toString("base64");
}

function parse(args: readonly string[], env: CliIo["env"]) {
  const { values, positionals } = parseCommandArgs({
    args: [...args],
    options: {
      as: { type: "string" },
      role: { type: "string", multiple: true },
      group: { type: "string", multiple: true },
      url: { type: "string" },
      options: { type: "string" },
      gate: { type: "string" },
      decision: { type: "string" },
      pod: { type: "string" },
      comment: { type: "string" },
      cluster: { type: "string" },
      pool: { type: "string" },
      outcome: { type: "string" },
    },
    strict: true,
    allowPositionals: true,
  });
  const [action, ...rest] = positionals;
  const known = action === undefined ? undefined : ACTIONS[action];
  if (known === undefined) {
    throw new UsageError(
      action === undefined
        ? "expected an action"
        : `unknown action "${action}" (expected ${Object.keys(ACTIONS).join(", ")})`,
    );
  }
  if (rest.length !== known.args.length) {
    throw new UsageError(
      `${action} takes ${known.args.join(" ") || "no arguments"}, got ${rest.length} argument(s)`,
    );
  }
  const roles = values.role ?? [];
  const unknownRoles = roles.filter((role) => !KNOWN_ROLES.includes(role));
  if (unknownRoles.length > 0) {
    throw new UsageError(`--role must be ${KNOWN_ROLES.join(" or ")}, not ${unknownRoles.join(", ")}`);
  }
  if (roles.length > 0 && values.as === undefined) throw new UsageError("--role needs --as (who you are)");
  const groups = values.group ?? [];
  if (groups.length > 0 && values.as === undefined) throw new UsageError("--group needs --as (who you are)");
  const url = values.url ?? DEFAULT_SERVICE_URL;
  if (!URL.canParse(url)) throw new UsageError(`--url must be the service's URL, not "${url}"`);
  const requestOf = (positionals: string[]) => known.request(positionals, values);
  return {
    // Built here so that wrong arguments are refused before anything is sent.
    request: requestOf(rest),
    poolReference: known.args[0] === "ID" ? POOL_REFERENCE.exec(rest[0] as string) : null,
    requestOf,
    url: url.replace(/\/+$/, ""),
    identity: identityHeaders(
      new URL(url),
      env[TOKEN_VARIABLE]?.trim(),
      values.as === undefined ? undefined : { name: values.as, roles: roles as Role[], groups },
    ),
  };
}

/** Who the caller is, as the service's identity mode reads it: a bearer token, or the local header. */
function identityHeaders(
  url: URL,
  token: string | undefined,
  local: { name: string; roles: Role[]; groups: string[] } | undefined,
): Record<string, string> {
  if (!token) {
    return local === undefined
      ? {}
      : { "x-ms-client-principal": clientPrincipalHeader(local.name, local.roles, local.groups) };
  }
  if (local !== undefined) {
    throw new UsageError(
      `--as is for a local service, ${TOKEN_VARIABLE} for one that checks tokens: not both`,
    );
  }
  if (url.protocol !== "https:" && !isLoopback(url.hostname)) {
    throw new UsageError(
      `${TOKEN_VARIABLE} is sent over https only (or to this machine), not to ${url.origin}`,
    );
  }
  return { authorization: `Bearer ${token}` };
}

type Sent = { kind: "answered"; response: Response } | { kind: "unreachable"; reason: string };

async function send(url: string, request: ApiRequest, identity: Record<string, string> = {}): Promise<Sent> {
  const headers: Record<string, string> = {
    ...(request.body && { "content-type": "application/json" }),
    ...identity,
  };
  try {
    const response = await fetch(`${url}${request.path}`, {
      method: request.method,
      headers,
      ...(request.body && { body: JSON.stringify(request.body) }),
    });
    return { kind: "answered", response };
  } catch (error) {
    return { kind: "unreachable", reason: `cannot reach ${url}: ${(error as Error).cause ?? error}` };
  }
}

/** The newest migration of CLUSTER/POOL (the list is newest first), or why there is none. */
async function newestMigrationOf(
  url: string,
  cluster: string,
  pool: string,
): Promise<{ id: string } | { refused: string }> {
  const sent = await send(url, { method: "GET", path: `/api/migrations${listQuery({ cluster, pool })}` });
  if (sent.kind === "unreachable") return { refused: sent.reason };
  const body = (await sent.response.json().catch(() => undefined)) as
    | { migrations?: { id: string }[]; error?: { reason?: string } }
    | undefined;
  if (!sent.response.ok) {
    return { refused: `${sent.response.status}: ${body?.error?.reason ?? sent.response.statusText}` };
  }
  const newest = body?.migrations?.[0];
  return newest === undefined ? { refused: `no migration of pool ${pool} in ${cluster}` } : { id: newest.id };
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const { request, poolReference, requestOf, url, identity } = parse(args, io.env);
  const refuse = (reason: string) => {
    io.stderr.write(`aks-image-lifecycle migrations: ${reason}\n`);
    return EXIT_BAD_INPUT;
  };
  let sending = request;
  if (poolReference) {
    const [reference, cluster = "", pool = ""] = poolReference;
    const newest = await newestMigrationOf(url, cluster, pool);
    if ("refused" in newest) return refuse(newest.refused);
    io.stderr.write(`${reference} is ${newest.id}\n`);
    sending = requestOf([newest.id]);
  }
  const sent = await send(url, sending, identity);
  if (sent.kind === "unreachable") return refuse(sent.reason);
  const { response } = sent;
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page): printed as it came.
  }
  io.stdout.write(`${typeof body === "string" ? body : JSON.stringify(body, null, 2)}\n`);
  if (response.ok) return EXIT_OK;
  const reason = (body as { error?: { reason?: string } } | undefined)?.error?.reason ?? response.statusText;
  return refuse(`${response.status}: ${reason}`);
}

export const migrationsCommand: Command = {
  name: "migrations",
  usage:
    "migrations start|plan CLUSTER POOL TARGET_OS_SKU [--options JSON] | approve|reject ID --gate GATE | decide ID --decision D [--pod NS/NAME] | rollback|pause|resume ID | status ID | list [--cluster C] [--pool P] [--outcome O]  [--comment TEXT] [--as NAME --role ROLE ... --group ID ...] [--url http://127.0.0.1:7071]  (env AKS_LIFECYCLE_TOKEN: an Entra ID token instead of --as)",
  summary:
    "Starts, plans, steers and reads pool migrations through the service's API, as NAME holding ROLE (LifecycleOperator, LifecycleApprover): the identity header a local service (npm start) trusts from this machine; or with the Entra ID access token in AKS_LIFECYCLE_TOKEN, for a service with AUTH_MODE entra. ID is a migration's id, or CLUSTER/POOL for that pool's newest migration. Prints the JSON answer; a refusal exits 1 with its reason.",
  run,
};
