// The product's connections to an API server: client-node alone opens a TLS connection for every call;
// through the product's connectors the calls to one cluster share a keep-alive pool, kept across a new
// bearer token and replaced when the cluster's TLS material changes; calls in flight together share one
// HTTP/2 connection. Counted by the simulator's API server, which sees every TLS handshake. A
// connection that goes silent (before an answer or in the middle of one) is left after one call times
// out on it, and a cluster seen with two TLS identities (a CA rotated while operations hold their old
// config) keeps a pool for each.

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { startHttp2Server } from "../../local/sim/http/https-server.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { ensureCertificates } from "../../local/sim/tls/certificates.ts";
import {
  ClusterConnectionPools,
  clusterTarget,
  KubeconfigDirectory,
} from "../../shared/kube/kube-connection.ts";
import { type KubeRequestOptions, read, write } from "../../shared/kube/kube-requests.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const CLUSTER = "aks-prod-weu";
const CALLS = 20;
const NODE = { metadata: { name: "aks-system-0" } };

let sim: Simulator;
let clusterId: string;

beforeAll(async () => {
  sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual", serviceBus: false });
  clusterId = sim.clusters.find((c) => c.name === CLUSTER)?.id as string;
});
afterAll(() => sim.close());

/** Lists the cluster's nodes `times` times, one call after another, each with a freshly read config. */
async function listNodes(config: () => Promise<k8s.KubeConfig>, times: number): Promise<number> {
  const before = sim.secureConnections(CLUSTER);
  for (let i = 0; i < times; i++) {
    const nodes = await (await config()).makeApiClient(k8s.CoreV1Api).listNode();
    expect(nodes.items.length).toBeGreaterThan(0);
  }
  return sim.secureConnections(CLUSTER) - before;
}

/** Rewrites the cluster's kubeconfig in place. */
function editKubeconfig(edit: (config: KubeconfigYaml) => void): void {
  const path = sim.kubeconfigPath(CLUSTER);
  const config = parse(readFileSync(path, "utf8")) as KubeconfigYaml;
  edit(config);
  writeFileSync(path, stringify(config), { mode: 0o600 });
}

