import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { MAX_BODY_BYTES, MAX_URL_BYTES } from "../../local/host/http-server.ts";

const WEBHOOKS = "/runtime/webhooks/durabletask";
let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ app: "test/host-app/index.ts", port: 0, clock: "virtual", logLevel: "none" });
});

afterAll(async () => {
  await host?.stop();
});

/** Sends raw bytes and returns the status line, headers and body the host answers with. */
async function raw(bytes: string): Promise<{ status: number; head: string; body: unknown }> {
  const socket = connect(host.port, "127.0.0.1");
  socket.write(bytes);
  let text = "";
  for await (const chunk of socket) {
    text += String(chunk);
    const end = text.indexOf("\r\n\r\n");
    const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? Number.NaN);
    if (end >= 0 && Buffer.byteLength(text.slice(end + 4)) >= length) break;
  }
  socket.destroy();
  const [head = "", body = ""] = text.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), head, body: JSON.parse(body) };
}

function errorOf(status: number, reason: string | RegExp) {
  return { error: { status, reason: typeof reason === "string" ? reason : expect.stringMatching(reason) } };
}

const TOO_LARGE = errorOf(
  413,
  `The request body is larger than ${MAX_BODY_BYTES} bytes (100 MB), the limit in Azure Functions.`,
);

describe("Azure's request limits", () => {
  it("refuses a body declared over 100 MB with 413 before reading any of it", async () => {
    const answer = await raw(
      `POST /api/echo/big HTTP/1.1\r\nhost: x\r\ncontent-length: ${MAX_BODY_BYTES + 1}\r\n\r\n`,
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual(TOO_LARGE);
  });

  it("refuses a streamed body with 413 once it passes 100 MB, without waiting for its end", async () => {
    const chunk = Buffer.alloc(1 << 20, 0x61);
    let sent = 0;
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const request = httpRequest({
        host: "127.0.0.1",
        port: host.port,
        method: "POST",
        path: "/api/echo/big",
      });
      let answered = false;
      request.on("response", (response) => {
        answered = true;
        let text = "";
        response.on("data", (data) => {
          text += String(data);
        });
        response.on("end", () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) });
        });
      });
      request.on("error", (error) => {
        if (!answered) reject(error);
      });
      // Chunked, with no declared length, and never ended: only the host's count can stop it.
      const pump = () => {
        while (!answered) {
          sent += chunk.length;
          if (!request.write(chunk)) {
            request.once("drain", pump);
            return;
          }
        }
      };
      pump();
    });
    expect(answer).toEqual({ status: 413, body: TOO_LARGE });
    expect(sent).toBeGreaterThanOrEqual(MAX_BODY_BYTES - chunk.length);
    expect((await fetch(`${host.origin}/api/teapot`)).status).toBe(418);
  });

  it("refuses a URL over 4,096 bytes with 414 and serves one of exactly 4,096", async () => {
    const path = "/api/echo/long?pad=";
    const longest = `${path}${"a".repeat(MAX_URL_BYTES - path.length)}`;
    expect((await fetch(`${host.origin}${longest}`)).status).toBe(200);
    const tooLong = await fetch(`${host.origin}${longest}a`);
    expect(tooLong.status).toBe(414);
    expect(await tooLong.json()).toEqual(
      errorOf(414, `The URL is longer than ${MAX_URL_BYTES} bytes, the limit in Azure Functions.`),
    );
  });

  it("answers a request head too large for it with 431 in the error shape", async () => {
    const answer = await raw(
      `GET /api/teapot HTTP/1.1\r\nhost: x\r\nx-padding: ${"p".repeat(40_000)}\r\n\r\n`,
    );
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual(errorOf(431, /larger than 32768 bytes/));
  });
});

