// Review of da5a2c2: the last-Ready check of an eviction no budget guards, on a simulated cluster, where
// it answers from something other than the pod as it is now.

import { describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import type { NodePod } from "../../shared/domain/migration/drain-progress.ts";
import { evictPod, nodePods } from "../../shared/migration/node-drain.ts";
import { useNodeOperations } from "../support/node-operations-fixture.ts";

const CLUSTER = "aks-review";
const MIGRATION = "migration:aks-review:apps:1";
const READY_SECONDS = 60;

const scenario: ScenarioInput = {
  name: "unbudgeted-eviction-review",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "6f7a8b9c-0d1e-4f2a-8b3c-4d5e6f7a8b9d",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-review",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [
            { name: "system", mode: "System", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 1 },
            { name: "apps", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 3 },
          ],
          workloads: {
            deployments: [
              { name: "front", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
              { name: "edge", namespace: "shop", replicas: 2, readySeconds: READY_SECONDS },
            ],
          },
        },
      ],
    },
  ],
};

const on = useNodeOperations(scenario, CLUSTER);
let steps = 0;

type Look = { node: string; pod: NodePod };

async function looksAt(app: string): Promise<Look[]> {
  const running = on.cluster.store
    .list("pods", "shop")
    .filter((p) => p.metadata.labels?.app === app && p.metadata.deletionTimestamp === undefined);
  return Promise.all(
    running.map(async (p) => {
      const node = p.spec.nodeName as string;
      const pods = await nodePods(on.ports, on.cluster.id, node);
      return { node, pod: pods.find((pod) => pod.ref.uid === p.metadata.uid) as NodePod };
    }),
  );
}

function stepOf({ node, pod }: Look, step = `evict-${++steps}`) {
  return {
    migrationId: MIGRATION,
    step,
    actor: "pool-migration",
    reason: `draining node ${node}`,
    clusterId: on.cluster.id,
    node,
    pod: pod.ref,
    ...(pod.unbudgeted && { unbudgeted: { ...pod.unbudgeted, alongside: 0 } }),
  };
}

describe("review: an eviction activity run again (durable activities run at least once)", () => {
  it("answers as its first run did once that run's eviction went through, not blocked", async () => {
    const [first] = await looksAt("front");
    const step = stepOf(first as Look, "evict-again");
    expect(await evictPod(on.ports, step)).toEqual({ kind: "evicted" });
    await on.clock.advanceBy(1_000);
    // The worker died before the outcome reached the orchestration: the same input, again.
    const again = await evictPod(on.ports, step);
    expect(again.kind, JSON.stringify(again)).not.toBe("blocked");
  });
});

describe("review: the readiness the check trusts", () => {
  it("holds back a pod that turned Ready since the look, once it is the last Ready one", async () => {
    const [a, b] = await looksAt("edge");
    expect(await evictPod(on.ports, stepOf(a as Look))).toEqual({ kind: "evicted" });
    // A's replacement runs but is not Ready yet: the look says so.
    await on.clock.advanceBy(30_000);
    const replacement = (await looksAt("edge")).find((look) => look.pod.ref.uid !== b?.pod.ref.uid) as Look;
    expect(replacement.pod.unbudgeted?.healthy).toBe(false);
    // It turns Ready; another node's drain takes B meanwhile (2 Ready then: B and the replacement).
    await on.clock.advanceBy(READY_SECONDS * 1000);
    expect(await evictPod(on.ports, stepOf(b as Look))).toEqual({ kind: "evicted" });
    await on.clock.advanceBy(1_000);
    // The eviction sent from the earlier look: the replacement is now the last Ready replica.
    const outcome = await evictPod(on.ports, stepOf(replacement));
    expect(on.sim.ledger().outages, JSON.stringify(outcome)).toEqual([]);
  });
});
