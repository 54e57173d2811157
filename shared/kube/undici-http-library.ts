// client-node's HTTP library on undici's request API rather than its fetch: the same connection pool (the
// request's dispatcher, see kube-connection.ts) and the same abort signal, without fetch's WHATWG
// Request, Response, Headers and stream objects, which took most of the client's own time per call in
// profiles of the fleet scan and of a drain. As fetch did, it asks for gzip or deflate (an API server
// compresses large lists when asked) and decodes the answer. Unlike fetch, it follows no redirect: API
// servers answer in place, and a 3xx fails the call with its status.

import { pipeline, Readable, type Transform } from "node:stream";
import { arrayBuffer, text } from "node:stream/consumers";
import type { ReadableStream } from "node:stream/web";
import { createGunzip, createInflate } from "node:zlib";
import { type HttpLibrary, Observable, type RequestContext, ResponseContext } from "@kubernetes/client-node";
import { type Dispatcher, request } from "undici";

export const undiciHttpLibrary: HttpLibrary = {
  send: (context) => new Observable(send(context)),
};

async function send(context: RequestContext): Promise<ResponseContext> {
  const response = await request(context.getUrl(), {
    method: context.getHttpMethod() as Dispatcher.HttpMethod,
    headers: { "accept-encoding": "gzip, deflate", ...context.getHeaders() },
    body: context.getBody() as string | Buffer | undefined,
    signal: context.getSignal(),
    dispatcher: context.getDispatcher() as Dispatcher | undefined,
  });
  const headers = headersOf(response.headers);
  const decoder = decoderFor(headers["content-encoding"]);
  const raw = response.body;
  // pipeline: an error on either side (a reset connection, a corrupt stream) reaches the reader.
  const body = decoder ? pipeline(raw, decoder, () => undefined) : raw;
  // An answer as sent (the simulator's, and most small ones) is read by undici's own readers.
  return new ResponseContext(response.statusCode, headers, {
    text: () => (decoder ? text(body) : raw.text()),
    binary: async () => Buffer.from(await (decoder ? arrayBuffer(body) : raw.arrayBuffer())),
    stream: () => Readable.toWeb(body) as ReadableStream<Uint8Array>,
  });
}

/** The decoder of a content coding it asked for; none for an answer as sent. */
function decoderFor(encoding: string | undefined): Transform | undefined {
  const coding = encoding?.trim().toLowerCase();
  if (coding === "gzip" || coding === "x-gzip") return createGunzip();
  return coding === "deflate" ? createInflate() : undefined;
}

/** Names in lower case and repeated values joined, as fetch's Headers give them. */
function headersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return joined;
}
