// A pod with a readiness time runs before it serves: Running, not Ready, until the time has passed. The
// twin's controllers and budgets count it as the cluster's would, and so do the product's budget rules
// reading the cluster through client-node.

import * as k8s from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { budgetLoad } from "../../shared/domain/migration/drain-batches.ts";
import { isPodReady } from "../../shared/domain/workloads/kube-objects.ts";
import { gatherClusterFacts } from "../../shared/kube/cluster-facts.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS } from "../../shared/kube/kube-requests.ts";
import { type Fixture, startPausedCluster, statusOf } from "./fixture.ts";

const CLUSTER = "aks-ready";
const STARTUP_SECONDS = 5;
const READY_SECONDS = 60;

/** Replicas on the apps pool that start in 5 s and serve a minute later. */
function appsDeployment(name: string, replicas: number) {
  return {
    name,
    namespace: "shop",
    replicas,
    nodeSelector: { agentpool: "apps" },
    startupSeconds: STARTUP_SECONDS,
    readySeconds: READY_SECONDS,
    // Gone a second after its deletion: only the replacement is left to count.
    shutdownSeconds: 1,
  };
}

const scenario: ScenarioInput = {
  name: "readiness",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-ready",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            { name: "system", mode: "System", osSku: "AzureLinux3", vmSize: "Standard_D4s_v5", count: 1 },
            { name: "apps", osSku: "AzureLinux3", vmSize: "Standard_D4s_v5", count: 3 },
          ],
          workloads: {
            deployments: [
              appsDeployment("web", 6),
              { ...appsDeployment("cache", 3), pdb: { maxUnavailable: 1 } },
            ],
            daemonSets: [
              {
                name: "agent",
                namespace: "kube-system",
                startupSeconds: STARTUP_SECONDS,
                readySeconds: READY_SECONDS,
                shutdownSeconds: 1,
              },
            ],
          },
        },
      ],
    },
  ],
};

