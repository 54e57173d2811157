// The Kubernetes side of the dependency scan through the real @kubernetes/client-node against the
// simulator's API servers: both ways of connecting (the simulator's kubeconfigs; ARM's user credential
// with an Entra token for AKS), lists paged with limit/continue, API errors retried or reported.

import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHeld } from "../../local/clock.ts";
import type { Resource } from "../../local/sim/model/kube-types.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { ensureCertificates } from "../../local/sim/tls/certificates.ts";
import type { ClusterFacts } from "../../shared/domain/workloads/cluster-facts.ts";
import { gatherClusterFacts } from "../../shared/kube/cluster-facts.ts";
import { CoreV1ApiJsonLists } from "../../shared/kube/json-lists.ts";
import {
  AKS_TOKEN_SCOPE,
  CLUSTER_ENDPOINT_TTL_MS,
  clusterTarget,
  EntraKubeConnector,
  KubeconfigDirectory,
} from "../../shared/kube/kube-connection.ts";
import {
  DEFAULT_KUBE_REQUEST_OPTIONS,
  type KubeRequestOptions,
  listAll,
  read,
} from "../../shared/kube/kube-requests.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;

const FACT_RESOURCES: ReadonlyArray<[keyof ClusterFacts, Resource]> = [
  ["nodes", "nodes"],
  ["pods", "pods"],
  ["daemonSets", "daemonsets"],
  ["deployments", "deployments"],
  ["statefulSets", "statefulsets"],
  ["podDisruptionBudgets", "poddisruptionbudgets"],
  ["persistentVolumeClaims", "persistentvolumeclaims"],
  ["persistentVolumes", "persistentvolumes"],
  ["csiDrivers", "csidrivers"],
];

let sim: Simulator;
let options: KubeRequestOptions;

beforeAll(async () => {
  sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual", serviceBus: false });
  options = { ...DEFAULT_KUBE_REQUEST_OPTIONS, pageSize: 5, clock: sim.clock };
});
afterAll(() => sim.close());

function simCluster(name: string) {
  const cluster = sim.fleet.clusters.find((c) => c.name === name);
  if (!cluster) throw new Error(`no simulated cluster ${name}`);
  return cluster;
}

function counts(facts: ClusterFacts): Record<string, number> {
  return Object.fromEntries(FACT_RESOURCES.map(([field]) => [field, facts[field].length]));
}

