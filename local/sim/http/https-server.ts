// Small HTTP(S) plumbing shared by the twin's servers: listen on loopback, read bodies, answer JSON.

import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { SimulatorTls } from "../tls/certificates.ts";

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => void | Promise<void>;

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** TLS handshakes completed so far (0 over plain HTTP): shows whether clients reuse connections. */
  readonly secureConnections: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class BodyError extends Error {}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyError(`request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "Content-Type": "application/json; charset=utf-8" }),
    "Content-Length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function listen(
  server: http.Server | https.Server | http2.Http2SecureServer,
  scheme: "http" | "https",
  port: number,
): Promise<RunningServer> {
  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  let secureConnections = 0;
  server.on("secureConnection", () => secureConnections++);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address() as AddressInfo;
      resolve({
        url: `${scheme}://127.0.0.1:${address.port}`,
        port: address.port,
        get secureConnections() {
          return secureConnections;
        },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}

function wrap(handler: Handler, scheme: string): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? "/", `${scheme}://${req.headers.host ?? "127.0.0.1"}`);
    Promise.resolve(handler(req, res, url)).catch((error: unknown) => {
      sendJson(res, 500, {
        error: { code: "InternalServerError", message: `simulator fault: ${String(error)}` },
      });
    });
  };
}

export function startHttpsServer(tls: SimulatorTls, handler: Handler, port = 0): Promise<RunningServer> {
  return listen(
    https.createServer({ cert: tls.certPem, key: tls.keyPem }, wrap(handler, "https")),
    "https",
    port,
  );
}

/**
 * HTTPS that speaks HTTP/2 to a client offering it, as Kubernetes API servers do (a client's parallel
 * requests then share one connection), and HTTP/1.1 to others. The handler gets HTTP/2's compatibility
 * request and response, which have the members the twin's handlers use.
 */
export function startHttp2Server(tls: SimulatorTls, handler: Handler, port = 0): Promise<RunningServer> {
  const listener = wrap(handler, "https") as unknown as (
    req: http2.Http2ServerRequest,
    res: http2.Http2ServerResponse,
  ) => void;
  return listen(
    http2.createSecureServer({ cert: tls.certPem, key: tls.keyPem, allowHTTP1: true }, listener),
    "https",
    port,
  );
}

export function startHttpServer(handler: Handler, port = 0): Promise<RunningServer> {
  return listen(http.createServer(wrap(handler, "http")), "http", port);
}