describe("a pod's readiness time", () => {
  let f: Fixture;
  let core: k8s.CoreV1Api;
  beforeEach(async () => {
    ({ f, core } = await startPausedCluster(scenario, CLUSTER));
  });
  afterEach(() => f.sim.close());

  const podsOf = async (app: string, namespace = "shop") =>
    (await core.listNamespacedPod({ namespace, labelSelector: `app=${app}` })).items.filter(
      (pod) => pod.metadata?.deletionTimestamp === undefined,
    );

  /** Deletes one of the app's pods and lets its replacement start: Running, not yet Ready. */
  async function replaceOne(app: string, namespace = "shop"): Promise<k8s.V1Pod> {
    const [first] = await podsOf(app, namespace);
    await core.deleteNamespacedPod({ namespace, name: first?.metadata?.name as string });
    await f.clock.advanceBy((STARTUP_SECONDS + 1) * 1000);
    const replacement = (await podsOf(app, namespace)).find((pod) => !isPodReady(pod));
    if (!replacement) throw new Error(`no unready replacement among ${app}'s pods`);
    return replacement;
  }

  const readyNow = async (pod: k8s.V1Pod) =>
    isPodReady(
      await core.readNamespacedPod({
        namespace: pod.metadata?.namespace as string,
        name: pod.metadata?.name as string,
      }),
    );

  /** Takes the pod's node away (its kubelet stops reporting); the returned function brings it back. */
  async function nodeAway(pod: k8s.V1Pod): Promise<() => Promise<unknown>> {
    const name = pod.spec?.nodeName as string;
    const node = await core.readNode({ name });
    const fault = await f.admin("POST", "/faults", {
      kind: "node-not-ready",
      cluster: CLUSTER,
      pool: node.metadata?.labels?.agentpool,
      ordinal: Number.parseInt(name.slice(-6), 36),
    });
    expect(fault.status).toBe(201);
    return () => f.admin("DELETE", `/faults/${fault.body.id}`);
  }

  it("keeps a started pod Running but not Ready, out of its deployment's ready replicas, until it has passed", async () => {
    // Pods of the scenario's start have long been running: Ready at once.
    expect((await podsOf("web")).every(isPodReady)).toBe(true);
    const replacement = await replaceOne("web");
    expect(replacement.status?.phase).toBe("Running");
    expect(replacement.status?.containerStatuses?.[0]).toMatchObject({ ready: false, started: true });
    expect(replacement.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "ContainersNotReady",
    });
    const apps = f.kube(CLUSTER).makeApiClient(k8s.AppsV1Api);
    const web = () => apps.readNamespacedDeployment({ namespace: "shop", name: "web" });
    expect((await web()).status?.readyReplicas).toBe(5);

    await f.clock.advanceBy(READY_SECONDS * 1000);
    const name = replacement.metadata?.name as string;
    expect(isPodReady(await core.readNamespacedPod({ namespace: "shop", name }))).toBe(true);
    expect((await web()).status?.readyReplicas).toBe(6);
  });

  it("refuses an eviction its budget's unready pod would make one too many, and admits it once that pod is Ready", async () => {
    await replaceOne("cache");
    const policy = f.kube(CLUSTER).makeApiClient(k8s.PolicyV1Api);
    const budget = () => policy.readNamespacedPodDisruptionBudget({ namespace: "shop", name: "cache" });
    expect((await budget()).status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 0 });
    const ready = (await podsOf("cache")).find(isPodReady) as k8s.V1Pod;
    const name = ready.metadata?.name as string;
    const evict = () =>
      core.createNamespacedPodEviction({
        name,
        namespace: "shop",
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace: "shop" } },
      });
    expect(statusOf(await evict().catch((error: unknown) => error)).code).toBe(429);

    await f.clock.advanceBy(READY_SECONDS * 1000);
    expect((await budget()).status).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });
    await evict();
  });

  it("stays unready while its node is away, and waits out the rest of its time when the node comes back early", async () => {
    const replacement = await replaceOne("web");
    const back = await nodeAway(replacement);
    await f.clock.advanceBy(5_000);
    await back();
    expect(await readyNow(replacement)).toBe(false);
    // Gone for longer than the readiness time: still unready until the node reports again.
    const backAgain = await nodeAway(replacement);
    await f.clock.advanceBy(READY_SECONDS * 1000);
    expect(await readyNow(replacement)).toBe(false);
    await backAgain();
    expect(await readyNow(replacement)).toBe(true);
  });

  it("waits its whole readiness time again after a crash loop, from the container's restart", async () => {
    const replacement = await replaceOne("agent", "kube-system");
    const node = await core.readNode({ name: replacement.spec?.nodeName as string });
    const crash = await f.admin("POST", "/faults", {
      kind: "daemonset-crash",
      cluster: CLUSTER,
      namespace: "kube-system",
      daemonSet: "agent",
      osSku: [node.metadata?.labels?.["kubernetes.azure.com/os-sku-effective"]],
    });
    expect(crash.status).toBe(201);
    await f.clock.advanceBy(10_000);
    await f.admin("DELETE", `/faults/${crash.body.id}`);
    // Past the first start's readiness time, short of the restart's.
    await f.clock.advanceBy((READY_SECONDS - 8) * 1000);
    expect(await readyNow(replacement)).toBe(false);
    await f.clock.advanceBy(10_000);
    expect(await readyNow(replacement)).toBe(true);
  });

  it("leaves a workload without a budget none to spare for its unready replica in the product's drain plan", async () => {
    await replaceOne("web");
    const facts = await gatherClusterFacts(f.kube(CLUSTER), {
      ...DEFAULT_KUBE_REQUEST_OPTIONS,
      clock: f.clock,
    });
    const apps = facts.nodes
      .filter((node) => node.metadata?.labels?.["kubernetes.azure.com/agentpool"] === "apps")
      .map((node) => node.metadata?.name as string);
    // Five of six replicas serve: four may go at once (counting Running pods would allow five). Two or
    // three on one node never decide it.
    expect(budgetLoad(apps, facts).allowed["Deployment shop/web"]).toBe(4);

    await f.clock.advanceBy(READY_SECONDS * 1000);
    const later = await gatherClusterFacts(f.kube(CLUSTER), {
      ...DEFAULT_KUBE_REQUEST_OPTIONS,
      clock: f.clock,
    });
    expect(budgetLoad(apps, later).allowed["Deployment shop/web"]).toBe(5);
  });
});
