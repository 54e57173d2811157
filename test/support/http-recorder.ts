// A local HTTP server on port 0 that records what it is sent and answers as the test says.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface Recorder {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** How the next requests are answered; `nth` counts from 1 over the server's life. */
  answer: (nth: number) => Answer;
}

export async function startRecorder(
  answer: (nth: number) => Answer = () => ({ status: 200 }),
): Promise<Recorder> {
  const recorder: Recorder = { url: "", requests: [], answer };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      recorder.requests.push({
        method: request.method ?? "",
        path: request.url ?? "",
        headers: request.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      const { status, body, headers } = recorder.answer(recorder.requests.length);
      response.writeHead(status, headers).end(body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  // Signed as Teams and Logic Apps sign theirs: the signature is a secret the product must not repeat.
  (recorder as { url: string }).url =
    `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?sig=${randomBytes(24).toString("base64url")}`;
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return recorder;
}
