// The node operations a pool migration uses, through the real @kubernetes/client-node against a
// simulated cluster over HTTPS (the simulator's kubeconfig): nodes by pool, taints (idempotent, safe
// against a concurrent change), pods by node, evictions and what each refusal means, deletes with the
// uid precondition, scaling, and the smoke pod.

import { dirname } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import type { SimCluster } from "../../local/sim/model/cluster.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import type { PodRef } from "../../shared/domain/ports/node-operations.ts";
import type { KubePod } from "../../shared/domain/workloads/cluster-facts.ts";
import {
  type ClusterTarget,
  type KubeConnector,
  KubeconfigDirectory,
} from "../../shared/kube/kube-connection.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS } from "../../shared/kube/kube-requests.ts";
import {
  KubeNodeOperations,
  PRODUCT_NAMESPACE,
  SMOKE_POD_LABELS,
} from "../../shared/kube/node-operations.ts";

const CLUSTER = "aks-nodeops";
const RETIRING = { key: "lifecycle", value: "retiring", effect: "NoSchedule" };

const scenario: ScenarioInput = {
  name: "node-operations",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-nodeops",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            {
              name: "system",
              mode: "System",
              osSku: "AzureLinux",
              vmSize: "Standard_D4s_v5",
              count: 2,
              nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
            },
            { name: "apps", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 3 },
          ],
          workloads: {
            deployments: [
              { name: "web", namespace: "shop", replicas: 4, pdb: { maxUnavailable: 1 } },
              { name: "api", namespace: "shop", replicas: 2, pdb: { minAvailable: 2 } },
              { name: "cart", namespace: "shop", replicas: 2, pdb: { maxUnavailable: 1 } },
              { name: "pay", namespace: "shop", replicas: 2, pdb: { maxUnavailable: 1 } },
              { name: "batch", namespace: "jobs", replicas: 1 },
            ],
            statefulSets: [{ name: "ledger-db", namespace: "shop", replicas: 1 }],
          },
        },
      ],
    },
  ],
};

let sim: Simulator;
let clock: VirtualClock;
let cluster: SimCluster;
let core: k8s.CoreV1Api;
let policy: k8s.PolicyV1Api;
let nodes: KubeNodeOperations;

/** Sees each request the adapter sends, before it goes: where a concurrent writer can step in. */
class ObservedKubeConfig extends k8s.KubeConfig {
  onRequest: (method: string, url: string) => Promise<void> = async () => undefined;

  override async applySecurityAuthentication(context: k8s.RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    await this.onRequest(context.getHttpMethod(), context.getUrl());
  }
}

const observed = new ObservedKubeConfig();

beforeAll(async () => {
  sim = await startSimulator({ scenario, clock: "virtual", serviceBus: false });
  clock = sim.clock as VirtualClock;
  clock.pause();
  const found = sim.fleet.clusters.find((c) => c.name === CLUSTER);
  if (!found) throw new Error(`no simulated cluster ${CLUSTER}`);
  cluster = found;
  observed.loadFromFile(sim.kubeconfigPath(CLUSTER));
  const directory = new KubeconfigDirectory(dirname(sim.kubeconfigPath(CLUSTER)));
  // The simulator's kubeconfig, observed so a test can act between the adapter's requests.
  const connector: KubeConnector = {
    kubeConfig: async (target: ClusterTarget) => {
      await directory.kubeConfig(target);
      return observed;
    },
  };
  // Pages of three: every list here spans several pages.
  nodes = new KubeNodeOperations(connector, { ...DEFAULT_KUBE_REQUEST_OPTIONS, pageSize: 3, clock });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath(CLUSTER));
  core = kc.makeApiClient(k8s.CoreV1Api);
  policy = kc.makeApiClient(k8s.PolicyV1Api);
});
afterAll(() => sim.close());

function podsOf(app: string): KubePod[] {
  return cluster.store
    .list("pods", "shop")
    .filter((p) => p.metadata.labels?.app === app && p.metadata.deletionTimestamp === undefined) as KubePod[];
}

