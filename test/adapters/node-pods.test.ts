// A node drain's look at a node's pods (nodePods), through the real @kubernetes/client-node against a
// simulated cluster: a pod the drain cannot act on is refused there, so no effect ever sees it.

import { describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import type { NodeOperations } from "../../shared/domain/ports/node-operations.ts";
import { nodePods } from "../../shared/migration/node-drain.ts";
import { useNodeOperations } from "../support/node-operations-fixture.ts";

const CLUSTER = "aks-look";

const scenario: ScenarioInput = {
  name: "node-pods",
  startTime: "2026-03-02T08:00:00Z",
  subscriptions: [
    {
      id: "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
      clusters: [
        {
          name: CLUSTER,
          resourceGroup: "rg-look",
          location: "westeurope",
          kubernetesVersion: "1.32.5",
          pools: [{ name: "apps", mode: "System", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 1 }],
          workloads: {
            deployments: [{ name: "web", namespace: "shop", replicas: 2 }],
            statefulSets: [{ name: "ledger", namespace: "shop", replicas: 1 }],
          },
        },
      ],
    },
  ],
};

const on = useNodeOperations(scenario, CLUSTER);

describe("nodePods", () => {
  it("refuses a pod without a uid (evictions and deletes go by uid), and only that one", async () => {
    const [node] = on.cluster.store.list("nodes").map((n) => n.metadata.name);
    // The API server always gives a uid: one read without it stands for any other way of losing it.
    const nodes: NodeOperations = Object.create(on.ports.nodes);
    const [web0, web1] = on.cluster.store.list("pods", "shop").map((p) => p.metadata.name);
    nodes.pods = async (clusterId, names) =>
      (await on.ports.nodes.pods(clusterId, names)).map((pod) =>
        pod.metadata?.name === web0 ? { ...pod, metadata: { ...pod.metadata, uid: undefined } } : pod,
      );
    const pods = await nodePods({ nodes }, on.cluster.id, node as string);
    const refusals = new Map(pods.map((pod) => [pod.ref.name, pod.refusal]));
    expect(refusals.get(web0 as string)).toBe("it has no uid to evict or delete it by");
    expect(refusals.has(web1 as string)).toBe(true);
    expect(pods.filter((pod) => pod.refusal !== undefined)).toHaveLength(1);
  });

  it("names the StatefulSet a pod is of (a force delete of it risks two pods of one identity)", async () => {
    const [node] = on.cluster.store.list("nodes").map((n) => n.metadata.name);
    const pods = await nodePods(on.ports, on.cluster.id, node as string);
    const shop = pods.filter((pod) => pod.ref.namespace === "shop");
    expect(shop.map((pod) => [pod.ref.name.replace(/-[a-z0-9]+-[a-z0-9]+$/, "-*"), pod.statefulSet])).toEqual(
      expect.arrayContaining([
        ["ledger-0", "ledger"],
        ["web-*", undefined],
      ]),
    );
  });
});