/** Requests on real time with a short timeout: a silent connection is what is being tested. */
const QUICK: KubeRequestOptions = {
  pageSize: 500,
  attempts: 2,
  initialDelayMs: 100,
  maxDelayMs: 100,
  requestTimeoutMs: 1_000,
  clock: { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
};

/** A TCP proxy to `upstream` whose open connections can be made silent: nothing forwarded, nothing closed. */
async function silenceableProxy(upstream: URL) {
  const open: [net.Socket, net.Socket][] = [];
  const server = net.createServer((client) => {
    const server = net.connect(Number(upstream.port), upstream.hostname);
    client.pipe(server).pipe(client);
    for (const socket of [client, server]) socket.on("error", () => undefined);
    open.push([client, server]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    silence() {
      for (const [client, server] of open.splice(0)) {
        client.unpipe(server);
        server.unpipe(client);
        client.pause();
        server.pause();
      }
    },
    close: () => {
      for (const sockets of open) for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

interface KubeconfigYaml {
  clusters: { cluster: { server: string; "certificate-authority-data": string } }[];
  users: { user: { token: string } }[];
}

describe("connections to a cluster's API server", () => {
  it("client-node alone opens a TLS connection for every call", async () => {
    const handshakes = await listNodes(async () => {
      const config = new k8s.KubeConfig();
      config.loadFromFile(sim.kubeconfigPath(CLUSTER));
      return config;
    }, CALLS);
    expect(handshakes).toBe(CALLS);
  });

  it("the product's calls to one cluster share one keep-alive connection", async () => {
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(CLUSTER)));
    try {
      expect(await listNodes(() => connector.kubeConfig(clusterTarget(clusterId)), CALLS)).toBe(1);
    } finally {
      await connector.close();
    }
  });

  it("the product's calls in parallel share one HTTP/2 connection, as AKS API servers speak it", async () => {
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(CLUSTER)));
    try {
      const before = sim.secureConnections(CLUSTER);
      const lists = Array.from({ length: 3 }, async () =>
        (await connector.kubeConfig(clusterTarget(clusterId))).makeApiClient(k8s.CoreV1Api).listNode(),
      );
      for (const nodes of await Promise.all(lists)) expect(nodes.items.length).toBeGreaterThan(0);
      expect(sim.secureConnections(CLUSTER) - before).toBe(1);
    } finally {
      await connector.close();
    }
  });

  it("a client without HTTP/2 is answered over HTTP/1.1", async () => {
    const config = parse(readFileSync(sim.kubeconfigPath(CLUSTER), "utf8")) as KubeconfigYaml;
    const cluster = (config.clusters[0] as KubeconfigYaml["clusters"][0]).cluster;
    const answer = await new Promise<{ status?: number; version: string; body: string }>(
      (resolve, reject) => {
        const request = https.get(
          `${cluster.server}/api/v1/nodes`,
          {
            ca: Buffer.from(cluster["certificate-authority-data"], "base64"),
            headers: {
              Authorization: `Bearer ${(config.users[0] as KubeconfigYaml["users"][0]).user.token}`,
            },
          },
          (response) => {
            let body = "";
            response.on("data", (chunk) => {
              body += chunk;
            });
            response.on("end", () =>
              resolve({ status: response.statusCode, version: response.httpVersion, body }),
            );
          },
        );
        request.on("error", reject);
      },
    );
    expect(answer).toMatchObject({ status: 200, version: "1.1" });
    expect(JSON.parse(answer.body).items.length).toBeGreaterThan(0);
  });

  it("keeps the connection across a new token and opens a new one when the CA changes", async () => {
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(CLUSTER)));
    const original = readFileSync(sim.kubeconfigPath(CLUSTER), "utf8");
    const config = () => connector.kubeConfig(clusterTarget(clusterId));
    try {
      expect(await listNodes(config, 3)).toBe(1);
      editKubeconfig((c) => {
        (c.users[0] as KubeconfigYaml["users"][0]).user.token = "a-rotated-token";
      });
      expect(await listNodes(config, 3)).toBe(0);
      expect(sim.presentedCredentials().some((c) => c.credential === "a-rotated-token")).toBe(true);
      // The same CA in other bytes (a trailing newline) stands for a rotated one, still trusted here.
      editKubeconfig((c) => {
        const cluster = (c.clusters[0] as KubeconfigYaml["clusters"][0]).cluster;
        const pem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
        cluster["certificate-authority-data"] = Buffer.from(`${pem}\n`).toString("base64");
      });
      expect(await listNodes(config, 3)).toBe(1);
    } finally {
      writeFileSync(sim.kubeconfigPath(CLUSTER), original, { mode: 0o600 });
      await connector.close();
    }
  });

  it("leaves a connection that went silent after one call times out on it", async () => {
    const config = parse(readFileSync(sim.kubeconfigPath(CLUSTER), "utf8")) as KubeconfigYaml;
    const cluster = (config.clusters[0] as KubeconfigYaml["clusters"][0]).cluster;
    const proxy = await silenceableProxy(new URL(cluster.server));
    cluster.server = proxy.url;
    const directory = mkdtempSync(join(tmpdir(), "silent-connection-"));
    writeFileSync(join(directory, `${CLUSTER}.yaml`), stringify(config), { mode: 0o600 });
    const connector = new KubeconfigDirectory(directory);
    const listNodes = async () => {
      const core = (await connector.kubeConfig(clusterTarget(clusterId))).makeApiClient(k8s.CoreV1Api);
      return read("nodes", (call) => core.listNode({}, call), QUICK);
    };
    try {
      expect((await listNodes()).items.length).toBeGreaterThan(0);
      // A flow dropped by a NAT or a load balancer: no reset, no close, the API server still reachable.
      proxy.silence();
      const before = sim.secureConnections(CLUSTER);
      expect((await listNodes()).items.length).toBeGreaterThan(0);
      expect(sim.secureConnections(CLUSTER) - before).toBe(1);
    } finally {
      await connector.close();
      proxy.close();
    }
  });

  it("leaves a connection that went silent in the middle of an answer after one call times out on it", async () => {
    const tls = await ensureCertificates(mkdtempSync(join(tmpdir(), "stalled-body-")));
    // An API server whose connection goes silent after the headers and part of the next answer: nothing
    // more comes on it, as when a NAT drops the flow mid-body. A new connection is answered.
    const silent = new WeakSet<http2.Http2Session>();
    let silenceNextBody = false;
    const server = await startHttp2Server(tls, (req, res) => {
      const session = (req as unknown as http2.Http2ServerRequest).stream.session;
      if (!session || silent.has(session)) return;
      const body = JSON.stringify({ apiVersion: "v1", kind: "NodeList", metadata: {}, items: [NODE] });
      res.writeHead(200, { "content-type": "application/json", "content-length": String(body.length) });
      if (silenceNextBody) {
        silenceNextBody = false;
        silent.add(session);
        res.write(body.slice(0, body.length / 2));
      } else res.end(body);
    });
    const pools = new ClusterConnectionPools();
    const config = pools.kubeConfig(clusterId);
    config.loadFromOptions({
      clusters: [{ name: CLUSTER, server: server.url, caData: Buffer.from(tls.caPem).toString("base64") }],
      users: [{ name: "user", token: "a-token" }],
      contexts: [{ name: CLUSTER, cluster: CLUSTER, user: "user" }],
      currentContext: CLUSTER,
    });
    const core = config.makeApiClient(k8s.CoreV1Api);
    const listNodes = () => read("nodes", (call) => core.listNode({}, call), QUICK);
    try {
      expect((await listNodes()).items).toHaveLength(1);
      silenceNextBody = true;
      // The first attempt times out mid-body; its retry goes on a new connection.
      expect((await listNodes()).items).toHaveLength(1);
      expect(server.secureConnections).toBe(2);
    } finally {
      await pools.close();
      await server.close();
    }
  });

  it("keeps a pool for each of two TLS identities of one cluster, and no write is refused unsent", async () => {
    const yaml = parse(readFileSync(sim.kubeconfigPath(CLUSTER), "utf8")) as KubeconfigYaml;
    const pools = new ClusterConnectionPools();
    const begunBefore = pools.kubeConfig(clusterId);
    begunBefore.loadFromString(stringify(yaml));
    // The same API server under another TLS identity, as after a CA rotation.
    const cluster = (yaml.clusters[0] as KubeconfigYaml["clusters"][0]).cluster;
    const pem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
    cluster["certificate-authority-data"] = Buffer.from(`${pem}\n`).toString("base64");
    const begunAfter = pools.kubeConfig(clusterId);
    begunAfter.loadFromString(stringify(yaml));
    const before = sim.secureConnections(CLUSTER);
    const outcomes: string[] = [];
    try {
      for (let round = 0; round < 10; round++) {
        const writes = [begunBefore, begunAfter, begunBefore, begunAfter].map((config) =>
          write("a write", (call) => config.makeApiClient(k8s.CoreV1Api).listNode({}, call), QUICK).then(
            () => "sent",
            (error: Error) => error.message,
          ),
        );
        outcomes.push(...(await Promise.all(writes)));
      }
    } finally {
      await pools.close();
    }
    expect(outcomes).toEqual(Array(40).fill("sent"));
    expect(sim.secureConnections(CLUSTER) - before).toBe(2);
  });

  it("a third TLS identity closes the pool least recently used, not the one in use", async () => {
    const pools = new ClusterConnectionPools();
    // The same API server under three TLS identities: its CA in three spellings.
    const identity = (newlines: number) => {
      const yaml = parse(readFileSync(sim.kubeconfigPath(CLUSTER), "utf8")) as KubeconfigYaml;
      const cluster = (yaml.clusters[0] as KubeconfigYaml["clusters"][0]).cluster;
      const pem = Buffer.from(cluster["certificate-authority-data"], "base64").toString("utf8");
      cluster["certificate-authority-data"] = Buffer.from(pem + "\n".repeat(newlines)).toString("base64");
      const config = pools.kubeConfig(clusterId);
      config.loadFromString(stringify(yaml));
      return async () => config;
    };
    const [first, second, third] = [identity(0), identity(1), identity(2)];
    try {
      expect(await listNodes(first, 1)).toBe(1);
      expect(await listNodes(second, 1)).toBe(1);
      expect(await listNodes(first, 1)).toBe(0);
      expect(await listNodes(third, 1)).toBe(1);
      // The first was used after the second: the second's pool went.
      expect(await listNodes(first, 1)).toBe(0);
      expect(await listNodes(second, 1)).toBe(1);
    } finally {
      await pools.close();
    }
  });
});