function refOf(pod: { metadata?: { namespace?: string; name?: string; uid?: string } }): PodRef {
  return {
    namespace: pod.metadata?.namespace as string,
    name: pod.metadata?.name as string,
    uid: pod.metadata?.uid as string,
  };
}

function storedPod(ref: PodRef) {
  return cluster.store.get("pods", ref.namespace, ref.name);
}

/** A bare pod, created through the API and run on `node`. */
async function barePod(name: string, node: string): Promise<PodRef> {
  const pod = await core.createNamespacedPod({
    namespace: "shop",
    body: { metadata: { name }, spec: { nodeName: node, containers: [{ name: "main", image: "busybox" }] } },
  });
  await clock.advanceBy(5_000);
  return refOf(pod);
}

/** Runs `act` with `onPatch` called before each PATCH the adapter sends (numbered from 1), and counts them. */
async function withEachPatch<T>(onPatch: (patch: number) => Promise<void>, act: () => Promise<T>) {
  let patches = 0;
  observed.onRequest = async (method) => {
    if (method === "PATCH") await onPatch(++patches);
  };
  try {
    const result = await act();
    return { result, patches };
  } finally {
    observed.onRequest = async () => undefined;
  }
}

function nodeNamed(name: string) {
  const node = cluster.node(name);
  if (!node) throw new Error(`no node ${name}`);
  return node;
}

