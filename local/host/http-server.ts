// The host's one HTTP listener: the app's HTTP triggers under /<routePrefix>/ and the Durable HTTP API under
// /runtime/webhooks/durabletask/. Requests hold the clock while they are handled.
import { createServer, type IncomingMessage, type Server, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { awaitWithoutHold, type Clock, runHeld } from "../clock.ts";
import type { Logger } from "./logger.ts";

// Azure Functions' request limits (the runtime's httpRuntime settings): 100 MB bodies, 4,096-byte URLs.
export const MAX_BODY_BYTES = 104_857_600;
export const MAX_URL_BYTES = 4_096;
// Node's own limit on the request head (URL and headers), past which it answers 431 itself: Kestrel's 32 KB.
const MAX_HEAD_BYTES = 32_768;

export interface HttpReply {
  readonly status: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Uint8Array;
}

export interface IncomingRequest {
  readonly method: string;
  /** On the host's own origin: the request's Host header is not trusted for anything. */
  readonly url: URL;
  readonly headers: Record<string, string>;
  /** Reads the body on first call; a body past MAX_BODY_BYTES is refused with 413 before it is all read. */
  body(): Promise<Buffer>;
}

/** Answers a request, or returns undefined when the path is not its own. */
export type RequestHandler = (request: IncomingRequest) => Promise<HttpReply | undefined>;

/** A refusal the host answers itself, as `{"error": {"status", "reason"}}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  constructor(status: number, reason: string, headers: Record<string, string> = {}) {
    super(reason);
    this.status = status;
    this.headers = headers;
  }
}

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

/** Every error the host makes has the product's shape. */
export function errorReply(status: number, reason: string, headers: Record<string, string> = {}): HttpReply {
  return jsonReply(status, { error: { status, reason } }, headers);
}

/** The 405 for a path served under other methods. */
export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): HttpError {
  return new HttpError(405, `${path} does not accept ${method}; it accepts ${allowed.join(", ")}.`, {
    allow: allowed.join(", "),
  });
}

function tooLarge(): HttpError {
  return new HttpError(
    413,
    `The request body is larger than ${MAX_BODY_BYTES} bytes (100 MB), the limit in Azure Functions.`,
  );
}

/**
 * Reads the body, counting as it goes. Past the limit it stops keeping chunks and refuses; the rest of the
 * body is then discarded as it arrives (not buffered), and the connection stays open for the answer.
 */
function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const declared = Number(incoming.headers["content-length"]);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      stop();
      incoming.resume();
      reject(tooLarge());
    };
    const onEnd = () => {
      stop();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
  });
}

/** The request target as a path and query: an absolute-form target's own host is ignored too. */
function pathAndQuery(target: string): string {
  if (target.startsWith("/")) return target;
  try {
    const parsed = new URL(target);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    return "/";
  }
}

function toRequest(incoming: IncomingMessage, origin: string, clock: Clock): IncomingRequest {
  const target = incoming.url ?? "/";
  if (Buffer.byteLength(target) > MAX_URL_BYTES) {
    throw new HttpError(414, `The URL is longer than ${MAX_URL_BYTES} bytes, the limit in Azure Functions.`);
  }
  // Concatenated, not resolved: "//elsewhere/x" must stay a path on this host.
  const url = new URL(`${origin}${pathAndQuery(target)}`);
  try {
    decodeURIComponent(url.pathname);
  } catch {
    throw new HttpError(400, `The path ${url.pathname} has malformed percent-encoding.`);
  }
  let body: Promise<Buffer> | undefined;
  return {
    method: (incoming.method ?? "GET").toUpperCase(),
    url,
    headers: flattenHeaders(incoming),
    // Waiting for bytes from the network is not work: it must not freeze a virtual clock.
    body: () => {
      body ??= awaitWithoutHold(clock, readBody(incoming));
      return body;
    },
  };
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** Every reply is whole in memory: its length is known, so it is sent with it rather than chunked. */
function withContentLength(reply: HttpReply): Record<string, string | string[]> {
  const headers = Object.fromEntries(
    Object.entries(reply.headers ?? {}).filter(([name]) => name.toLowerCase() !== "content-length"),
  );
  if (reply.body !== undefined) headers["content-length"] = String(Buffer.byteLength(reply.body));
  return headers;
}

/** Node refuses a request it cannot parse before any handler runs; the refusal still gets the error shape. */
function refuseUnparsable(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const reason =
    status === 431
      ? `The request's URL and headers are larger than ${MAX_HEAD_BYTES} bytes.`
      : `The request is not valid HTTP (${error.code ?? error.message}).`;
  const reply = errorReply(status, reason, { connection: "close" });
  const head = Object.entries(withContentLength(reply)).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head.join("")}\r\n${reply.body ?? ""}`);
}

export interface HttpListener {
  readonly server: Server;
  readonly port: number;
  readonly origin: string;
  close(): Promise<void>;
}

export async function listen(options: {
  port: number;
  clock: Clock;
  logger: Logger;
  handlers: readonly RequestHandler[];
  /** The origin of the URLs requests are given (and the app builds links from); its own by default. */
  publicOrigin?: (port: number) => string;
}): Promise<HttpListener> {
  const { clock, logger, handlers } = options;
  let origin = "";
  const answer = async (incoming: IncomingMessage): Promise<HttpReply> => {
    let request: IncomingRequest | undefined;
    try {
      request = toRequest(incoming, origin, clock);
      const { method, url } = request;
      const reply = await runHeld(clock, async () => {
        for (const handler of handlers) {
          const answered = await handler(request as IncomingRequest);
          if (answered) return answered;
        }
        return undefined;
      });
      return reply ?? errorReply(404, `Nothing is served at ${method} ${url.pathname}.`);
    } catch (error) {
      if (error instanceof HttpError) return errorReply(error.status, error.message, error.headers);
      const what = request ? `${request.method} ${request.url.pathname}` : String(incoming.method);
      logger.error(`HTTP ${what} failed: ${(error as Error).message}`, { stack: (error as Error).stack });
      return errorReply(500, "The host failed to handle the request; see its log.");
    }
  };
  const server = createServer({ maxHeaderSize: MAX_HEAD_BYTES }, (incoming, response) => {
    answer(incoming)
      .then((reply) => {
        response.writeHead(reply.status, withContentLength(reply));
        response.end(reply.body);
      })
      .catch((error: unknown) => {
        logger.error(`HTTP connection failed: ${(error as Error).message}`);
        if (!response.headersSent) response.writeHead(500);
        response.end();
      });
  });
  server.on("clientError", refuseUnparsable);
  await new Promise<void>((resolve, reject) => {
    const refuse = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`127.0.0.1:${options.port} is in use: choose another port (0 picks a free one).`)
          : error,
      );
    server.once("error", refuse);
    server.listen(options.port, "127.0.0.1", () => {
      server.off("error", refuse);
      resolve();
    });
  });
  // Once listening, a server error (say, out of file descriptors) is logged, not lost.
  server.on("error", (error) => logger.error(`HTTP server error: ${error.message}`, { stack: error.stack }));
  const port = (server.address() as AddressInfo).port;
  const listening = `http://127.0.0.1:${port}`;
  origin = options.publicOrigin?.(port) ?? listening;
  return {
    server,
    port,
    origin: listening,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
