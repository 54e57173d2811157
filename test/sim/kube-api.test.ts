import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, type Fixture, startFixture, statusOf } from "./fixture.ts";

const CLUSTER = "aks-prod-weu";

describe("the Kubernetes API of a simulated cluster, through @kubernetes/client-node", () => {
  let f: Fixture;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  beforeAll(async () => {
    f = await startFixture({ scenarioFile: DEMO });
    f.clock.pause();
    const kc = f.kube(CLUSTER);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
  });
  afterAll(() => f.sim.close());

  /** A busybox pod created with spec.nodeName (the first apps node, returned). */
  async function pinnedPod(name: string, run: { restartPolicy?: string; command?: string[] }) {
    const node = (await core.listNode({ labelSelector: "agentpool=apps" })).items[0]?.metadata
      ?.name as string;
    const { restartPolicy, command } = run;
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name },
        spec: {
          nodeName: node,
          ...(restartPolicy && { restartPolicy }),
          containers: [
            { name: "shell", image: "mcr.microsoft.com/azurelinux/busybox", ...(command && { command }) },
          ],
        },
      },
    });
    return node;
  }

  it("serves version and discovery as AKS does", async () => {
    const version = await f.kube(CLUSTER).makeApiClient(k8s.VersionApi).getCode();
    expect(version).toMatchObject({ major: "1", minor: "31", gitVersion: "v1.31.8" });
    const resources = await f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api).getAPIResources();
    expect(resources.resources.map((r) => r.name)).toEqual(
      expect.arrayContaining(["nodes", "pods", "pods/eviction", "events"]),
    );
  });

  it("lists nodes by label and field selector and reads one", async () => {
    const windows = await core.listNode({ labelSelector: "kubernetes.io/os=windows" });
    expect(windows.items.map((n) => n.metadata?.labels?.agentpool)).toEqual(["win", "win"]);
    const notWindows = await core.listNode({
      labelSelector: "kubernetes.io/os!=windows,agentpool in (apps, system)",
    });
    expect(notWindows.items).toHaveLength(9);
    const name = windows.items[0]?.metadata?.name as string;
    const byName = await core.listNode({ fieldSelector: `metadata.name=${name}` });
    expect(byName.items.map((n) => n.metadata?.name)).toEqual([name]);
    const node = await core.readNode({ name });
    expect(node.status?.nodeInfo?.operatingSystem).toBe("windows");
    expect(node.metadata?.labels?.["kubernetes.azure.com/os-sku-effective"]).toBe("Windows2022");
    const missing = await core.readNode({ name: "aks-nope-1-vmss000000" }).catch((e) => e);
    expect(statusOf(missing)).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "NotFound",
      code: 404,
      message: 'nodes "aks-nope-1-vmss000000" not found',
      details: { name: "aks-nope-1-vmss000000", kind: "nodes" },
    });
    const bad = await core.listNode({ fieldSelector: "status.phase=Running" }).catch((e) => e);
    expect(statusOf(bad)).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: "field label not supported: status.phase",
    });
  });

  it("lists pods by namespace, label and spec.nodeName, with limit/continue and resourceVersion", async () => {
    const shop = await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" });
    expect(shop.items).toHaveLength(6);
    const node = shop.items[0]?.spec?.nodeName as string;
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    expect(onNode.items.every((p) => p.spec?.nodeName === node)).toBe(true);
    expect(onNode.items.some((p) => p.metadata?.name === shop.items[0]?.metadata?.name)).toBe(true);
    const pod = await core.readNamespacedPod({
      namespace: "shop",
      name: shop.items[0]?.metadata?.name as string,
    });
    expect(pod.status?.phase).toBe("Running");
    expect(pod.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(pod.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", controller: true });

    const all = await core.listPodForAllNamespaces();
    const pages: k8s.V1Pod[] = [];
    let token: string | undefined;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 25, ...(token ? { _continue: token } : {}) });
      pages.push(...page.items);
      token = page.metadata?._continue;
    } while (token);
    expect(pages.map((p) => p.metadata?.uid)).toEqual(all.items.map((p) => p.metadata?.uid));
    const exact = await core.listPodForAllNamespaces({
      resourceVersion: all.metadata?.resourceVersion,
      resourceVersionMatch: "NotOlderThan",
    });
    expect(exact.items).toHaveLength(all.items.length);
    const tooNew = await core.listPodForAllNamespaces({ resourceVersion: "999999999" }).catch((e) => e);
    expect(statusOf(tooNew)).toMatchObject({ code: 504, reason: "Timeout" });
  });

  it("relists a changed pod as it is now, and every listed pod as a read of it serves it", async () => {
    const [first] = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" }))
      .items;
    const node = first?.spec?.nodeName as string;
    const listOnNode = () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` });
    await listOnNode();
    await core.patchNamespacedPod({
      namespace: "shop",
      name: first?.metadata?.name as string,
      body: [{ op: "add", path: "/metadata/labels/relisted", value: "yes" }],
    });
    const relisted = await listOnNode();
    const patched = relisted.items.find((p) => p.metadata?.name === first?.metadata?.name);
    expect(patched?.metadata?.labels?.relisted).toBe("yes");
    expect(patched?.metadata?.resourceVersion).not.toBe(first?.metadata?.resourceVersion);
    for (const pod of relisted.items) {
      const read = await core.readNamespacedPod({
        namespace: pod.metadata?.namespace as string,
        name: pod.metadata?.name as string,
      });
      expect({ ...read, kind: undefined, apiVersion: undefined }).toEqual(pod);
    }
  });

  it("expires a continue token 5 minutes after its revision is superseded, with 410 Expired", async () => {
    const first = await core.listPodForAllNamespaces({ limit: 10 });
    const second = await core.listPodForAllNamespaces({ limit: 10, _continue: first.metadata?._continue });
    expect(second.items).toHaveLength(10);
    const next = () => core.listPodForAllNamespaces({ limit: 10, _continue: second.metadata?._continue });
    // Compaction keeps the current revision: with nothing written, the token lasts.
    await f.clock.advanceBy(6 * 60_000);
    expect((await next()).items).toHaveLength(10);
    const node = (await core.listNode({ limit: 1 })).items[0]?.metadata?.name as string;
    await core.patchNode(
      { name: node, body: { metadata: { labels: { "review/touched": "yes" } } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await f.clock.advanceBy(4 * 60_000);
    expect((await next()).items).toHaveLength(10);
    // A later page's token carries the first page's revision, so it expires with it.
    await f.clock.advanceBy(61_000);
    expect(statusOf(await next().catch((e) => e))).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "Expired",
      code: 410,
      message: expect.stringMatching(
        /^The provided continue parameter is too old to display a consistent list result\./,
      ),
    });
    expect((await core.listPodForAllNamespaces({ limit: 10 })).items).toHaveLength(10);
  });

  it("serves workloads with live status, csidrivers and events", async () => {
    const deployment = await apps.readNamespacedDeployment({ namespace: "shop", name: "storefront" });
    expect(deployment.status).toMatchObject({
      replicas: 6,
      readyReplicas: 6,
      availableReplicas: 6,
      updatedReplicas: 6,
    });
    const sets = await apps.listNamespacedReplicaSet({ namespace: "shop", labelSelector: "app=storefront" });
    expect(sets.items[0]?.status?.readyReplicas).toBe(6);
    const sts = await apps.readNamespacedStatefulSet({ namespace: "shop", name: "orders-db" });
    expect(sts.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
    const ds = await apps.readNamespacedDaemonSet({ namespace: "kube-system", name: "kube-proxy" });
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 9, numberReady: 9, currentNumberScheduled: 9 });
    const drivers = await f.kube(CLUSTER).makeApiClient(k8s.StorageV1Api).listCSIDriver();
    expect(drivers.items.map((d) => d.metadata?.name)).toEqual(["disk.csi.azure.com", "file.csi.azure.com"]);
    const pdb = await f
      .kube(CLUSTER)
      .makeApiClient(k8s.PolicyV1Api)
      .readNamespacedPodDisruptionBudget({ namespace: "shop", name: "orders-db" });
    expect(pdb.status).toMatchObject({
      currentHealthy: 3,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptionsAllowed: 1,
    });
    expect(pdb.status?.conditions?.[0]).toMatchObject({
      type: "DisruptionAllowed",
      status: "True",
      reason: "SufficientPods",
    });
  });

  it("patches node taints and unschedulable with each patch type client-node sends", async () => {
    const nodes = await core.listNode({ labelSelector: "agentpool=apps" });
    const [a, b, c] = nodes.items.map((n) => n.metadata?.name as string);
    await core.patchNode({
      name: a as string,
      body: [{ op: "add", path: "/spec/unschedulable", value: true }],
    });
    await core.patchNode(
      {
        name: b as string,
        body: { spec: { taints: [{ key: "lifecycle", value: "retiring", effect: "NoSchedule" }] } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
    );
    await core.patchNode(
      {
        name: c as string,
        body: { metadata: { labels: { "lifecycle/state": "draining" } }, spec: { unschedulable: true } },
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const cordoned = await core.readNode({ name: a as string });
    expect(cordoned.spec?.unschedulable).toBe(true);
    expect(cordoned.spec?.taints).toEqual([
      expect.objectContaining({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }),
    ]);
    expect((await core.readNode({ name: b as string })).spec?.taints).toEqual([
      { key: "lifecycle", value: "retiring", effect: "NoSchedule" },
    ]);
    const labelled = await core.readNode({ name: c as string });
    expect(labelled.metadata?.labels?.["lifecycle/state"]).toBe("draining");
    expect(labelled.spec?.unschedulable).toBe(true);
    const ssa = await core
      .patchNode(
        { name: a as string, body: {} },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.ServerSideApply),
      )
      .catch((e) => e);
    expect(statusOf(ssa)).toMatchObject({ code: 415, reason: "UnsupportedMediaType" });
    const invalid = await core
      .patchNode(
        { name: a as string, body: { spec: { taints: [{ key: "x", effect: "Sometimes" }] } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    expect(statusOf(invalid)).toMatchObject({
      code: 422,
      reason: "Invalid",
      message: `Node "${a}" is invalid: spec.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
      details: {
        name: a,
        kind: "Node",
        causes: [
          {
            reason: "FieldValueNotSupported",
            message:
              'Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
            field: "spec.taints[0].effect",
          },
        ],
      },
    });
    const stale = await core
      .patchNode(
        { name: a as string, body: { metadata: { resourceVersion: "1" }, spec: { unschedulable: false } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      )
      .catch((e) => e);
    expect(statusOf(stale)).toMatchObject({ code: 409, reason: "Conflict" });
    for (const name of [a, b, c]) {
      await core.patchNode(
        { name: name as string, body: { spec: { unschedulable: null, taints: null } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
      );
    }
    expect((await core.readNode({ name: a as string })).spec?.taints ?? []).toEqual([]);
  });

  it("refuses pod spec changes the apiserver forbids", async () => {
    const pod = (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=checkout-api" }))
      .items[0] as k8s.V1Pod;
    const error = await core
      .patchNamespacedPod(
        { namespace: "shop", name: pod.metadata?.name as string, body: { spec: { nodeName: "elsewhere" } } },
        k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.StrategicMergePatch),
      )
      .catch((e) => e);
    expect(statusOf(error)).toMatchObject({ code: 422, reason: "Invalid" });
    expect(statusOf(error).details.causes[0]).toMatchObject({ reason: "FieldValueForbidden", field: "spec" });
    expect(statusOf(error).message).toContain("pod updates may not change fields other than");
  });

  it("runs a pod created with spec.nodeName on that node, without the scheduler", async () => {
    const node = await pinnedPod("pinned", {});
    const creating = await core.readNamespacedPod({ namespace: "default", name: "pinned" });
    expect(creating.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
    await f.clock.advanceBy(5_000);
    const running = await core.readNamespacedPod({ namespace: "default", name: "pinned" });
    expect(running.spec?.nodeName).toBe(node);
    expect(running.status?.phase).toBe("Running");
    const events = await core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: "involvedObject.name=pinned,reason=Scheduled",
    });
    expect(events.items).toEqual([]);
  });

  it("ends a pod that is not restarted (restartPolicy Never) Succeeded once its command has run", async () => {
    await pinnedPod("one-shot", { restartPolicy: "Never", command: ["true"] });
    await f.clock.advanceBy(5_000);
    expect((await core.readNamespacedPod({ namespace: "default", name: "one-shot" })).status?.phase).toBe(
      "Running",
    );
    await f.clock.advanceBy(1_000);
    const done = await core.readNamespacedPod({ namespace: "default", name: "one-shot" });
    expect(done.status?.phase).toBe("Succeeded");
    expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
      exitCode: 0,
      reason: "Completed",
    });
    expect(done.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      status: "False",
      reason: "PodCompleted",
    });
  });

  it("scales a deployment through its scale subresource", async () => {
    const scale = await apps.readNamespacedDeploymentScale({ namespace: "shop", name: "checkout-api" });
    expect(scale.spec?.replicas).toBe(4);
    expect(scale.status?.selector).toBe("app=checkout-api");
    await apps.patchNamespacedDeploymentScale(
      { namespace: "shop", name: "checkout-api", body: { spec: { replicas: 5 } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    await f.clock.advanceBy(30_000);
    const deployment = await apps.readNamespacedDeployment({ namespace: "shop", name: "checkout-api" });
    expect(deployment.spec?.replicas).toBe(5);
    expect(deployment.status?.readyReplicas).toBe(5);
    expect(deployment.metadata?.generation).toBe(2);
  });

  it("takes a new pod through ContainerCreating for its startup time, and a deleted one through its grace period", async () => {
    // storefront's pods start in 20 s (demo.yaml).
    await apps.patchNamespacedDeploymentScale(
      { namespace: "shop", name: "storefront", body: { spec: { replicas: 7 } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    const notRunning = async () =>
      (await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" })).items.filter(
        (p) => p.status?.phase !== "Running",
      );
    const [creating] = await notRunning();
    expect(creating?.status?.phase).toBe("Pending");
    expect(creating?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe("ContainerCreating");
    await f.clock.advanceBy(19_000);
    expect((await notRunning()).map((p) => p.metadata?.name)).toEqual([creating?.metadata?.name]);
    await f.clock.advanceBy(1_000);
    expect(await notRunning()).toEqual([]);
    const name = creating?.metadata?.name as string;
    const started = await core.readNamespacedPod({ namespace: "shop", name });
    expect(started.status?.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
    });

    await core.deleteNamespacedPod({ namespace: "shop", name, gracePeriodSeconds: 10 });
    await f.clock.advanceBy(9_000);
    const terminating = await core.readNamespacedPod({ namespace: "shop", name });
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(10);
    expect(terminating.metadata?.deletionTimestamp).toBeDefined();
    await f.clock.advanceBy(1_000);
    await expect(core.readNamespacedPod({ namespace: "shop", name })).rejects.toMatchObject({ code: 404 });
  });

  it("streams watch events from the current resourceVersion", async () => {
    const kc = f.kube(CLUSTER);
    const list = await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=checkout-api" });
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const controller = await watch.watch(
      "/api/v1/namespaces/shop/pods",
      { labelSelector: "app=checkout-api", resourceVersion: list.metadata?.resourceVersion },
      (phase, pod: k8s.V1Pod) =>
        events.push(
          `${phase} ${pod.metadata?.name} ${pod.metadata?.deletionTimestamp ? "terminating" : pod.status?.phase}`,
        ),
      () => {},
    );
    const victim = list.items[0]?.metadata?.name as string;
    await core.deleteNamespacedPod({ namespace: "shop", name: victim });
    await f.clock.advanceBy(60_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    expect(events).toContain(`MODIFIED ${victim} terminating`);
    expect(events).toContain(`DELETED ${victim} terminating`);
    expect(events.some((e) => e.startsWith("ADDED ") && !e.includes(victim))).toBe(true);
  });

  it("lets a pod orphaned by a patch go: its ReplicaSet makes a replacement, the orphan stays", async () => {
    const before = await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" });
    const orphan = before.items[0]?.metadata?.name as string;
    await core.patchNamespacedPod(
      {
        namespace: "shop",
        name: orphan,
        body: [{ op: "remove", path: "/metadata/ownerReferences" }],
      },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.JsonPatch),
    );
    await f.clock.advanceBy(60_000);
    const after = await core.listNamespacedPod({ namespace: "shop", labelSelector: "app=storefront" });
    const owned = after.items.filter((pod) => pod.metadata?.ownerReferences?.length);
    expect(owned).toHaveLength(before.items.length);
    expect(owned.some((pod) => pod.metadata?.name === orphan)).toBe(false);
    expect(after.items.map((pod) => pod.metadata?.name)).toContain(orphan);
  });
  it("schedules nothing on a Node created through the API with no kubelet behind it, and goes on serving", async () => {
    await core.createNode({ body: { metadata: { name: "hand-made" } } });
    await core.createNamespacedPod({
      namespace: "default",
      body: {
        metadata: { name: "unpinned" },
        spec: { containers: [{ name: "shell", image: "mcr.microsoft.com/azurelinux/busybox" }] },
      },
    });
    await f.clock.advanceBy(30_000);
    const placed = await core.readNamespacedPod({ namespace: "default", name: "unpinned" });
    expect(placed.spec?.nodeName).toBeDefined();
    expect(placed.spec?.nodeName).not.toBe("hand-made");
    await core.deleteNode({ name: "hand-made" });
  });
});