describe("nodes", () => {
  it("lists a pool's nodes by its agentpool label, or every node, with their conditions", async () => {
    const apps = await nodes.nodes(cluster.id, "apps");
    expect(apps.map((n) => n.metadata?.name).sort()).toEqual(
      cluster.store
        .list("nodes")
        .filter((n) => n.metadata.labels?.["kubernetes.azure.com/agentpool"] === "apps")
        .map((n) => n.metadata.name)
        .sort(),
    );
    expect(apps).toHaveLength(3);
    expect(apps[0]?.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(await nodes.nodes(cluster.id)).toHaveLength(5);
    await expect(nodes.nodes(cluster.id, "apps,agentpool!=x")).rejects.toThrow(
      '"apps,agentpool!=x" is not a node pool name',
    );
  });

  it("adds a taint once and removes it once, keeping the node's other taints", async () => {
    const [node] = await nodes.nodes(cluster.id, "system");
    const name = node?.metadata?.name as string;
    const taintsNow = () => nodeNamed(name).spec.taints;
    expect(await nodes.setTaint(cluster.id, name, RETIRING, true)).toBe("changed");
    expect(await nodes.setTaint(cluster.id, name, RETIRING, true)).toBe("unchanged");
    expect(taintsNow()).toEqual([
      { key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" },
      RETIRING,
    ]);
    expect(await nodes.setTaint(cluster.id, name, RETIRING, false)).toBe("changed");
    expect(await nodes.setTaint(cluster.id, name, RETIRING, false)).toBe("unchanged");
    expect(taintsNow()).toEqual([{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }]);
  });

  it("keeps a change made between its read and its patch: the 409 makes it read again", async () => {
    const [node] = await nodes.nodes(cluster.id, "apps");
    const name = node?.metadata?.name as string;
    const { result, patches } = await withEachPatch(
      async (patch) => {
        // Another writer taints the node first, as the autoscaler or an operator might.
        if (patch === 1)
          await core.patchNode(
            {
              name,
              body: { spec: { taints: [{ key: "operator", value: "hold", effect: "PreferNoSchedule" }] } },
            },
            k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
          );
      },
      () => nodes.setTaint(cluster.id, name, RETIRING, true),
    );
    expect(result).toBe("changed");
    expect(patches).toBe(2);
    expect(nodeNamed(name).spec.taints).toEqual([
      { key: "operator", value: "hold", effect: "PreferNoSchedule" },
      RETIRING,
    ]);
  });
});

describe("pods", () => {
  it("lists the pods bound to given nodes, page by page, or every pod", async () => {
    const apps = (await nodes.nodes(cluster.id, "apps")).map((n) => n.metadata?.name as string);
    const two = apps.slice(0, 2);
    const listed = await nodes.pods(cluster.id, two);
    const expected = two.flatMap((node) => cluster.store.podsOnNode(node).map((p) => p.metadata.uid));
    expect(listed.map((p) => p.metadata?.uid).sort()).toEqual(expected.sort());
    expect(listed.length).toBeGreaterThan(3);
    expect(listed.every((p) => two.includes(p.spec?.nodeName as string))).toBe(true);
    // As the API server wrote them (json-lists.ts), not made Dates.
    expect(new Set(listed.map((p) => typeof p.metadata?.creationTimestamp))).toEqual(new Set(["string"]));
    expect(await nodes.pods(cluster.id)).toHaveLength(cluster.store.count("pods"));
  });

  it("reads a pod by name and uid: another uid under that name is not the pod", async () => {
    const [web] = podsOf("web");
    const ref = refOf(web as KubePod);
    expect((await nodes.pod(cluster.id, ref))?.metadata?.uid).toBe(ref.uid);
    expect(await nodes.pod(cluster.id, { ...ref, uid: "an-earlier-pod" })).toBeUndefined();
    expect(await nodes.pod(cluster.id, { ...ref, name: "no-such-pod" })).toBeUndefined();
  });

  it("lists the budgets and daemonsets a drain reads", async () => {
    const budgets = await nodes.disruptionBudgets(cluster.id);
    expect(budgets.map((b) => `${b.metadata?.namespace}/${b.metadata?.name}`).sort()).toEqual(
      cluster.store
        .list("poddisruptionbudgets")
        .map((b) => `${b.metadata.namespace}/${b.metadata.name}`)
        .sort(),
    );
    expect(budgets.filter((b) => b.metadata?.namespace === "shop")).toHaveLength(4);
    expect(budgets.find((b) => b.metadata?.name === "api")?.status?.disruptionsAllowed).toBe(0);
    expect(new Set(budgets.map((b) => typeof b.metadata?.creationTimestamp))).toEqual(new Set(["string"]));
    expect(await nodes.daemonSets(cluster.id)).toHaveLength(cluster.store.count("daemonsets"));
  });
});

describe("evictions", () => {
  /** The API server answers the next eviction with `status`, as the kube-error fault gives it. */
  const failNextEviction = (status: 403 | 429) =>
    sim.fleet.faults.add({
      kind: "kube-error",
      status,
      cluster: CLUSTER,
      pathContains: "/eviction",
      times: 1,
    });

  it("evicts a pod its budget can spare: it terminates", async () => {
    const ref = refOf(podsOf("web")[0] as KubePod);
    expect(await nodes.evict(cluster.id, ref, 10)).toEqual({ kind: "evicted" });
    const evicted = await nodes.pod(cluster.id, ref);
    expect(evicted?.metadata?.deletionTimestamp).toBeDefined();
    expect(evicted?.metadata?.deletionGracePeriodSeconds).toBe(10);
  });

  it("is blocked by a budget that allows no disruption, and the pod stays", async () => {
    const ref = refOf(podsOf("api")[0] as KubePod);
    expect(await nodes.evict(cluster.id, ref)).toEqual({
      kind: "blocked",
      retryAfterSeconds: 5,
      reason: "The disruption budget api needs 2 healthy pods and has 2 currently",
    });
    expect(storedPod(ref)?.metadata.uid).toBe(ref.uid);
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("is blocked while a pdb-blocks fault holds the budget, and the pod stays", async () => {
    const fault = sim.fleet.faults.add({
      kind: "pdb-blocks",
      cluster: CLUSTER,
      namespace: "shop",
      pdb: "cart",
    });
    try {
      const ref = refOf(podsOf("cart")[0] as KubePod);
      const outcome = await nodes.evict(cluster.id, ref);
      expect(outcome).toMatchObject({ kind: "blocked", retryAfterSeconds: 5 });
      expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
    } finally {
      sim.fleet.faults.remove(fault.id);
    }
  });

  it("waits what the API server asks when it says how long (Retry-After)", async () => {
    const ref = refOf(podsOf("cart")[1] as KubePod);
    const budget = cluster.store.get("poddisruptionbudgets", "shop", "cart");
    if (!budget) throw new Error("no budget cart");
    // A spec change the disruption controller has not observed yet (the next pass would).
    budget.metadata.generation = (budget.metadata.generation ?? 1) + 1;
    try {
      expect(await nodes.evict(cluster.id, ref)).toEqual({
        kind: "blocked",
        retryAfterSeconds: 10,
        reason: "The disruption budget cart is still being processed by the server.",
      });
    } finally {
      cluster.kick();
    }
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("is refused when the API server forbids it (403): a person must look", async () => {
    const ref = refOf(podsOf("cart")[1] as KubePod);
    failNextEviction(403);
    expect(await nodes.evict(cluster.id, ref)).toEqual({
      kind: "refused",
      status: 403,
      reason: "forbidden: injected by the simulator's kube-error fault",
    });
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("refuses a pod given without its uid rather than evict or delete it without the precondition", async () => {
    const ref = { ...refOf(podsOf("web")[1] as KubePod), uid: "" };
    await expect(nodes.evict(cluster.id, ref)).rejects.toThrow("has no uid to delete it by");
    await expect(nodes.deletePod(cluster.id, ref)).rejects.toThrow("has no uid to delete it by");
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("is throttled, not blocked, with the Retry-After when the API server throttles (a 429 naming no budget), and the pod stays", async () => {
    const ref = refOf(podsOf("web")[1] as KubePod);
    failNextEviction(429);
    expect(await nodes.evict(cluster.id, ref)).toEqual({ kind: "throttled", retryAfterSeconds: 1 });
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("is refused with the API server's 500 when two budgets select the pod", async () => {
    await policy.createNamespacedPodDisruptionBudget({
      namespace: "shop",
      body: {
        metadata: { name: "pay-extra" },
        spec: { selector: { matchLabels: { app: "pay" } }, maxUnavailable: 1 },
      },
    });
    await clock.advanceBy(1_000);
    const ref = refOf(podsOf("pay")[0] as KubePod);
    const outcome = await nodes.evict(cluster.id, ref);
    expect(outcome).toEqual({
      kind: "refused",
      status: 500,
      reason:
        "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    });
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("finds a pod recreated under the same name gone, and leaves the new one alone", async () => {
    const node = (await nodes.nodes(cluster.id, "apps"))[1]?.metadata?.name as string;
    const first = await barePod("tools", node);
    await core.deleteNamespacedPod({ namespace: "shop", name: "tools", gracePeriodSeconds: 0 });
    const second = await barePod("tools", node);
    expect(second.uid).not.toBe(first.uid);
    expect(await nodes.evict(cluster.id, first)).toEqual({ kind: "gone" });
    expect(storedPod(second)?.metadata.uid).toBe(second.uid);
    expect(storedPod(second)?.metadata.deletionTimestamp).toBeUndefined();
    expect(await nodes.deletePod(cluster.id, first)).toBe("gone");
    expect(storedPod(second)?.metadata.deletionTimestamp).toBeUndefined();
  });

  it("finds a pod that no longer exists gone", async () => {
    const missing = { namespace: "shop", name: "never-was", uid: "3b0c7a52-0000-4000-8000-000000000000" };
    expect(await nodes.evict(cluster.id, missing)).toEqual({ kind: "gone" });
    expect(await nodes.deletePod(cluster.id, missing)).toBe("gone");
  });

  it("deletes the pod it names by uid, when a person chose that", async () => {
    const node = (await nodes.nodes(cluster.id, "apps"))[2]?.metadata?.name as string;
    const ref = await barePod("stuck", node);
    expect(await nodes.deletePod(cluster.id, ref, 0)).toBe("deleted");
    expect(storedPod(ref)).toBeUndefined();
  });

  it("throws an API server error it cannot read as an outcome, so the activity tries again", async () => {
    const ref = refOf(podsOf("web")[1] as KubePod);
    sim.fleet.faults.add({ kind: "kube-error", cluster: CLUSTER, pathContains: "/eviction", times: 1 });
    await expect(nodes.evict(cluster.id, ref)).rejects.toThrow(
      `evicting pod shop/${ref.name} failed: 500 Internal error occurred: injected by the simulator's kube-error fault`,
    );
    expect(storedPod(ref)?.metadata.deletionTimestamp).toBeUndefined();
    expect(sim.ledger().pdbViolations).toEqual([]);
  });
});

describe("scaling", () => {
  it("scales a deployment and a statefulset and reads their desired and ready replicas", async () => {
    const batch = { kind: "Deployment", namespace: "jobs", name: "batch" };
    const db = { kind: "StatefulSet", namespace: "shop", name: "ledger-db" };
    expect(await nodes.replicas(cluster.id, batch)).toEqual({ desired: 1, ready: 1 });
    await nodes.scale(cluster.id, batch, 3);
    await nodes.scale(cluster.id, db, 2);
    expect(await nodes.replicas(cluster.id, batch)).toEqual({ desired: 3, ready: 1 });
    await clock.advanceBy(30_000);
    expect(await nodes.replicas(cluster.id, batch)).toEqual({ desired: 3, ready: 3 });
    expect(await nodes.replicas(cluster.id, db)).toEqual({ desired: 2, ready: 2 });
    expect(await nodes.replicas(cluster.id, { ...batch, name: "gone" })).toBeUndefined();
    await expect(
      nodes.scale(cluster.id, { kind: "DaemonSet", namespace: "kube-system", name: "x" }, 1),
    ).rejects.toThrow("DaemonSet kube-system/x has no replicas to read or scale");
  });
});

describe("the smoke pod", () => {
  it("runs pinned to its node in the product's namespace and ends Succeeded", async () => {
    const node = (await nodes.nodes(cluster.id, "apps"))[0]?.metadata?.name as string;
    await nodes.runSmokePod(cluster.id, node, "smoke-apps-1");
    // Asked again (the activity ran twice): the same pod.
    await nodes.runSmokePod(cluster.id, node, "smoke-apps-1");
    expect(cluster.store.get("namespaces", undefined, PRODUCT_NAMESPACE)).toBeDefined();
    const pod = cluster.store.get("pods", PRODUCT_NAMESPACE, "smoke-apps-1");
    expect(pod?.spec.nodeName).toBe(node);
    expect(pod?.metadata.labels).toEqual(SMOKE_POD_LABELS);
    // Whatever taints the node has (the retiring one included), the smoke pod runs there.
    expect(pod?.spec.tolerations).toContainEqual({ operator: "Exists" });
    expect(pod?.spec.restartPolicy).toBe("Never");
    expect(await nodes.smokePodPhase(cluster.id, "smoke-apps-1")).toBe("Pending");
    await clock.advanceBy(10_000);
    expect(await nodes.smokePodPhase(cluster.id, "smoke-apps-1")).toBe("Succeeded");
    await nodes.deleteSmokePod(cluster.id, "smoke-apps-1");
    await nodes.deleteSmokePod(cluster.id, "smoke-apps-1");
    expect(await nodes.smokePodPhase(cluster.id, "smoke-apps-1")).toBeUndefined();
  });
});

describe("a node gone", () => {
  it("has nothing to taint: gone before the read, or between the read and the patch", async () => {
    expect(await nodes.setTaint(cluster.id, "aks-apps-never-was", RETIRING, true)).toBe("unchanged");
    const [node] = await nodes.nodes(cluster.id, "apps");
    const name = node?.metadata?.name as string;
    const hold = { key: "operator", value: "drain", effect: "NoExecute" };
    const { result, patches } = await withEachPatch(
      // The autoscaler removes the node after the adapter read it.
      async () => {
        await core.deleteNode({ name });
      },
      () => nodes.setTaint(cluster.id, name, hold, true),
    );
    expect(result).toBe("unchanged");
    expect(patches).toBe(1);
    expect(cluster.node(name)).toBeUndefined();
  });
});
