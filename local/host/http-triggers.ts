// HTTP-triggered functions: routes, methods, and the conversion between the wire and the worker's RPC shapes.
import type { FunctionRegistration, RpcHttpCookie, RpcHttpData, RpcTypedData } from "./functions-core.ts";
import { type AccessLevel, type HostKeys, requireAccess } from "./host-keys.ts";
import {
  errorReply,
  type HttpReply,
  type IncomingRequest,
  methodNotAllowed,
  type RequestHandler,
} from "./http-server.ts";
import { bindTriggers, type Invoker, type SkippedTrigger, triggerOf } from "./invoker.ts";
import type { Logger } from "./logger.ts";
import { type CompiledRoute, compileRoute } from "./routes.ts";

interface HttpFunction {
  readonly registration: FunctionRegistration;
  readonly route: CompiledRoute;
  /** Upper-case; empty means every method. */
  readonly methods: readonly string[];
  readonly authLevel: AccessLevel;
}

const AUTH_LEVELS: readonly string[] = ["anonymous", "function", "admin"];

/** The trigger's authLevel; "function" when unset, the Functions host's default. */
function authLevelOf(registration: FunctionRegistration): AccessLevel {
  const level = String(triggerOf(registration).authLevel ?? "function").toLowerCase();
  if (!AUTH_LEVELS.includes(level)) {
    throw new Error(`authLevel "${level}" is not one of ${AUTH_LEVELS.join(", ")}.`);
  }
  return level as AccessLevel;
}

/** The trigger's route template; without one, the function's name (as the Functions host does). */
export function routeTemplate(registration: FunctionRegistration): string {
  const route = triggerOf(registration).route;
  return typeof route === "string" && route !== "" ? route : registration.name;
}

/** Reads the HTTP triggers, most specific route first; one whose route cannot be read is skipped. */
export function httpFunctions(registrations: readonly FunctionRegistration[]): {
  bound: HttpFunction[];
  skipped: SkippedTrigger[];
} {
  const { bound, skipped } = bindTriggers(registrations, "httpTrigger", (registration) => {
    const trigger = triggerOf(registration);
    const methods = Array.isArray(trigger.methods) ? trigger.methods.map((m) => String(m).toUpperCase()) : [];
    return {
      registration,
      route: compileRoute(routeTemplate(registration)),
      methods,
      authLevel: authLevelOf(registration),
    };
  });
  return { bound: bound.sort((a, b) => b.route.specificity - a.route.specificity), skipped };
}

function bodyBytes(data: RpcTypedData | undefined): string | Uint8Array | undefined {
  if (!data) return undefined;
  if (data.bytes) return data.bytes;
  if (data.string !== undefined) return data.string;
  if (data.json !== undefined) return data.json;
  if (data.int !== undefined) return String(data.int);
  if (data.double !== undefined) return String(data.double);
  return undefined;
}

// The worker's RPC enum: "none" means unset, "explicitNone" is SameSite=None.
const SAME_SITE: Readonly<Record<string, string>> = { lax: "Lax", strict: "Strict", explicitNone: "None" };

function toSetCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ""}=${cookie.value ?? ""}`];
  if (cookie.domain?.value) parts.push(`Domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`Path=${cookie.path.value}`);
  const expires = cookie.expires?.value?.seconds;
  if (expires !== undefined) parts.push(`Expires=${new Date(Number(expires) * 1000).toUTCString()}`);
  if (cookie.maxAge?.value !== undefined) parts.push(`Max-Age=${cookie.maxAge.value}`);
  if (cookie.secure?.value) parts.push("Secure");
  if (cookie.httpOnly?.value) parts.push("HttpOnly");
  const sameSite = SAME_SITE[String(cookie.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join("; ");
}

/** Turns the worker's RPC HTTP response into what goes on the wire. */
export function toReply(http: RpcHttpData | undefined): HttpReply {
  if (!http) return { status: 204 };
  const headers: Record<string, string | string[]> = { ...http.headers };
  const cookies = (http.cookies ?? []).map(toSetCookie);
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  const status = Number(http.statusCode ?? 200);
  const body = bodyBytes(http.body);
  return body === undefined ? { status, headers } : { status, headers, body };
}

export function httpTriggerHandler(options: {
  routePrefix: string;
  functions: readonly HttpFunction[];
  invoker: Invoker;
  logger: Logger;
  /** Undefined when keys are not checked. */
  keys: HostKeys | undefined;
}): RequestHandler {
  const prefix = options.routePrefix === "" ? "" : `/${options.routePrefix}`;
  return async (request: IncomingRequest) => {
    const path = request.url.pathname;
    if (prefix !== "" && path !== prefix && !path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`))
      return undefined;
    const routePath = path.slice(prefix.length) || "/";
    const candidates = options.functions.flatMap((f) => {
      const found = f.route.match(routePath);
      return found ? [{ f, params: found.params }] : [];
    });
    const chosen = candidates.find(({ f }) => f.methods.length === 0 || f.methods.includes(request.method));
    if (!chosen) {
      if (candidates.length === 0) {
        return errorReply(404, `No HTTP-triggered function matches ${request.method} ${path}.`);
      }
      throw methodNotAllowed(request.method, path, [...new Set(candidates.flatMap(({ f }) => f.methods))]);
    }
    requireAccess(options.keys, chosen.f.authLevel, request);
    const body = await request.body();
    const query: Record<string, string> = {};
    for (const [key, value] of request.url.searchParams) query[key] = value;
    const http: RpcHttpData = {
      method: request.method,
      url: request.url.href,
      headers: request.headers,
      query,
      params: chosen.params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    };
    try {
      const { response } = await options.invoker.invoke(chosen.f.registration, {
        trigger: { rpc: { http } },
        wantResponse: true,
      });
      return toReply(response?.returnValue?.http);
    } catch (error) {
      options.logger.error(`Function "${chosen.f.registration.name}" failed: ${(error as Error).message}`, {
        function: chosen.f.registration.name,
        stack: (error as Error).stack,
      });
      return errorReply(500, `Function "${chosen.f.registration.name}" failed; see the host's log.`);
    }
  };
}