describe("requests the host refuses itself", () => {
  it("answers malformed percent-encoding with 400, for app routes and the Durable API alike", async () => {
    for (const path of ["/api/echo/%ZZ", `${WEBHOOKS}/instances/%E2%82?code=${host.keys.durableSystem}`]) {
      const response = await fetch(`${host.origin}${path}`);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toEqual(errorOf(400, /has malformed percent-encoding\.$/));
    }
  });

  it("answers a method the Durable API does not serve at a path with 405 and Allow", async () => {
    const key = `code=${host.keys.durableSystem}`;
    const cases = [
      { path: `${WEBHOOKS}/instances/someone?${key}`, method: "PUT", allow: "GET, DELETE" },
      { path: `${WEBHOOKS}/instances?${key}`, method: "POST", allow: "GET, DELETE" },
      { path: `${WEBHOOKS}/orchestrators/sequence?${key}`, method: "GET", allow: "POST" },
      { path: `${WEBHOOKS}/instances/someone/terminate?${key}`, method: "GET", allow: "POST" },
    ];
    for (const { path, method, allow } of cases) {
      const response = await fetch(`${host.origin}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
      expect(await response.json()).toEqual(
        errorOf(
          405,
          `${new URL(path, host.origin).pathname} does not accept ${method}; it accepts ${allow}.`,
        ),
      );
    }
  });

  it("answers a continuation token it did not issue with 400", async () => {
    const forged = [
      Buffer.from("{}").toString("base64url"),
      "not base64 json",
      Buffer.from("[1]").toString("base64url"),
    ];
    for (const token of forged) {
      const response = await fetch(`${host.origin}${WEBHOOKS}/instances?code=${host.keys.durableSystem}`, {
        headers: { "x-ms-continuation-token": token },
      });
      expect(response.status, token).toBe(400);
      expect(await response.json()).toEqual(
        errorOf(400, "The x-ms-continuation-token header is not one this host issued."),
      );
    }
  });
});

describe("the URLs the host generates", () => {
  /** A request with a Host header of the caller's choosing. */
  function withHost(method: string, path: string, hostHeader: string) {
    return new Promise<{ headers: Record<string, unknown>; body: Record<string, unknown> }>(
      (resolve, reject) => {
        const request = httpRequest(
          { host: "127.0.0.1", port: host.port, method, path, headers: { host: hostHeader } },
          (response) => {
            let text = "";
            response.on("data", (data) => {
              text += String(data);
            });
            response.on("end", () => resolve({ headers: response.headers, body: JSON.parse(text) }));
          },
        );
        request.on("error", reject);
        request.end();
      },
    );
  }

  it("use the host's own origin, never a forged Host header", async () => {
    const started = await withHost("POST", "/api/start/steps", "attacker.example");
    const links = started.body as Record<string, string>;
    expect(started.headers.location).toBe(links.statusQueryGetUri);
    for (const [name, url] of Object.entries(links)) {
      if (name !== "id") expect(new URL(url).origin, name).toBe(host.origin);
    }
    const status = await withHost(
      "GET",
      `${WEBHOOKS}/instances/${encodeURIComponent(links.id as string)}?code=${host.keys.durableSystem}`,
      "attacker.example",
    );
    expect(new URL(status.headers.location as string).origin).toBe(host.origin);
    const echoed = await withHost("GET", "/api/echo/where", "attacker.example");
    expect(echoed.body.url).toBe(`${host.origin}/api/echo/where`);
    await host.getClient().terminate(links.id as string, "done");
  });

  it("ignore the host named in an absolute-form request target too", async () => {
    const answer = await raw(
      "GET http://attacker.example/api/echo/where HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n",
    );
    expect((answer.body as { url: string }).url).toBe(`${host.origin}/api/echo/where`);
  });

  it("use WEBSITE_HOSTNAME when it is set, as in Azure", async () => {
    const named = await startHost({
      app: "test/host-app/index.ts",
      port: 0,
      clock: "virtual",
      logLevel: "none",
      settings: { WEBSITE_HOSTNAME: "functions.example:8443" },
    });
    try {
      const echoed = (await (await fetch(`${named.origin}/api/echo/where`)).json()) as { url: string };
      expect(echoed.url).toBe("http://functions.example:8443/api/echo/where");
      // The links a starter returns name the public host; the app's own client stays on loopback, so its
      // calls (and the system key they carry) never leave the machine.
      const started = await fetch(`${named.origin}/api/start/steps`, {
        method: "POST",
        headers: { "x-functions-key": named.keys.functionDefault },
      });
      const links = (await started.json()) as Record<string, string>;
      expect(new URL(links.statusQueryGetUri as string).origin).toBe("http://functions.example:8443");
      expect(started.headers.get("location")).toBe(links.statusQueryGetUri);
      expect(named.clientData.baseUrl).toBe(`${named.origin}${WEBHOOKS}`);
      await named.getClient().terminate(links.id as string, "done");
    } finally {
      await named.stop();
      delete process.env.WEBSITE_HOSTNAME;
    }
  });
});
