import type { RestError } from "@azure/core-rest-pipeline";
import * as k8s from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { FAST, type Fixture, readyStatus, startFixture, startPausedCluster, statusOf } from "./fixture.ts";

const SUBSCRIPTION = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
const RG = "rg-faults";
const CLUSTER = "aks-faults";

const scenario: ScenarioInput = {
  name: "faults",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: SUBSCRIPTION,
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: RG,
          location: "westeurope",
          kubernetesVersion: "1.31.8",
          pools: [
            { name: "system", mode: "System", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 2 },
            {
              name: "blue",
              osSku: "AzureLinux",
              vmSize: "Standard_D4s_v5",
              count: 2,
              nodeLabels: { color: "blue" },
              upgradeSettings: { drainTimeoutInMinutes: 2 },
            },
          ],
          workloads: {
            deployments: [
              {
                name: "web",
                namespace: "shop",
                replicas: 4,
                nodeSelector: { color: "blue" },
                resources: { requests: { cpu: "200m", memory: "256Mi" } },
                terminationGracePeriodSeconds: 30,
                pdb: { maxUnavailable: 1 },
              },
              {
                name: "ledger",
                namespace: "shop",
                replicas: 2,
                nodeSelector: { color: "blue" },
                pdb: { minAvailable: 2 },
              },
            ],
            daemonSets: [
              { name: "node-agent", namespace: "monitoring", nodeSelector: { "kubernetes.io/os": "linux" } },
            ],
            kernelAgents: [{ name: "ebpf-guard", namespace: "security", supportedKernels: ["5.15."] }],
          },
        },
      ],
    },
  ],
};

