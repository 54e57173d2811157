// Routes of the API that acts for its callers (migrations, rollouts): errors as JSON, local identity
// announced on every answer, writes only for an identified caller holding the action's role
// (functions/identity.ts), and request bodies checked with every problem named.

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import type { Principal, Role } from "../shared/domain/access/principal.ts";
import type { Checked } from "../shared/migration/migration-requests.ts";
import { answering, boundedText, jsonError, nestsDeeperThan } from "./http-json.ts";
import { identify, identityHeaders } from "./identity.ts";

/**
 * How deep a request body may nest: a valid migration request nests four levels
 * (options.maintenanceWindow.days), a rollout policy five (windows.byTag[].days).
 */
const MAX_BODY_DEPTH = 16;

export interface Call {
  request: HttpRequest;
  context: InvocationContext;
  /** The identified caller. */
  caller: Principal;
}

/** An API route: errors as JSON, and local identity announced on every answer. */
export function apiRoute(
  name: string,
  method: "GET" | "POST",
  route: string,
  handle: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
): void {
  app.http(name, {
    methods: [method],
    route,
    authLevel: "anonymous",
    extraInputs: [df.input.durableClient()],
    handler: async (request, context) => {
      const response = await answering(() => handle(request, context), context);
      return { ...response, headers: { ...(response.headers as object), ...identityHeaders() } };
    },
  });
}

/** A route that acts for its caller: only one identified and holding `role` gets past it. */
export function writeRoute(
  name: string,
  route: string,
  role: Role,
  handle: (call: Call) => Promise<HttpResponseInit>,
): void {
  apiRoute(name, "POST", route, async (request, context) => {
    const identified = await identify(request, context, role);
    if ("refusal" in identified) return identified.refusal;
    return handle({ request, context, caller: identified.principal });
  });
}

/** The JSON body checked by `check`, or the 400 that names what is wrong (413 for one too large to read). */
export async function jsonBody<T>(
  request: HttpRequest,
  check: (value: unknown) => Checked<T>,
): Promise<{ value: T } | { refusal: HttpResponseInit }> {
  const read = await boundedText(request);
  if ("refusal" in read) return read;
  const { text } = read;
  let value: unknown = {};
  if (text.trim() !== "") {
    try {
      value = JSON.parse(text);
    } catch {
      return { refusal: jsonError(400, "the body is not JSON") };
    }
  }
  // Describing what is wrong with a value nested thousands deep would overflow the stack (a 500).
  if (nestsDeeperThan(value, MAX_BODY_DEPTH)) {
    return { refusal: jsonError(400, `the body nests arrays and objects more than ${MAX_BODY_DEPTH} deep`) };
  }
  const checked = check(value);
  if ("problems" in checked) {
    return { refusal: jsonError(400, checked.problems.join("; "), { problems: checked.problems }) };
  }
  return checked;
}
