import * as k8s from "@kubernetes/client-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { FAST, type Fixture, startFixture } from "./fixture.ts";

const SUBSCRIPTION = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d";
const RG = "rg-upgrade";
const CLUSTER = "aks-upgrade";

function scenario(undrainableNodeBehavior: "Schedule" | "Cordon", blockingBudget: boolean): ScenarioInput {
  return {
    name: "upgrade",
    subscriptions: [
      {
        id: SUBSCRIPTION,
        clusters: [
          {
            name: CLUSTER,
            resourceGroup: RG,
            location: "northeurope",
            kubernetesVersion: "1.31.8",
            pools: [
              { name: "system", mode: "System", osSku: "AzureLinux", vmSize: "Standard_D4s_v5", count: 1 },
              {
                name: "apps",
                osSku: "AzureLinux",
                vmSize: "Standard_D4s_v5",
                count: 3,
                upgradeSettings: { maxSurge: "1", drainTimeoutInMinutes: 5, undrainableNodeBehavior },
              },
            ],
            workloads: {
              systemComponents: false,
              deployments: [
                {
                  name: "web",
                  namespace: "shop",
                  replicas: 6,
                  resources: { requests: { cpu: "250m", memory: "256Mi" } },
                  startupSeconds: 15,
                  pdb: blockingBudget ? { minAvailable: 6 } : { maxUnavailable: 1 },
                },
              ],
            },
          },
        ],
      },
    ],
  };
}

describe("switching a pool's osSku in place: a surge upgrade", () => {
  let f: Fixture;
  afterEach(() => f.sim.close());

  describe("with budgets that allow it", () => {
    beforeEach(async () => {
      const pinned = scenario("Schedule", false);
      const apps = pinned.subscriptions?.[0]?.clusters?.[0]?.pools[1];
      if (!apps) throw new Error("scenario shape changed");
      // A kernel pinned on the pool's current image: machines on the new image run that image's kernel.
      apps.kernelVersion = "5.15.173.1-1.cm2";
      f = await startFixture({ scenario: pinned });
    });

    it("replaces every node with an Azure Linux 3 one, one at a time, without breaking the budget", async () => {
      const arm = f.arm(SUBSCRIPTION);
      const core = f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api);
      const old = (await core.listNode({ labelSelector: "agentpool=apps" })).items;
      expect(old.map((n) => n.status?.nodeInfo?.kernelVersion)).toEqual(Array(3).fill("5.15.173.1-1.cm2"));
      const before = old.map((n) => n.metadata?.name);
      const start = f.clock.now();
      const poller = arm.agentPools.createOrUpdate(
        RG,
        CLUSTER,
        "apps",
        { count: 3, vmSize: "Standard_D4s_v5", osSKU: "AzureLinux3" },
        FAST,
      );
      await poller.submitted();
      expect((await arm.agentPools.get(RG, CLUSTER, "apps")).provisioningState).toBe("Upgrading");
      const pool = await poller;
      expect(pool).toMatchObject({
        provisioningState: "Succeeded",
        osSKU: "AzureLinux3",
        nodeImageVersion: "AKSAzureLinux-V3gen2-202602.13.5",
        count: 3,
      });
      const nodes = (await core.listNode({ labelSelector: "agentpool=apps" })).items;
      expect(nodes).toHaveLength(3);
      expect(nodes.map((n) => n.metadata?.name).filter((n) => before.includes(n))).toEqual([]);
      for (const node of nodes) {
        expect(node.metadata?.labels?.["kubernetes.azure.com/os-sku-effective"]).toBe("AzureLinux3");
        expect(node.status?.nodeInfo?.kernelVersion).toMatch(/azl3$/);
      }
      const web = (await core.listNamespacedPod({ namespace: "shop" })).items;
      expect(web.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp)).toHaveLength(
        6,
      );
      const drains = await core.listEventForAllNamespaces({ fieldSelector: "reason=Drain" });
      expect(
        drains.items
          .filter((e) => e.message?.startsWith("Draining node:"))
          .map((e) => e.involvedObject.name)
          .sort(),
      ).toEqual([...before].sort());
      expect(f.sim.ledger().pdbViolations).toEqual([]);
      expect(f.clock.now() - start).toBeGreaterThan(3 * 60_000);
    });
  });

  describe("with a budget that never allows an eviction", () => {
    it("fails with PodDrainFailure when undrainable nodes are to be scheduled", async () => {
      f = await startFixture({ scenario: scenario("Schedule", true) });
      const error = (await f
        .arm(SUBSCRIPTION)
        .agentPools.createOrUpdate(
          RG,
          CLUSTER,
          "apps",
          { count: 3, vmSize: "Standard_D4s_v5", osSKU: "AzureLinux3" },
          FAST,
        )
        .catch((e: Error) => e)) as Error;
      expect(error.message).toMatch(
        /^The long-running operation has failed\. PodDrainFailure\. .* within 5m0s'$/,
      );
    });

    it("cordons and labels the blocked nodes when undrainableNodeBehavior is Cordon", async () => {
      f = await startFixture({ scenario: scenario("Cordon", true) });
      const pool = await f
        .arm(SUBSCRIPTION)
        .agentPools.createOrUpdate(
          RG,
          CLUSTER,
          "apps",
          { count: 3, vmSize: "Standard_D4s_v5", osSKU: "AzureLinux3" },
          FAST,
        );
      expect(pool.provisioningState).toBe("Succeeded");
      const quarantined = await f
        .kube(CLUSTER)
        .makeApiClient(k8s.CoreV1Api)
        .listNode({ labelSelector: "kubernetes.azure.com/upgrade-status=Quarantined" });
      expect(quarantined.items.length).toBeGreaterThan(0);
      expect(quarantined.items.every((n) => n.spec?.unschedulable === true)).toBe(true);
      expect(
        quarantined.items.every(
          (n) => n.metadata?.labels?.["kubernetes.azure.com/os-sku-effective"] === "AzureLinux2",
        ),
      ).toBe(true);
    });
  });
});
