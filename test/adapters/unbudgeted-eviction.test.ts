import { describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import type { NodePod } from "../../shared/domain/migration/drain-progress.ts";
import { evictPod, nodePods } from "../../shared/migration/node-drain.ts";
import { useNodeOperations } from "../support/node-operations-fixture.ts";

const CLUSTER = "aks-spare";
const MIGRATION = "migration:aks-spare:apps:1";
/** Replacements run within the default start-up and are Ready a minute later. */
const READY_SECONDS = 60;

const scenario: ScenarioInput = {
  name: "unbudgeted-eviction",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9c",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-spare",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            { name: "system", mode: "System", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 1 },
            { name: "apps", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 3 },
          ],
          workloads: {
            deployments: [
              { name: "web", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
              { name: "cache", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
              { name: "solo", namespace: "shop", replicas: 1 },
              { name: "api", namespace: "shop", replicas: 2, pdb: { maxUnavailable: 1 } },
              { name: "front", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
              { name: "edge", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
            ],
            statefulSets: [
              { name: "db", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
              { name: "queue", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
            ],
          },
        },
      ],
    },
  ],
};

const on = useNodeOperations(scenario, CLUSTER);
let steps = 0;

/** The pods of `app` not being deleted, as a drain's look at their nodes sees them now. */
async function looksAt(app: string): Promise<Look[]> {
  const running = on.cluster.store
    .list("pods", "shop")
    .filter((p) => p.metadata.labels?.app === app && p.metadata.deletionTimestamp === undefined);
  const looks = await Promise.all(
    running.map(async (p) => {
      const node = p.spec.nodeName as string;
      const pods = await nodePods(on.ports, on.cluster.id, node);
      return { node, pod: pods.find((pod) => pod.ref.uid === p.metadata.uid) as NodePod };
    }),
  );
  return looks.sort((a, b) => a.pod.ref.name.localeCompare(b.pod.ref.name));
}

type Look = { node: string; pod: NodePod };

/** The product's eviction of one looked-at pod, as a node drain's round sends it after `before`. */
function evict({ node, pod }: Look, before: Look[] = [], step = `evict-${++steps}`) {
  const alongside = before.flatMap((look) => (look.pod.unbudgeted ? [look.pod.unbudgeted.controller] : []));
  return evictPod(on.ports, {
    migrationId: MIGRATION,
    step,
    actor: "pool-migration",
    reason: `draining node ${node}`,
    clusterId: on.cluster.id,
    node,
    pod: pod.ref,
    ...(pod.unbudgeted && { unbudgeted: { ...pod.unbudgeted, alongside } }),
  });
}

function isReady(name: string): boolean {
  const conditions = on.cluster.store.get("pods", "shop", name)?.status?.conditions as {
    type: string;
    status: string;
  }[];
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function isTerminating(name: string): boolean {
  return on.cluster.store.get("pods", "shop", name)?.metadata.deletionTimestamp !== undefined;
}

describe("a pod no budget covers", () => {
  it("is told by its controller and readiness; a pod a budget covers is not", async () => {
    const [web] = await looksAt("web");
    expect(web?.pod.protectedByBudget).toBe(false);
    expect(web?.pod.unbudgeted).toEqual({
      controller: { kind: "ReplicaSet", name: expect.stringMatching(/^web-/) },
    });
    const [api] = await looksAt("api");
    expect(api?.pod.protectedByBudget).toBe(true);
    expect(api?.pod.unbudgeted).toBeUndefined();
  });

  it("has its workload's replicas read through its controller: a ReplicaSet's Deployment, a StatefulSet", async () => {
    const [web] = await looksAt("web");
    const replicaSet = web?.pod.unbudgeted?.controller.name as string;
    expect(
      await on.ports.nodes.controllerReplicas(on.cluster.id, "shop", {
        kind: "ReplicaSet",
        name: replicaSet,
      }),
    ).toEqual({ workload: "Deployment shop/web", desired: 2, ready: 2 });
    expect(
      await on.ports.nodes.controllerReplicas(on.cluster.id, "shop", { kind: "StatefulSet", name: "db" }),
    ).toEqual({
      workload: "StatefulSet shop/db",
      desired: 2,
      ready: 2,
    });
    expect(
      await on.ports.nodes.controllerReplicas(on.cluster.id, "shop", { kind: "Job", name: "nightly" }),
    ).toBeUndefined();
    expect(
      await on.ports.nodes.controllerReplicas(on.cluster.id, "shop", {
        kind: "ReplicaSet",
        name: "web-gone",
      }),
    ).toBeUndefined();
  });

  it("is not evicted while it is its workload's last Ready replica, and is once a replacement is Ready", async () => {
    const [first, second] = await looksAt("web");
    expect(await evict(first as Look)).toEqual({ kind: "evicted" });
    await on.clock.advanceBy(1_000);
    // Its replacement is there, not Ready yet; the second replica is the last Ready one.
    const last = (await looksAt("web")).find((look) => look.pod.ref.uid === second?.pod.ref.uid) as Look;
    const refused = await evict(last);
    expect(refused).toEqual({
      kind: "blocked",
      retryAfterSeconds: 0,
      reason:
        "it is the last Ready replica of Deployment shop/web (1 of 2 Ready), which has no PodDisruptionBudget: the drain keeps one Ready",
    });
    expect(isTerminating(second?.pod.ref.name as string)).toBe(false);
    const outcomes = (await on.audit.list(MIGRATION))
      .filter((r) => r.stage === "outcome")
      .map((r) => r.result);
    expect(outcomes.at(-1)).toMatch(/^blocked: it is the last Ready replica of Deployment shop\/web/);

    // The first one's replacement starts, then passes its readiness.
    await on.clock.advanceBy((30 + READY_SECONDS) * 1000);
    const [again] = (await looksAt("web")).filter((look) => look.pod.ref.uid === second?.pod.ref.uid);
    expect(await evict(again as Look)).toEqual({ kind: "evicted" });
    expect(on.sim.ledger().outages).toEqual([]);
  });

  it("counts the replicas the same round evicts before it: of two evicted at once, one waits", async () => {
    const looks = await looksAt("db");
    expect(looks).toHaveLength(2);
    const outcomes = await Promise.all(looks.map((look, index) => evict(look, looks.slice(0, index))));
    expect(outcomes.map((o) => o.kind)).toEqual(["evicted", "blocked"]);
    expect(outcomes[1]).toMatchObject({ reason: expect.stringContaining("1 being evicted with it") });
    expect(on.sim.ledger().outages).toEqual([]);
  });

  it("of a workload of one replica goes: it has no other to wait for", async () => {
    const [solo] = await looksAt("solo");
    expect(solo?.pod.unbudgeted).toBeDefined();
    expect(await evict(solo as Look)).toEqual({ kind: "evicted" });
    expect(on.sim.ledger().outages).toEqual([]);
  });
});

describe("an eviction of a pod no budget covers, read again as it is now", () => {
  it("answers as its first run did once that run's eviction went through (activities run at least once)", async () => {
    const [first] = await looksAt("front");
    const step = `evict-again-${++steps}`;
    expect(await evict(first as Look, [], step)).toEqual({ kind: "evicted" });
    await on.clock.advanceBy(1_000);
    // The worker died before the outcome reached the orchestration: the same input, again.
    expect(await evict(first as Look, [], step)).toEqual({ kind: "evicted" });
  });

  it("holds back a pod that turned Ready since the look, once it is the last Ready one", async () => {
    const [a, b] = await looksAt("edge");
    expect(await evict(a as Look)).toEqual({ kind: "evicted" });
    // A's replacement runs but is not Ready yet: the look says so.
    await on.clock.advanceBy(30_000);
    const replacement = (await looksAt("edge")).find((look) => look.pod.ref.uid !== b?.pod.ref.uid) as Look;
    expect(isReady(replacement.pod.ref.name)).toBe(false);
    // It turns Ready; another node's drain takes B meanwhile (2 Ready then: B and the replacement).
    await on.clock.advanceBy(READY_SECONDS * 1000);
    expect(await evict(b as Look)).toEqual({ kind: "evicted" });
    await on.clock.advanceBy(1_000);
    // The eviction sent from the earlier look: the replacement is now the last Ready replica.
    expect(await evict(replacement)).toMatchObject({ kind: "blocked" });
    expect(on.sim.ledger().outages).toEqual([]);
  });
});

describe("the simulator's ledger", () => {
  it("records a workload of several replicas, no budget covering it, left with none Ready", async () => {
    const cache = await looksAt("cache");
    for (const { pod } of cache)
      await on.core.createNamespacedPodEviction({
        name: pod.ref.name,
        namespace: "shop",
        body: {
          apiVersion: "policy/v1",
          kind: "Eviction",
          metadata: { name: pod.ref.name, namespace: "shop" },
        },
      });
    expect(on.sim.ledger().outages).toEqual([
      {
        at: expect.any(String),
        cluster: CLUSTER,
        namespace: "shop",
        workload: "Deployment shop/cache",
        pod: cache[1]?.pod.ref.name,
        cause: "eviction",
      },
    ]);
  });
});

describe("a StatefulSet's pod no budget covers", () => {
  it("is held while the other replica shuts down, Ready still (the StatefulSet's readyReplicas counts it)", async () => {
    const [first, second] = (await looksAt("queue")) as [Look, Look];
    expect(await evict(first)).toEqual({ kind: "evicted" });
    // The drain's next round, 5 s on: the first replica shuts down within its grace, Ready still.
    await on.clock.advanceBy(5_000);
    expect(isTerminating(first.pod.ref.name)).toBe(true);
    const set = on.cluster.store.get("statefulsets", "shop", "queue");
    expect(set?.status?.readyReplicas).toBe(2);
    expect(await evict(second)).toMatchObject({ kind: "blocked" });
    expect(on.sim.ledger().outages.filter((o) => o.workload === "StatefulSet shop/queue")).toEqual([]);
  });
});

describe("a pod of a controller the drain does not know (an operator's)", () => {
  /** A pod of OpenKruise's CloneSet `kv` on `node`, made from one of api's, Ready or not yet. */
  function cloneSetPod(name: string, node: string, ready: boolean) {
    const template = structuredClone(
      on.cluster.store.list("pods", "shop").find((p) => p.metadata.labels?.app === "api"),
    );
    if (!template) throw new Error("no pod of api to copy");
    template.metadata = {
      name,
      namespace: "shop",
      uid: `uid-${name}`,
      resourceVersion: "0",
      labels: { app: "kv" },
      creationTimestamp: new Date(on.clock.now()).toISOString(),
      ownerReferences: [
        {
          apiVersion: "apps.kruise.io/v1alpha1",
          kind: "CloneSet",
          name: "kv",
          uid: "uid-kv",
          controller: true,
        },
      ],
    };
    template.spec.nodeName = node;
    template.status.conditions = [{ type: "Ready", status: ready ? "True" : "False" }];
    return on.cluster.store.create("pods", template);
  }

  it("is counted by the pods its controller owns: the last Ready one waits for its replacement to be Ready", async () => {
    const nodes = on.cluster.store
      .list("nodes")
      .map((n) => n.metadata.name)
      .filter((n) => n.includes("apps"));
    cloneSetPod("kv-0", nodes[0] as string, true);
    cloneSetPod("kv-1", nodes[1] as string, true);
    const [first, second] = await looksAt("kv");
    expect(first?.pod.unbudgeted).toEqual({ controller: { kind: "CloneSet", name: "kv" } });
    expect(await evict(first as Look)).toEqual({ kind: "evicted" });
    // Before its controller made a replacement, the one being deleted still counts: the second waits.
    expect(await evict(second as Look)).toMatchObject({ kind: "blocked" });
    // The CloneSet's replacement, not Ready yet (the pod shutting down is counted until it is gone).
    cloneSetPod("kv-2", nodes[2] as string, false);
    expect(await evict(second as Look)).toEqual({
      kind: "blocked",
      retryAfterSeconds: 0,
      reason:
        "it is the last Ready replica of CloneSet shop/kv (1 of 3 Ready), which has no PodDisruptionBudget: the drain keeps one Ready",
    });
    expect(isTerminating("kv-1")).toBe(false);
  });

  it("is not held when it runs to completion (an Argo step, say): its controller keeps no replicas Ready", async () => {
    const [node] = on.cluster.store
      .list("nodes")
      .map((n) => n.metadata.name)
      .filter((n) => n.includes("apps"));
    for (const name of ["step-0", "step-1"]) {
      const step = cloneSetPod(name, node as string, true);
      step.metadata.ownerReferences = [
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Workflow",
          name: "etl",
          uid: "uid-etl",
          controller: true,
        },
      ];
      step.spec.restartPolicy = "Never";
      on.cluster.store.touch("pods", step);
    }
    expect(
      await on.ports.nodes.controllerReplicas(on.cluster.id, "shop", { kind: "Workflow", name: "etl" }),
    ).toBeUndefined();
  });
});
