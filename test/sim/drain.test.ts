import * as k8s from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { type Fixture, startPausedCluster, statusOf } from "./fixture.ts";

const CLUSTER = "aks-drain";

const drainScenario: ScenarioInput = {
  name: "drain",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "5b2f0d3e-1c4a-4f6b-8d7e-9a0b1c2d3e4f",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-drain",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            {
              name: "system",
              mode: "System",
              osSku: "AzureLinux3",
              vmSize: "Standard_D4s_v5",
              count: 2,
              nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
            },
            { name: "apps", osSku: "AzureLinux3", vmSize: "Standard_D4s_v5", count: 3 },
          ],
          workloads: {
            deployments: [
              {
                name: "web",
                namespace: "shop",
                replicas: 6,
                resources: { requests: { cpu: "500m", memory: "512Mi" } },
                startupSeconds: 10,
                terminationGracePeriodSeconds: 20,
                pdb: { maxUnavailable: 1 },
              },
              {
                name: "api",
                namespace: "shop",
                replicas: 2,
                nodeSelector: { agentpool: "system" },
                tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
                pdb: { minAvailable: 2 },
              },
            ],
          },
        },
      ],
    },
  ],
};

function eviction(pod: k8s.V1Pod) {
  const name = pod.metadata?.name as string;
  const namespace = pod.metadata?.namespace as string;
  return {
    name,
    namespace,
    body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name, namespace } },
  };
}