describe("gathering a cluster's facts", () => {
  it("lists every kind the risk rules read, page by page, through the simulator's kubeconfig", async () => {
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath("aks-prod-weu")));
    const cluster = simCluster("aks-prod-weu");
    const facts = await gatherClusterFacts(await connector.kubeConfig(clusterTarget(cluster.id)), options);
    const expected = Object.fromEntries(
      FACT_RESOURCES.map(([field, resource]) => [field, cluster.store.count(resource)]),
    );
    expect(counts(facts)).toEqual(expected);
    // More pods than one page of five: the continue tokens were followed.
    expect(facts.pods.length).toBeGreaterThan(20);
    expect(new Set(facts.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).size).toBe(
      facts.pods.length,
    );
    // Pod and budget lists come as parsed JSON (json-lists.ts): timestamps as the API server wrote them.
    const [pod] = facts.pods;
    expect(typeof pod?.metadata?.creationTimestamp).toBe("string");
    expect(pod?.metadata?.creationTimestamp).toBe(
      cluster.store.get("pods", pod?.metadata?.namespace, pod?.metadata?.name ?? "")?.metadata
        .creationTimestamp,
    );
    expect(new Set(facts.podDisruptionBudgets.map((b) => typeof b.metadata?.creationTimestamp))).toEqual(
      new Set(["string"]),
    );
    expect(facts.statefulSets.map((s) => s.metadata?.name)).toEqual(["orders-db"]);
    expect(
      facts.nodes.filter((n) => n.metadata?.labels?.["kubernetes.azure.com/agentpool"] === "apps"),
    ).toHaveLength(6);
  });

  it("connects as in Azure: server and CA from ARM's user credential, an Entra token for AKS", async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      async getToken(scope: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
        scopes.push(...(Array.isArray(scope) ? scope : [scope]));
        return { token: "entra-token", expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const connector = new EntraKubeConnector({
      credential,
      arm: (subscriptionId) =>
        new ContainerServiceClient(credential, subscriptionId, sim.azureClientOptions()),
      clock: sim.clock,
    });
    const cluster = simCluster("aks-dev-weu");
    const config = await connector.kubeConfig(clusterTarget(cluster.id));
    expect(config.getCurrentCluster()?.server).toBe(
      sim.clusters.find((c) => c.name === "aks-dev-weu")?.apiServer,
    );
    expect(config.getCurrentUser()?.token).toBe("entra-token");
    expect(scopes).toContain(AKS_TOKEN_SCOPE);
    const facts = await gatherClusterFacts(config, options);
    expect(facts.nodes).toHaveLength(cluster.store.count("nodes"));
  });

  describe("the cluster's endpoint from ARM, in Azure", () => {
    /** A connector whose ARM client counts the user credential reads it sends; each token is new. */
    function entraConnector(
      hung: {
        reads?: number;
        tokens?: number;
        setupTimeoutMs?: number;
        caBefore?: { reads: number; pem: string };
      } = {},
    ) {
      let issued = 0;
      let hungTokens = hung.tokens ?? 0;
      const credential: TokenCredential = {
        getToken: async (_scope, options) => {
          if (hungTokens > 0 && hungTokens--) await abortedBy(options?.abortSignal);
          return { token: `entra-token-${++issued}`, expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      };
      const reads = { count: 0 };
      let hungReads = hung.reads ?? 0;
      const connector = new EntraKubeConnector({
        credential,
        arm: (subscriptionId) => {
          const client = new ContainerServiceClient(credential, subscriptionId, sim.azureClientOptions());
          client.pipeline.addPolicy({
            name: "count-credential-reads",
            sendRequest: async (request, next) => {
              if (!request.url.includes("/listClusterUserCredential")) return next(request);
              reads.count++;
              // A connection that never answers: only the request's own signal ends it.
              if (hungReads > 0 && hungReads--) await abortedBy(request.abortSignal);
              const response = await next(request);
              if (hung.caBefore && hung.caBefore.reads-- > 0)
                response.bodyAsText = withCa(response.bodyAsText, hung.caBefore.pem);
              return response;
            },
          });
          return client;
        },
        clock: sim.clock,
        ...(hung.setupTimeoutMs !== undefined && { setupTimeoutMs: hung.setupTimeoutMs }),
      });
      return { connector, reads };
    }

    /** A user credential answer whose kubeconfig names another CA: the one before a rotation. */
    function withCa(body: string | null | undefined, pem: string): string {
      const answer = JSON.parse(body ?? "{}") as { kubeconfigs: { value: string }[] };
      for (const kubeconfig of answer.kubeconfigs) {
        const yaml = Buffer.from(kubeconfig.value, "base64").toString("utf8");
        const rotated = yaml.replace(
          /certificate-authority-data: \S+/,
          `certificate-authority-data: ${Buffer.from(pem).toString("base64")}`,
        );
        kubeconfig.value = Buffer.from(rotated).toString("base64");
      }
      return JSON.stringify(answer);
    }

    /** Never settles unless the signal aborts, then rejects with its reason. */
    function abortedBy(
      signal: { reason?: unknown; addEventListener(type: "abort", listener: () => void): void } | undefined,
    ): Promise<never> {
      return new Promise((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason)));
    }

    it("gives up on a read or a token that never comes, and asks again on the next call", async () => {
      const { connector, reads } = entraConnector({ reads: 1, tokens: 1, setupTimeoutMs: 200 });
      const cluster = simCluster("aks-test-neu");
      const target = clusterTarget(cluster.id);
      await expect(connector.kubeConfig(target)).rejects.toMatchObject({ name: "TimeoutError" });
      // The read answers now; the token request hangs until its own timeout.
      await expect(connector.kubeConfig(target)).rejects.toMatchObject({ name: "TimeoutError" });
      const config = await connector.kubeConfig(target);
      expect(config.getCurrentCluster()?.server).toBe(
        sim.clusters.find((c) => c.name === cluster.name)?.apiServer,
      );
      expect(reads.count).toBe(2);
    });

    it("is read once for many calls, at once or one after another, each with the current token", async () => {
      const { connector, reads } = entraConnector();
      const cluster = simCluster("aks-dev-weu");
      const apiServer = sim.clusters.find((c) => c.name === cluster.name)?.apiServer;
      const target = clusterTarget(cluster.id);
      const together = await Promise.all([1, 2, 3].map(() => connector.kubeConfig(target)));
      const tokens = new Set<string | undefined>();
      for (const config of [
        ...together,
        await connector.kubeConfig(target),
        await connector.kubeConfig(target),
      ]) {
        expect(config.getCurrentCluster()?.server).toBe(apiServer);
        tokens.add(config.getCurrentUser()?.token);
      }
      expect(reads.count).toBe(1);
      expect(tokens.size).toBe(5);
      const facts = await gatherClusterFacts(await connector.kubeConfig(target), options);
      expect(facts.nodes).toHaveLength(cluster.store.count("nodes"));
    });

    it("presents the token current at each request, so a config held through a long scan never outlives its token", async () => {
      const { connector } = entraConnector();
      const cluster = simCluster("aks-test-neu");
      const config = await connector.kubeConfig(clusterTarget(cluster.id));
      const loaded = config.getCurrentUser()?.token;
      const core = config.makeApiClient(CoreV1Api);
      const presented = () =>
        sim
          .presentedCredentials()
          .filter((seen) => seen.service === `kube:${cluster.name}`)
          .map((seen) => seen.credential);
      const before = presented();
      for (let call = 0; call < 3; call++) await core.listNode();
      const fresh = presented().filter((token) => !before.includes(token));
      expect(fresh).toHaveLength(3);
      expect(fresh).not.toContain(loaded);
    });

    it("is read again at once when the API server refuses its CA, as after a rotation; the refusal is not retried", async () => {
      const before = await ensureCertificates(await mkdtemp(join(tmpdir(), "rotated-ca-")));
      const { connector, reads } = entraConnector({ caBefore: { reads: 1, pem: before.caPem } });
      const cluster = simCluster("aks-test-neu");
      const target = clusterTarget(cluster.id);
      const listNodes = async () => {
        const core = (await connector.kubeConfig(target)).makeApiClient(CoreV1Api);
        return read("listing nodes", (call) => core.listNode({}, call), options);
      };
      await expect(listNodes()).rejects.toThrow(
        "listing nodes failed: unable to verify the first certificate",
      );
      expect((await listNodes()).items).toHaveLength(cluster.store.count("nodes"));
      expect(reads.count).toBe(2);
    });

    it("is read again once CLUSTER_ENDPOINT_TTL_MS has passed", async () => {
      const { connector, reads } = entraConnector();
      const target = clusterTarget(simCluster("aks-dev-weu").id);
      // Held, so virtual time moves only in these sleeps, never during ARM's answer.
      await runHeld(sim.clock, async () => {
        await connector.kubeConfig(target);
        await sim.clock.sleep(CLUSTER_ENDPOINT_TTL_MS - 1_000);
        await connector.kubeConfig(target);
        expect(reads.count).toBe(1);
        await sim.clock.sleep(1_000);
        await connector.kubeConfig(target);
      });
      expect(reads.count).toBe(2);
    });

    it("is not kept when ARM refuses the read: the next call asks again", async () => {
      const { connector, reads } = entraConnector();
      const cluster = simCluster("aks-test-neu");
      sim.fleet.faults.add({
        kind: "arm-error",
        status: 403,
        pathContains: `/managedClusters/${cluster.name}/listClusterUserCredential`,
        times: 1,
      });
      await expect(connector.kubeConfig(clusterTarget(cluster.id))).rejects.toMatchObject({
        statusCode: 403,
      });
      const config = await connector.kubeConfig(clusterTarget(cluster.id));
      expect(config.getCurrentCluster()?.server).toBe(
        sim.clusters.find((c) => c.name === cluster.name)?.apiServer,
      );
      expect(reads.count).toBe(2);
    });
  });

  it("lists again from the start when a continue token expired between pages (410)", async () => {
    const cluster = simCluster("aks-prod-weu");
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(cluster.name)));
    const core = (await connector.kubeConfig(clusterTarget(cluster.id))).makeApiClient(CoreV1ApiJsonLists);
    let starts = 0;
    const pods = await runHeld(sim.clock, () =>
      listAll(
        "pods",
        async (page, call) => {
          if (page._continue === undefined) starts++;
          else if (starts === 1) {
            // A write supersedes the list's revision; five minutes on, its continue tokens are too old.
            const node = cluster.store.list("nodes")[0]?.metadata.name as string;
            await core.patchNode(
              { name: node, body: { metadata: { labels: { "test/touched": "yes" } } } },
              setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
            );
            await sim.clock.sleep(6 * 60_000);
          }
          return core.listPodForAllNamespaces(page, call);
        },
        options,
      ),
    );
    expect(starts).toBe(2);
    const names = pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toHaveLength(cluster.store.count("pods"));
  });

  it("retries an API server error and succeeds when it passes", async () => {
    const cluster = simCluster("aks-test-neu");
    sim.fleet.faults.add({ kind: "kube-error", cluster: cluster.name, pathContains: "/pods", times: 2 });
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(cluster.name)));
    const before = sim.clock.now();
    const facts = await gatherClusterFacts(await connector.kubeConfig(clusterTarget(cluster.id)), options);
    expect(facts.pods).toHaveLength(cluster.store.count("pods"));
    // Backoff of 1 s then 2 s, in virtual time.
    expect(sim.clock.now() - before).toBeGreaterThanOrEqual(3_000);
  });

  it("reports which list failed and what the API server said once retries run out", async () => {
    const cluster = simCluster("aks-test-neu");
    const fault = sim.fleet.faults.add({
      kind: "kube-error",
      cluster: cluster.name,
      pathContains: "/daemonsets",
    });
    try {
      const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(cluster.name)));
      const config = await connector.kubeConfig(clusterTarget(cluster.id));
      await expect(gatherClusterFacts(config, options)).rejects.toThrow(
        "listing daemonsets failed after 4 attempts: 500 Internal error occurred: injected by the simulator's kube-error fault",
      );
    } finally {
      sim.fleet.faults.remove(fault.id);
    }
  });

  describe("an API server that does not answer", () => {
    // As in the host: the activity holds the virtual clock, so the simulator's hanging request does not
    // end on its own (its 504 waits for virtual time); only the request timeout frees the scan.
    const timed = () => ({ ...options, requestTimeoutMs: 300 });
    const configOf = async (name: string) =>
      new KubeconfigDirectory(dirname(sim.kubeconfigPath(name))).kubeConfig(
        clusterTarget(simCluster(name).id),
      );

    it("abandons a request after the request timeout and lists again", { timeout: 15_000 }, async () => {
      const cluster = simCluster("aks-dev-weu");
      const fault = sim.fleet.faults.add({
        kind: "kube-timeout",
        cluster: cluster.name,
        pathContains: "/daemonsets",
        delaySeconds: 3_600,
        times: 1,
      });
      const config = await configOf(cluster.name);
      const facts = await runHeld(sim.clock, () => gatherClusterFacts(config, timed()));
      expect(sim.fleet.faults.list().some((f) => f.id === fault.id)).toBe(false);
      expect(facts.daemonSets).toHaveLength(cluster.store.count("daemonsets"));
    });

    it("fails the cluster's scan, naming the list, once every attempt timed out", {
      timeout: 15_000,
    }, async () => {
      const fault = sim.fleet.faults.add({
        kind: "kube-timeout",
        cluster: "aks-dev-weu",
        pathContains: "/csidrivers",
        delaySeconds: 3_600,
      });
      try {
        const config = await configOf("aks-dev-weu");
        await expect(runHeld(sim.clock, () => gatherClusterFacts(config, timed()))).rejects.toThrow(
          "listing csidrivers failed after 4 attempts: no answer within 0.3 s",
        );
      } finally {
        sim.fleet.faults.remove(fault.id);
      }
    });
  });

  it("parses a kubeconfig again only when its file changed", async () => {
    const directory = await mkdtemp(join(tmpdir(), "kubeconfigs-"));
    try {
      const cluster = simCluster("aks-dev-weu");
      const path = join(directory, `${cluster.name}.yaml`);
      await copyFile(sim.kubeconfigPath(cluster.name), path);
      const connector = new KubeconfigDirectory(directory);
      const target = clusterTarget(cluster.id);
      const first = await connector.kubeConfig(target);
      expect(await connector.kubeConfig(target)).toBe(first);
      const moved = "https://127.0.0.2:6443";
      const text = await readFile(path, "utf8");
      await writeFile(path, text.replace(first.getCurrentCluster()?.server ?? "", moved));
      const reloaded = await connector.kubeConfig(target);
      expect(reloaded).not.toBe(first);
      expect(reloaded.getCurrentCluster()?.server).toBe(moved);
      await connector.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("names the cluster whose kubeconfig is missing", async () => {
    const connector = new KubeconfigDirectory("/nonexistent/kubeconfigs");
    await expect(
      connector.kubeConfig(
        clusterTarget(
          "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/gone",
        ),
      ),
    ).rejects.toThrow("no kubeconfig for cluster gone: /nonexistent/kubeconfigs/gone.yaml does not exist");
    expect(() => clusterTarget("/subscriptions/s/resourceGroups/rg")).toThrow(
      '"/subscriptions/s/resourceGroups/rg" is not a managed cluster resource id',
    );
  });
});
