// The host's one HTTP listener: the app's HTTP triggers under /<routePrefix>/ and the Durable HTTP API under
// /runtime/webhooks/durabletask/. Requests hold the clock while they are handled.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, runHeld } from "../clock.ts";
import type { Logger } from "./logger.ts";

export interface HttpReply {
  readonly status: number;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: string | Uint8Array;
}

export interface IncomingRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** Answers a request, or returns undefined when the path is not its own. */
export type RequestHandler = (request: IncomingRequest) => Promise<HttpReply | undefined>;

export function jsonReply(status: number, value: unknown, headers: Record<string, string> = {}): HttpReply {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: JSON.stringify(value),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
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
}): Promise<HttpListener> {
  const { clock, logger, handlers } = options;
  const handle = async (incoming: IncomingMessage, response: ServerResponse) => {
    const request: IncomingRequest = {
      method: (incoming.method ?? "GET").toUpperCase(),
      url: new URL(incoming.url ?? "/", `http://${incoming.headers.host ?? "127.0.0.1"}`),
      headers: flattenHeaders(incoming),
      body: await readBody(incoming),
    };
    let reply: HttpReply | undefined;
    try {
      reply = await runHeld(clock, async () => {
        for (const handler of handlers) {
          const answer = await handler(request);
          if (answer) return answer;
        }
        return undefined;
      });
    } catch (error) {
      logger.error(`HTTP ${request.method} ${request.url.pathname} failed: ${(error as Error).message}`, {
        stack: (error as Error).stack,
      });
      reply = jsonReply(500, { error: "The host failed to handle the request; see its log." });
    }
    reply ??= jsonReply(404, { error: `Nothing is served at ${request.method} ${request.url.pathname}.` });
    response.writeHead(reply.status, reply.headers);
    response.end(reply.body);
  };
  const server = createServer((incoming, response) => {
    handle(incoming, response).catch((error: unknown) => {
      logger.error(`HTTP connection failed: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
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
  return {
    server,
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