describe("evictions and drains against the simulated cluster", () => {
  let f: Fixture;
  let core: k8s.CoreV1Api;
  beforeEach(async () => {
    ({ f, core } = await startPausedCluster(drainScenario, CLUSTER));
  });
  afterEach(() => f.sim.close());

  it("refuses to evict a pod its budget protects, with the apiserver's 429 Status", async () => {
    const api = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=api" }))
      .items[0] as k8s.V1Pod;
    const error = await core.createNamespacedPodEviction(eviction(api)).catch((e) => e);
    expect((error as k8s.ApiException<unknown>).code).toBe(429);
    expect(statusOf(error)).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: "TooManyRequests",
      details: {
        causes: [
          {
            reason: "DisruptionBudget",
            message: "The disruption budget api needs 2 healthy pods and has 2 currently",
          },
        ],
      },
      code: 429,
    });
    expect(
      (await core.readNamespacedPod({ namespace: "shop", name: api.metadata?.name as string })).metadata
        ?.deletionTimestamp,
    ).toBeUndefined();
  });

  it("answers 500 when several budgets select the pod", async () => {
    await f
      .kube(CLUSTER)
      .makeApiClient(k8s.PolicyV1Api)
      .createNamespacedPodDisruptionBudget({
        namespace: "shop",
        body: {
          metadata: { name: "web-extra" },
          spec: { selector: { matchLabels: { app: "web" } }, maxUnavailable: 2 },
        },
      });
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" }))
      .items[0] as k8s.V1Pod;
    const error = await core.createNamespacedPodEviction(eviction(web)).catch((e) => e);
    expect(statusOf(error)).toMatchObject({
      code: 500,
      status: "Failure",
      reason: "InternalError",
      message:
        "Internal error occurred: This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
    });
  });

  it("refuses an eviction whose uid precondition names another pod with 409, spending nothing of the budget", async () => {
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" }))
      .items[0] as k8s.V1Pod;
    const request = eviction(web);
    const error = await core
      .createNamespacedPodEviction({
        ...request,
        body: { ...request.body, deleteOptions: { preconditions: { uid: "an-earlier-pod" } } },
      })
      .catch((e) => e);
    expect(statusOf(error)).toMatchObject({
      code: 409,
      reason: "Conflict",
      message: `Precondition failed: UID in precondition: an-earlier-pod, UID in object meta: ${web.metadata?.uid}`,
    });
    const budget = await f
      .kube(CLUSTER)
      .makeApiClient(k8s.PolicyV1Api)
      .readNamespacedPodDisruptionBudget({ namespace: "shop", name: "web" });
    expect(budget.status?.disruptionsAllowed).toBe(1);
    const still = await core.readNamespacedPod({ namespace: "shop", name: web.metadata?.name as string });
    expect(still.metadata?.deletionTimestamp).toBeUndefined();
  });

  it("drains a node by hand: pods move to the remaining schedulable nodes and no budget is broken", async () => {
    const webBefore = await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" });
    const node = webBefore.items[0]?.spec?.nodeName as string;
    await core.patchNode({ name: node, body: [{ op: "add", path: "/spec/unschedulable", value: true }] });
    let blocked = 0;
    for (let round = 0; round < 40; round++) {
      const onNode = (
        await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })
      ).items.filter((p) => p.metadata?.ownerReferences?.[0]?.kind !== "DaemonSet");
      if (onNode.length === 0) break;
      for (const pod of onNode.filter((p) => !p.metadata?.deletionTimestamp)) {
        await core.createNamespacedPodEviction(eviction(pod)).catch((e) => {
          expect((e as k8s.ApiException<unknown>).code).toBe(429);
          blocked++;
        });
      }
      await f.clock.advanceBy(5_000);
    }
    const remaining = (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
    expect(remaining.every((p) => p.metadata?.ownerReferences?.[0]?.kind === "DaemonSet")).toBe(true);
    await f.clock.advanceBy(15_000);
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
    expect(web).toHaveLength(6);
    expect(web.every((p) => p.spec?.nodeName !== node && p.status?.phase === "Running")).toBe(true);
    const appsNodes = (await core.listNode({ labelSelector: "agentpool=apps" })).items.map(
      (n) => n.metadata?.name,
    );
    expect(web.every((p) => appsNodes.includes(p.spec?.nodeName))).toBe(true);
    expect(blocked).toBeGreaterThan(0);
    const ledger = await f.admin("GET", "/ledger");
    expect(ledger.body.pdbViolations).toEqual([]);
    expect(ledger.body.lostPods).toEqual([]);
  });

  it("keeps pods that fit nowhere Pending with the scheduler's FailedScheduling event", async () => {
    await f
      .kube(CLUSTER)
      .makeApiClient(k8s.AppsV1Api)
      .patchNamespacedDeploymentScale(
        { namespace: "shop", name: "web", body: { spec: { replicas: 30 } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
    await f.clock.advanceBy(20_000);
    const pending = (
      await core.listNamespacedPod({ namespace: "shop", fieldSelector: "status.phase=Pending" })
    ).items;
    expect(pending.length).toBeGreaterThan(0);
    const condition = pending[0]?.status?.conditions?.find((c) => c.type === "PodScheduled");
    expect(condition).toMatchObject({ status: "False", reason: "Unschedulable" });
    expect(condition?.message).toMatch(
      /^0\/5 nodes are available: 3 Insufficient cpu, 2 node\(s\) had untolerated taint \{CriticalAddonsOnly: true\}\. preemption: /,
    );
    const events = await core.listNamespacedEvent({
      namespace: "shop",
      fieldSelector: `involvedObject.name=${pending[0]?.metadata?.name},reason=FailedScheduling`,
    });
    expect(events.items[0]).toMatchObject({
      type: "Warning",
      message: condition?.message,
      source: { component: "default-scheduler" },
    });
  });

  it("rolls a deployment out to the nodes its new required node affinity allows", async () => {
    const apps = f.kube(CLUSTER).makeApiClient(k8s.AppsV1Api);
    const excluded = (await core.listNode({ labelSelector: "agentpool=apps" })).items[0]?.metadata
      ?.name as string;
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            {
              matchExpressions: [
                { key: "kubernetes.azure.com/agentpool", operator: "In", values: ["apps"] },
                { key: "kubernetes.io/hostname", operator: "NotIn", values: [excluded] },
              ],
            },
          ],
        },
      },
    };
    await apps.patchNamespacedDeployment(
      { namespace: "shop", name: "web", body: { spec: { template: { spec: { affinity } } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    await f.clock.advanceBy(60_000);
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
    expect(web).toHaveLength(6);
    expect(web.every((p) => p.status?.phase === "Running" && p.spec?.nodeName !== excluded)).toBe(true);
    const deployment = await apps.readNamespacedDeployment({ namespace: "shop", name: "web" });
    expect(deployment.metadata?.generation).toBe(2);
    expect(deployment.status).toMatchObject({ replicas: 6, updatedReplicas: 6, readyReplicas: 6 });
    const sets = (await apps.listNamespacedReplicaSet({ namespace: "shop", labelSelector: "app=web" })).items;
    expect(sets.map((rs) => rs.spec?.replicas).sort()).toEqual([0, 6]);
  });

  it("garbage-collects a deleted node's pods, records them as lost and lets the kubelet re-register", async () => {
    const web = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
    const node = web[0]?.spec?.nodeName as string;
    const lost = web.filter((p) => p.spec?.nodeName === node).map((p) => p.metadata?.name);
    await core.deleteNode({ name: node });
    await expect(core.readNode({ name: node })).rejects.toMatchObject({ code: 404 });
    await f.clock.advanceBy(21_000);
    expect(
      (await core.readNode({ name: node })).status?.conditions?.find((c) => c.type === "Ready")?.status,
    ).toBe("False");
    await f.clock.advanceBy(30_000);
    expect(
      (await core.readNode({ name: node })).status?.conditions?.find((c) => c.type === "Ready")?.status,
    ).toBe("True");
    const after = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=web" })).items;
    expect(after).toHaveLength(6);
    expect(after.every((p) => p.status?.phase === "Running")).toBe(true);
    const ledger = await f.admin("GET", "/ledger");
    const lostInShop = ledger.body.lostPods.filter((p: { namespace: string }) => p.namespace === "shop");
    expect(lostInShop.map((p: { pod: string }) => p.pod).sort()).toEqual([...lost].sort());
    expect(lostInShop[0]).toMatchObject({
      cluster: CLUSTER,
      node,
      owner: { kind: "Deployment", name: "web" },
      reason: "node-deleted",
    });
  });
});
