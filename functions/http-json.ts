// JSON answers of the HTTP read side: every error is JSON with a reason a person can act on, and never
// with what only the service should see (hosts, ports, paths, stack traces): those go to the log.

import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import { SettingsError } from "../shared/settings.ts";
import { StoreUnavailableError } from "../shared/store-unavailable.ts";

/** Seconds a client should wait before asking again when the state store is unreachable. */
const STORE_RETRY_AFTER_S = 10;

/** The most of a request body an endpoint reads: its largest valid request is a few KiB. */
const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export function jsonOk(body: unknown, status = 200): HttpResponseInit {
  return { status, jsonBody: body };
}

export function jsonError(
  status: number,
  reason: string,
  details: Record<string, unknown> = {},
): HttpResponseInit {
  return { status, jsonBody: { error: { status, reason, ...details } } };
}

/** Query parameters must be ones the endpoint knows: a misspelt filter would silently match everything. */
export function unknownParameters(
  query: URLSearchParams,
  known: readonly string[],
): HttpResponseInit | undefined {
  const unknown = [...new Set(query.keys())].filter((key) => !known.includes(key));
  if (unknown.length === 0) return undefined;
  return jsonError(400, `unknown query parameter(s): ${unknown.join(", ")} (known: ${known.join(", ")})`);
}

/**
 * The body as text, or the 413 for one past MAX_REQUEST_BODY_BYTES. It stops reading at the limit, so a
 * caller cannot make the service hold (and parse) megabytes the Functions host let through.
 */
export async function boundedText(
  request: HttpRequest,
): Promise<{ text: string } | { refusal: HttpResponseInit }> {
  const limit = MAX_REQUEST_BODY_BYTES;
  const tooLarge = {
    refusal: jsonError(413, `the body is larger than ${limit} bytes, the most this endpoint reads`),
  };
  if (Number(request.headers.get("content-length")) > limit) return tooLarge;
  if (!request.body) return { text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return tooLarge;
    }
    chunks.push(read.value);
  }
  // As request.text() decodes: a leading byte-order mark dropped, bytes that are not UTF-8 replaced.
  return { text: new TextDecoder().decode(Buffer.concat(chunks)) };
}

/**
 * Whether `value` nests arrays and objects more than `limit` deep. It walks level by level, not by
 * recursion, so it cannot itself overflow the stack on the value it is there to catch.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const containers = (values: unknown[]) =>
    values.filter((item): item is object => typeof item === "object" && item !== null);
  let level = containers([value]);
  for (let depth = 1; level.length > 0; depth++) {
    if (depth > limit) return true;
    level = containers(level.flatMap((container) => Object.values(container)));
  }
  return false;
}

/**
 * Runs a handler. A misconfigured service answers 503 naming the settings, an unreachable state store 503
 * with Retry-After; anything else 500 with the invocation id to find it by in the log.
 */
export async function answering(
  handler: () => Promise<HttpResponseInit>,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof SettingsError) {
      return jsonError(503, "the service is not configured", { problems: error.problems });
    }
    if (error instanceof StoreUnavailableError) {
      context.warn(error.message);
      return {
        ...jsonError(503, "the product state store is unreachable: try again later"),
        headers: { "Retry-After": String(STORE_RETRY_AFTER_S) },
      };
    }
    context.error(error);
    return jsonError(500, `internal error: the log has it under invocation ${context.invocationId}`);
  }
}

/**
 * A GET endpoint of the read side: anonymous at the Functions level (App Service Authentication fronts
 * the app), query parameters checked against `parameters`, errors answered as JSON.
 */
export function readEndpoint(
  name: string,
  route: string,
  parameters: readonly string[],
  handle: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>,
): void {
  app.http(name, {
    methods: ["GET"],
    route,
    authLevel: "anonymous",
    handler: (request, context) =>
      answering(
        async () => unknownParameters(request.query, parameters) ?? (await handle(request, context)),
        context,
      ),
  });
}
