// client-node's HTTP library on undici's request API rather than its fetch: the same connection pool (the
// request's dispatcher, see kube-connection.ts) and the same abort signal, without fetch's WHATWG
// Request, Response, Headers and stream objects, which took most of the client's own time per call in
// profiles of the fleet scan and of a drain. Redirects are not followed: API servers answer in place.

import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { type HttpLibrary, Observable, type RequestContext, ResponseContext } from "@kubernetes/client-node";
import { type Dispatcher, request } from "undici";

export const undiciHttpLibrary: HttpLibrary = {
  send: (context) => new Observable(send(context)),
};

async function send(context: RequestContext): Promise<ResponseContext> {
  const response = await request(context.getUrl(), {
    method: context.getHttpMethod() as Dispatcher.HttpMethod,
    headers: context.getHeaders(),
    body: context.getBody() as string | Buffer | undefined,
    signal: context.getSignal(),
    dispatcher: context.getDispatcher() as Dispatcher | undefined,
  });
  const { body } = response;
  return new ResponseContext(response.statusCode, headersOf(response.headers), {
    text: () => body.text(),
    binary: async () => Buffer.from(await body.arrayBuffer()),
    stream: () => Readable.toWeb(body) as ReadableStream<Uint8Array>,
  });
}

/** Names in lower case and repeated values joined, as fetch's Headers give them. */
function headersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) joined[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return joined;
}
