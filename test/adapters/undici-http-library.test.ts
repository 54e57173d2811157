// The product's Kubernetes calls (kube-requests.ts, through undiciHttpLibrary) against a plain HTTP
// server that answers as kube-apiserver may: gzip when asked, deflate, plain, and a redirect.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { deflateSync, gzipSync } from "node:zlib";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_KUBE_REQUEST_OPTIONS,
  type KubeRequestOptions,
  read,
} from "../../shared/kube/kube-requests.ts";

const NODES = {
  kind: "NodeList",
  apiVersion: "v1",
  metadata: {},
  items: [{ metadata: { name: "aks-apps-0" } }],
};
const options: KubeRequestOptions = {
  ...DEFAULT_KUBE_REQUEST_OPTIONS,
  attempts: 1,
  clock: { now: () => 0, sleep: async () => undefined },
};

let server: Server;
let asked: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    asked.push(request.headers);
    const body = JSON.stringify(NODES);
    if (request.url?.startsWith("/moved")) response.writeHead(307, { location: "/api/v1/nodes" }).end();
    else if (request.url?.startsWith("/deflate"))
      response
        .writeHead(200, { "content-type": "application/json", "content-encoding": "deflate" })
        .end(deflateSync(body));
    else if (request.url?.startsWith("/plain"))
      response.writeHead(200, { "content-type": "application/json" }).end(body);
    else
      response
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(gzipSync(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function core(prefix = ""): CoreV1Api {
  const { port } = server.address() as AddressInfo;
  const config = new KubeConfig();
  config.loadFromOptions({
    // Plain HTTP: client-node allows it only with skipTLSVerify.
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}${prefix}`, skipTLSVerify: true }],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return config.makeApiClient(CoreV1Api);
}

const listNodes = (prefix?: string) =>
  read("listing nodes", (call) => core(prefix).listNode({}, call), options);

describe("Kubernetes calls through undici's request", () => {
  it("ask for gzip or deflate, as fetch did, and read a gzipped list", async () => {
    asked = [];
    const nodes = await listNodes();
    expect(asked[0]?.["accept-encoding"]).toBe("gzip, deflate");
    expect(nodes.items.map((node) => node.metadata?.name)).toEqual(["aks-apps-0"]);
  });

  it("read a deflated list and a plain one", async () => {
    for (const prefix of ["/deflate", "/plain"]) {
      const nodes = await listNodes(prefix);
      expect(nodes.items.map((node) => node.metadata?.name)).toEqual(["aks-apps-0"]);
    }
  });

  it("follow no redirect: a 3xx fails the call with its status, not retried", async () => {
    asked = [];
    await expect(listNodes("/moved")).rejects.toMatchObject({ name: "KubeRequestError", code: 307 });
    expect(asked).toHaveLength(1);
  });
});