describe("faults on demand, each seen by a real client", () => {
  let f: Fixture;
  let core: k8s.CoreV1Api;
  beforeEach(async () => {
    ({ f, core } = await startPausedCluster(scenario, CLUSTER));
  });
  afterEach(() => f.sim.close());

  const addFault = async (fault: Record<string, unknown>) => {
    const response = await f.admin("POST", "/faults", fault);
    expect(response.body).toMatchObject({ kind: fault.kind });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };

  it("refuses a bad fault through the admin API with 400, naming what is wrong", async () => {
    const notAnObject = await f.admin("POST", "/faults", null);
    expect(notAnObject.status).toBe(400);
    expect(notAnObject.body.error).toContain("expected object");
    const missing = await f.admin("POST", "/faults", {
      kind: "pdb-blocks",
      cluster: CLUSTER,
      namespace: "shop",
    });
    expect(missing).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^pdb: /) } });
    const unknownCluster = await f.admin("POST", "/faults", {
      kind: "pdb-blocks",
      cluster: "aks-nowhere",
      namespace: "shop",
      pdb: "web",
    });
    expect(unknownCluster).toMatchObject({
      status: 400,
      body: { error: 'cluster: no cluster named "aks-nowhere"' },
    });
    expect((await f.admin("GET", "/faults")).body).toEqual([]);
  });

  it("crash-loops a daemonset on one OS SKU, with growing restarts, until the fault is cleared", async () => {
    const id = await addFault({
      kind: "daemonset-crash",
      cluster: CLUSTER,
      namespace: "monitoring",
      daemonSet: "node-agent",
      osSku: ["AzureLinux2"],
    });
    await f.clock.advanceBy(120_000);
    const pods = (await core.listNamespacedPod({ namespace: "monitoring" })).items;
    expect(pods).toHaveLength(4);
    for (const pod of pods) {
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.restartCount).toBeGreaterThanOrEqual(3);
      expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    }
    const waiting = pods.map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason).filter(Boolean);
    expect(waiting).toContain("CrashLoopBackOff");
    const ds = await f
      .kube(CLUSTER)
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedDaemonSet({ namespace: "monitoring", name: "node-agent" });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 4, numberReady: 0 });
    expect((await f.admin("DELETE", `/faults/${id}`)).status).toBe(204);
    const recovered = (await core.listNamespacedPod({ namespace: "monitoring" })).items;
    expect(
      recovered.every((p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True"),
    ).toBe(true);
  });

  it("crash-loops a kernel-bound agent on nodes of a newer kernel, as a pool moves to Azure Linux 3", async () => {
    f.clock.resume();
    await f
      .arm(SUBSCRIPTION)
      .agentPools.createOrUpdate(
        RG,
        CLUSTER,
        "azl3",
        { count: 1, vmSize: "Standard_D4s_v5", osSKU: "AzureLinux3" },
        FAST,
      );
    f.clock.pause();
    await f.clock.advanceBy(60_000);
    const agents = (await core.listNamespacedPod({ namespace: "security" })).items;
    const onAzl3 = agents.filter((p) => p.spec?.nodeName?.startsWith("aks-azl3-"));
    expect(onAzl3).toHaveLength(1);
    expect(onAzl3[0]?.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(0);
    const elsewhere = agents.filter((p) => !p.spec?.nodeName?.startsWith("aks-azl3-"));
    expect(elsewhere.every((p) => p.status?.containerStatuses?.[0]?.restartCount === 0)).toBe(true);
  });

  it("keeps a deleted pod Terminating while the fault holds it", async () => {
    const id = await addFault({
      kind: "pod-stuck-terminating",
      cluster: CLUSTER,
      namespace: "shop",
      podPrefix: "web-",
    });
    const pod = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" }))
      .items[0] as k8s.V1Pod;
    const name = pod.metadata?.name as string;
    await core.deleteNamespacedPod({ namespace: "shop", name });
    await f.clock.advanceBy(600_000);
    expect(
      (await core.readNamespacedPod({ namespace: "shop", name })).metadata?.deletionTimestamp,
    ).toBeDefined();
    await f.admin("DELETE", `/faults/${id}`);
    await expect(core.readNamespacedPod({ namespace: "shop", name })).rejects.toMatchObject({ code: 404 });
  });

  it("makes a budget refuse every eviction", async () => {
    await addFault({ kind: "pdb-blocks", cluster: CLUSTER, namespace: "shop", pdb: "web" });
    const pdb = await f
      .kube(CLUSTER)
      .makeApiClient(k8s.PolicyV1Api)
      .readNamespacedPodDisruptionBudget({ namespace: "shop", name: "web" });
    expect(pdb.status).toMatchObject({ currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 0 });
    const pod = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" }))
      .items[0] as k8s.V1Pod;
    const name = pod.metadata?.name as string;
    const error = await core
      .createNamespacedPodEviction({
        name,
        namespace: "shop",
        body: { metadata: { name, namespace: "shop" } },
      })
      .catch((e) => e);
    expect(statusOf(error)).toMatchObject({ code: 429, reason: "TooManyRequests" });
  });

  it("fails a pool create for lack of capacity", async () => {
    // A shortage may be declared for a pool that does not exist yet.
    await addFault({ kind: "capacity-shortage", cluster: CLUSTER, pool: "green", maxNodes: 1 });
    f.clock.resume();
    const arm = f.arm(SUBSCRIPTION);
    const error = (await arm.agentPools
      .createOrUpdate(
        RG,
        CLUSTER,
        "green",
        { count: 3, vmSize: "Standard_D4s_v5", osSKU: "AzureLinux3" },
        FAST,
      )
      .catch((e: Error) => e)) as Error;
    expect(error.message).toContain(
      "The long-running operation has failed. AllocationFailed. Allocation failed.",
    );
    expect((await arm.agentPools.get(RG, CLUSTER, "green")).provisioningState).toBe("Failed");
    expect((await core.listNode({ labelSelector: "agentpool=green" })).items).toHaveLength(1);
  });

  it("fails ARM requests with 500 and 429, and ends an operation Failed", async () => {
    f.clock.resume();
    const arm = f.arm(SUBSCRIPTION);
    await addFault({
      kind: "arm-error",
      status: 500,
      method: "GET",
      pathContains: "/agentPools/blue",
      times: 1,
    });
    await expect(arm.agentPools.get(RG, CLUSTER, "blue")).rejects.toMatchObject({
      statusCode: 500,
      code: "InternalServerError",
    });
    await expect(arm.agentPools.get(RG, CLUSTER, "blue")).resolves.toMatchObject({ name: "blue" });
    await addFault({ kind: "arm-error", status: 429, retryAfterSeconds: 7, times: 1 });
    const throttled = (await arm.managedClusters.get(RG, CLUSTER).catch((e: RestError) => e)) as RestError;
    expect(throttled).toMatchObject({ statusCode: 429, code: "SubscriptionRequestsThrottled" });
    expect(throttled.response?.headers.get("retry-after")).toBe("7");
    await addFault({
      kind: "arm-operation-fails",
      cluster: CLUSTER,
      pool: "blue",
      operation: "update",
      code: "VMExtensionProvisioningError",
      message: "VM has reported a failure.",
    });
    const error = (await arm.agentPools
      .createOrUpdate(RG, CLUSTER, "blue", { count: 3, vmSize: "Standard_D4s_v5" }, FAST)
      .catch((e: Error) => e)) as Error;
    expect(error.message).toBe(
      "The long-running operation has failed. VMExtensionProvisioningError. VM has reported a failure.",
    );
    expect((await arm.agentPools.get(RG, CLUSTER, "blue")).provisioningState).toBe("Failed");
  });

  it("fails and stalls Kubernetes API requests", async () => {
    await addFault({
      kind: "kube-error",
      cluster: CLUSTER,
      method: "GET",
      pathContains: "/api/v1/nodes",
      times: 1,
    });
    const error = await core.listNode().catch((e) => e);
    expect(statusOf(error)).toMatchObject({ code: 500, reason: "InternalError" });
    expect((await core.listNode()).items).toHaveLength(4);
    await addFault({
      kind: "kube-timeout",
      cluster: CLUSTER,
      delaySeconds: 60,
      pathContains: "/namespaces/shop/pods",
      times: 1,
    });
    const slow = core.listNamespacedPod({ namespace: "shop" }).catch((e) => e);
    let settled = false;
    void slow.then(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await f.clock.advanceBy(60_000);
    expect(statusOf(await slow)).toMatchObject({ code: 504, reason: "Timeout" });
  });

  it("takes a node NotReady: pods turn unready, then are evicted and replaced elsewhere", async () => {
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
    const nodeName = web[0]?.spec?.nodeName as string;
    const node = await core.readNode({ name: nodeName });
    const pool = node.metadata?.labels?.agentpool as string;
    const ordinal = Number.parseInt(nodeName.slice(-6), 36);
    const id = await addFault({ kind: "node-not-ready", cluster: CLUSTER, pool, ordinal });
    const sick = await core.readNode({ name: node.metadata?.name as string });
    expect(readyStatus(sick)).toBe("Unknown");
    expect(sick.spec?.taints?.map((t) => `${t.key}:${t.effect}`)).toEqual([
      "node.kubernetes.io/unreachable:NoSchedule",
      "node.kubernetes.io/unreachable:NoExecute",
    ]);
    const onNode = (
      await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node.metadata?.name}` })
    ).items;
    expect(
      onNode.every((p) => p.status?.conditions?.find((c) => c.type === "Ready")?.status === "False"),
    ).toBe(true);
    await f.clock.advanceBy(301_000);
    const evicted = (
      await core.listNamespacedPod({
        namespace: "shop",
        fieldSelector: `spec.nodeName=${node.metadata?.name}`,
      })
    ).items;
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted.every((p) => p.metadata?.deletionTimestamp !== undefined)).toBe(true);
    await f.clock.advanceBy(60_000);
    const running = (
      await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })
    ).items.filter((p) => !p.metadata?.deletionTimestamp);
    expect(running).toHaveLength(4);
    expect(
      running.every((p) => p.spec?.nodeName !== node.metadata?.name && p.status?.phase === "Running"),
    ).toBe(true);
    await f.admin("DELETE", `/faults/${id}`);
    expect(readyStatus(await core.readNode({ name: node.metadata?.name as string }))).toBe("True");
  });
});

describe("a daemonset the scenario says crashes on an OS SKU", () => {
  it("crash-loops on nodes of that SKU only, from the start, as a fault the admin API lists and clears", async () => {
    const crashing: ScenarioInput = structuredClone(scenario);
    const cluster = crashing.subscriptions?.[0]?.clusters?.[0];
    if (!cluster?.pools[1] || !cluster.workloads?.daemonSets?.[0]) throw new Error("scenario shape changed");
    cluster.pools[1].osSku = "AzureLinux3";
    cluster.workloads.daemonSets[0].crashOnOsSku = ["AzureLinux3"];
    const f = await startFixture({ scenario: crashing });
    try {
      f.clock.pause();
      await f.clock.advanceBy(120_000);
      const core = f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api);
      const pods = (await core.listNamespacedPod({ namespace: "monitoring" })).items;
      const onBlue = pods.filter((p) => p.spec?.nodeName?.startsWith("aks-blue-"));
      const onSystem = pods.filter((p) => p.spec?.nodeName?.startsWith("aks-system-"));
      expect([onBlue.length, onSystem.length]).toEqual([2, 2]);
      for (const pod of onBlue) {
        expect(pod.status?.containerStatuses?.[0]?.restartCount).toBeGreaterThan(0);
        expect(readyCondition(pod)).toBe("False");
      }
      for (const pod of onSystem) {
        expect(pod.status?.containerStatuses?.[0]?.restartCount).toBe(0);
        expect(readyCondition(pod)).toBe("True");
      }
      const faults = (await f.admin("GET", "/faults")).body as Array<Record<string, unknown>>;
      const fault = faults.find((x) => x.kind === "daemonset-crash");
      expect(fault).toMatchObject({
        cluster: CLUSTER,
        namespace: "monitoring",
        daemonSet: "node-agent",
        osSku: ["AzureLinux3"],
      });
      expect((await f.admin("DELETE", `/faults/${fault?.id}`)).status).toBe(204);
      const recovered = (await core.listNamespacedPod({ namespace: "monitoring" })).items;
      expect(recovered.every((p) => readyCondition(p) === "True")).toBe(true);
    } finally {
      await f.sim.close();
    }
  });
});

function readyCondition(pod: k8s.V1Pod): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === "Ready")?.status;
}

describe("pool deletion, budgets and the ledger", () => {
  it("fails a drain blocked by a budget, deletes when told to ignore budgets, and records the violation", async () => {
    const f = await startFixture({ scenario });
    try {
      const arm = f.arm(SUBSCRIPTION);
      const error = (await arm.agentPools.delete(RG, CLUSTER, "blue", FAST).catch((e: Error) => e)) as Error;
      expect(error.message).toMatch(
        /^The long-running operation has failed\. PodDrainFailure\. Node 'aks-blue-\d{8}-vmss00000\d' failed to be drained with error: 'Drain did not complete pods \[.*shop\/ledger-/,
      );
      expect(error.message).toContain("within 2m0s'");
      expect((await arm.agentPools.get(RG, CLUSTER, "blue")).provisioningState).toBe("Failed");
      expect((await f.admin("GET", "/ledger")).body.pdbViolations).toEqual([]);
      await arm.agentPools.delete(RG, CLUSTER, "blue", { ...FAST, ignorePodDisruptionBudget: true });
      await expect(arm.agentPools.get(RG, CLUSTER, "blue")).rejects.toMatchObject({ statusCode: 404 });
      const ledger = (await f.admin("GET", "/ledger")).body;
      expect(ledger.pdbViolations).toContainEqual(
        expect.objectContaining({
          cluster: CLUSTER,
          namespace: "shop",
          pdb: "ledger",
          cause: "drain-ignoring-pdb",
          desiredHealthy: 2,
        }),
      );
      const pending = (
        await f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: "shop" })
      ).items;
      expect(pending.every((p) => p.status?.phase === "Pending")).toBe(true);
      const hours = ledger.nodeHours.find((h: { pool: string }) => h.pool === "blue");
      expect(hours).toMatchObject({ cluster: CLUSTER, machines: 2 });
      expect(hours.nodeHours).toBeGreaterThan(0);
    } finally {
      await f.sim.close();
    }
  });
});
