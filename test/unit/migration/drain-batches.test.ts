import type { V1Pod } from "@kubernetes/client-node";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  autoBatchCap,
  type BudgetLoad,
  budgetLoad,
  drainBatches,
  GROWTH_LEAD_BATCHES,
  growsWithDrain,
  growthLeadBatches,
  headroomNodes,
  newPoolRoomFor,
  poolWorkOrder,
  retainedOldNodes,
} from "../../../shared/domain/migration/drain-batches.ts";
import { deployment, deploymentPods, pdb, pod } from "../../support/risk-fixtures.ts";

const NODES = ["n0", "n1", "n2", "n3", "n4"];
const NO_BUDGETS: BudgetLoad = { perNode: {}, allowed: {} };
const NO_WORKLOADS = { pods: [], podDisruptionBudgets: [], deployments: [], statefulSets: [] };

describe("budgetLoad", () => {
  it("counts, per node, the pods each budget covers that the drain evicts, and what each budget allows now", () => {
    const pods = [
      ...deploymentPods("web", "shop", ["n0", "n0", "n1"]),
      ...deploymentPods("api", "shop", ["n1"]),
      pod("agent-0", "monitoring", "n0", { owner: { kind: "DaemonSet", name: "agent" } }),
      ...deploymentPods("web", "shop", ["elsewhere"]),
    ];
    const budgets = [
      pdb("web", "shop", "web", { maxUnavailable: 2 }, 2),
      // No status yet: computed from the spec as the disruption controller would.
      pdb("api", "shop", "api", { minAvailable: 0 }),
      pdb("agent", "monitoring", "agent", { maxUnavailable: 0 }, 0),
    ];
    expect(budgetLoad(["n0", "n1"], { ...NO_WORKLOADS, pods, podDisruptionBudgets: budgets })).toEqual({
      perNode: {
        n0: { "PodDisruptionBudget shop/web": 2 },
        n1: { "PodDisruptionBudget shop/web": 1, "PodDisruptionBudget shop/api": 1 },
      },
      allowed: { "PodDisruptionBudget shop/web": 2, "PodDisruptionBudget shop/api": 1 },
      maxBatch: 1,
      spaced: true,
      handsOverHeld: true,
      startsChainsFirst: true,
      drainsHeldWhileRoomComes: true,
      drainsBackInBatches: true,
      fixedKeepsUnbudgeted: true,
    });
  });
  it("gives a controller no budget covers one of its own: all its replicas but one, never fewer than one node holds", () => {
    const pods = [
      // Three replicas, none protected: two may go at once, so two nodes' worth, not all three.
      ...deploymentPods("cache", "shop", ["n0", "n1", "n2"]),
      // A single replica: its node drains where nothing else of it is.
      ...deploymentPods("report", "shop", ["n0"]),
      // Two replicas both on one node: that node must still drain, so both may go.
      ...deploymentPods("pair", "shop", ["n1", "n1"]),
      // Covered by a budget: counted against that budget only.
      ...deploymentPods("web", "shop", ["n2"]),
      pod("debug", "shop", "n2"),
    ];
    const load = budgetLoad(NODES, {
      ...NO_WORKLOADS,
      pods,
      podDisruptionBudgets: [pdb("web", "shop", "web", { maxUnavailable: 1 }, 1)],
    });
    expect(load).toEqual({
      perNode: {
        n0: { "ReplicaSet shop/cache-5d8f7c9b4": 1, "ReplicaSet shop/report-5d8f7c9b4": 1 },
        n1: { "ReplicaSet shop/cache-5d8f7c9b4": 1, "ReplicaSet shop/pair-5d8f7c9b4": 2 },
        n2: { "ReplicaSet shop/cache-5d8f7c9b4": 1, "PodDisruptionBudget shop/web": 1 },
        n3: {},
        n4: {},
      },
      allowed: {
        "PodDisruptionBudget shop/web": 1,
        "ReplicaSet shop/cache-5d8f7c9b4": 2,
        "ReplicaSet shop/report-5d8f7c9b4": 1,
        "ReplicaSet shop/pair-5d8f7c9b4": 2,
      },
      maxBatch: 3,
      spaced: true,
      handsOverHeld: true,
      startsChainsFirst: true,
      drainsHeldWhileRoomComes: true,
      drainsBackInBatches: true,
      fixedKeepsUnbudgeted: true,
    });
    // The cache's three replicas never drain together.
    expect(drainBatches(NODES, load, "auto")).toEqual([
      ["n0", "n1", "n3"],
      ["n2", "n4"],
    ]);
  });

  it("counts a Deployment's pods over all its ReplicaSets: a rollout under way has two", () => {
    const newer = (name: string, nodeName: string, phase?: string) =>
      pod(name, "shop", nodeName, {
        owner: { kind: "ReplicaSet", name: "cache-7f6d5c4b3" },
        labels: { app: "cache", "pod-template-hash": "7f6d5c4b3" },
        ...(phase && { phase }),
      });
    const four = ["n0", "n1", "n2", "n3"];
    const load = budgetLoad(four, {
      ...NO_WORKLOADS,
      // Two replicas, one of each ReplicaSet; a pod elsewhere that has finished is no replica.
      pods: [
        ...deploymentPods("cache", "shop", ["n0"]),
        newer("cache-7f6d5c4b3-0", "n1"),
        newer("cache-7f6d5c4b3-1", "n9", "Succeeded"),
      ],
      deployments: [deployment("cache", "shop", 2)],
    });
    expect(load.perNode).toEqual({
      n0: { "Deployment shop/cache": 1 },
      n1: { "Deployment shop/cache": 1 },
      n2: {},
      n3: {},
    });
    expect(load.allowed).toEqual({ "Deployment shop/cache": 1 });
    // Each ReplicaSet alone would allow its one pod, and n0 and n1 would drain together: no cache left.
    expect(drainBatches(four, load, "auto")).toEqual([
      ["n0", "n2"],
      ["n1", "n3"],
    ]);
  });

  it("counts only a workload's Ready replicas as its healthy ones: a Pending replica leaves none to spare", () => {
    const [first, second, third] = deploymentPods("cache", "shop", ["n0", "n1", "n2"]) as [
      V1Pod,
      V1Pod,
      V1Pod,
    ];
    // Two of three replicas serve; one is still starting.
    const starting = { ...third, status: { phase: "Pending" } };
    const load = budgetLoad(NODES, { ...NO_WORKLOADS, pods: [first, second, starting] });
    expect(load.allowed).toEqual({ "ReplicaSet shop/cache-5d8f7c9b4": 1 });
    const batches = drainBatches(NODES, load, "auto");
    // The two serving replicas never drain in one batch.
    expect(batches.filter((batch) => batch.includes("n0") && batch.includes("n1"))).toEqual([]);
    expect(batches.flat().sort()).toEqual(NODES);
  });

  it("counts a Running replica that is not Ready (a readiness probe not yet passed) as none to spare", () => {
    const [first, second, third] = deploymentPods("cache", "shop", ["n0", "n1", "n2"]) as [
      V1Pod,
      V1Pod,
      V1Pod,
    ];
    const probing = {
      ...third,
      status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] },
    };
    const load = budgetLoad(NODES, { ...NO_WORKLOADS, pods: [first, second, probing] });
    expect(load.allowed).toEqual({ "ReplicaSet shop/cache-5d8f7c9b4": 1 });
  });
});

describe("drainBatches", () => {
  it("cuts the order into batches of a fixed size", () => {
    expect(drainBatches(NODES, NO_BUDGETS, 2)).toEqual([["n0", "n1"], ["n2", "n3"], ["n4"]]);
    expect(drainBatches(NODES, NO_BUDGETS, 1)).toEqual(NODES.map((n) => [n]));
  });

  it("fixed: no batch takes more of a workload without a budget than it spares; a budget's pods the API holds", () => {
    const load: BudgetLoad = {
      perNode: {
        n0: { "Deployment shop/web": 1, "PodDisruptionBudget shop/db": 1 },
        n1: { "Deployment shop/web": 1 },
        n2: { "PodDisruptionBudget shop/db": 1 },
        n3: { "Deployment shop/web": 1 },
        n4: {},
      },
      allowed: { "Deployment shop/web": 1, "PodDisruptionBudget shop/db": 1 },
      fixedKeepsUnbudgeted: true,
    };
    // web's replicas go a batch each; db's two pods share one (the eviction API holds the second).
    expect(drainBatches(NODES, load, 2)).toEqual([["n0", "n2"], ["n1", "n4"], ["n3"]]);
    // A survey stored before the rule cuts the equal parts it cut then: its history replays them.
    const { fixedKeepsUnbudgeted: _, ...before } = load;
    expect(drainBatches(NODES, before, 2)).toEqual([["n0", "n1"], ["n2", "n3"], ["n4"]]);
  });

  it("auto: packs nodes, in order, into the first batch whose budgets still allow their pods", () => {
    const load: BudgetLoad = {
      perNode: { n0: { web: 1 }, n1: { web: 1 }, n2: { web: 1, db: 1 }, n3: { db: 1 }, n4: {} },
      allowed: { web: 2, db: 1 },
      maxBatch: 3,
    };
    // At most half the pool (three of five) in one batch.
    expect(drainBatches(NODES, load, "auto")).toEqual([
      ["n0", "n1", "n3"],
      ["n2", "n4"],
    ]);
  });

  it("auto: a node whose pods alone exceed a budget drains alone, and nothing waits on a budget allowing none", () => {
    const load: BudgetLoad = {
      perNode: { n0: { web: 3 }, n1: { web: 1 }, n2: { single: 1 } },
      allowed: { web: 2, single: 0 },
    };
    expect(drainBatches(["n0", "n1", "n2"], load, "auto")).toEqual([["n0", "n2"], ["n1"]]);
  });

  it("auto: without budgets, batches of the cap: ten nodes, a fifth of a large pool, half a small one", () => {
    const many = Array.from({ length: 200 }, (_, i) => `n${i}`);
    expect(autoBatchCap(20)).toBe(10);
    expect(autoBatchCap(200)).toBe(40);
    // Never more than half a small pool at once.
    expect(autoBatchCap(4)).toBe(2);
    expect(autoBatchCap(1)).toBe(1);
    const four = ["n0", "n1", "n2", "n3"];
    expect(drainBatches(four, budgetLoad(four, NO_WORKLOADS), "auto")).toEqual([
      ["n0", "n1"],
      ["n2", "n3"],
    ]);
    expect(drainBatches(many, budgetLoad(many, NO_WORKLOADS), "auto").map((b) => b.length)).toEqual([
      40, 40, 40, 40, 40,
    ]);
  });

  it("auto: a survey stored before the implicit budgets and the half-pool rule cuts the batches it cut then", () => {
    // What the survey of a migration under way holds: its history replays these cuts, so they must not move.
    const stored: BudgetLoad = {
      perNode: { n0: { "PodDisruptionBudget shop/web": 1 }, n1: {}, n2: {}, n3: {} },
      allowed: { "PodDisruptionBudget shop/web": 1 },
    };
    expect(drainBatches(["n0", "n1", "n2", "n3"], stored, "auto")).toEqual([["n0", "n1", "n2", "n3"]]);
  });

  it("auto: spreads a budget's pods over the batches, so a replacement has the batches between to start", () => {
    const order = ["n0", "n1", "n2", "n3", "n4"];
    // "api" allows one of five at once: five batches. "slow" has a pod on three of them.
    const api = "PodDisruptionBudget shop/api";
    const slow = "PodDisruptionBudget search/slow";
    const load: BudgetLoad = {
      perNode: {
        n0: { [api]: 1, [slow]: 1 },
        n1: { [api]: 1, [slow]: 1 },
        n2: { [api]: 1, [slow]: 1 },
        n3: { [api]: 1 },
        n4: { [api]: 1 },
      },
      allowed: { [api]: 1, [slow]: 1 },
    };
    // First fit, as a survey from before the spreading has it: the slow pods in three batches in a row.
    expect(drainBatches(order, load, "auto")).toEqual([["n0"], ["n1"], ["n2"], ["n3"], ["n4"]]);
    // Spread: first, last and middle.
    expect(drainBatches(order, { ...load, spaced: true }, "auto")).toEqual([
      ["n0"],
      ["n3"],
      ["n2"],
      ["n4"],
      ["n1"],
    ]);
  });

  it("auto: starts each budget that takes several rounds in the first batch it fits, its least critical node", () => {
    const slow = "PodDisruptionBudget search/slow";
    const locked = "PodDisruptionBudget data/db";
    // Two nodes with nothing budgeted come first in the order; "slow" takes two rounds, "db" allows none.
    const order = ["a0", "a1", "s0", "s1", "d0"];
    const load: BudgetLoad = {
      perNode: { a0: {}, a1: {}, s0: { [slow]: 1 }, s1: { [slow]: 1 }, d0: { [locked]: 1 } },
      allowed: { [slow]: 1, [locked]: 0 },
      maxBatch: 2,
      spaced: true,
    };
    // A survey from before it: the first batch is full before the chain's first node comes.
    expect(drainBatches(order, load, "auto")).toEqual([["a0", "a1"], ["s0", "d0"], ["s1"]]);
    // The chain starts at once, its next pod as far on as the batches go; a budget allowing none is no chain.
    expect(drainBatches(order, { ...load, startsChainsFirst: true }, "auto")).toEqual([
      ["s0", "a0"],
      ["a1", "d0"],
      ["s1"],
    ]);
  });

  it("auto: starts a chain on the first node whose pods of it fit a batch, not one that must drain alone", () => {
    const slow = "PodDisruptionBudget search/slow";
    // x0 holds two pods of a budget that allows one: it drains alone, last.
    const load: BudgetLoad = {
      perNode: { a0: {}, a1: {}, x0: { [slow]: 2 }, s0: { [slow]: 1 }, s1: { [slow]: 1 } },
      allowed: { [slow]: 1 },
      maxBatch: 2,
      spaced: true,
      startsChainsFirst: true,
    };
    expect(drainBatches(["a0", "a1", "x0", "s0", "s1"], load, "auto")).toEqual([
      ["s0", "a0"],
      ["a1"],
      ["s1"],
      ["x0"],
    ]);
  });

  it("auto: keeps the plain cut when starting the chains first would take a batch more", () => {
    // Started first, n1 (chain "c") takes the first batch alone, and the rest need three more.
    const load: BudgetLoad = {
      perNode: { n0: { c: 1 }, n1: { b: 1, c: 2 }, n2: { b: 1 }, n3: { a: 2 } },
      allowed: { a: 0, b: 1, c: 2 },
      maxBatch: 2,
      spaced: true,
    };
    const order = ["n0", "n1", "n2", "n3"];
    const plain = [["n0", "n2"], ["n1"], ["n3"]];
    expect(drainBatches(order, load, "auto")).toEqual(plain);
    expect(drainBatches(order, { ...load, startsChainsFirst: true }, "auto")).toEqual(plain);
  });

  it("property: every node once; a budget's pods in a batch exceed what it allows only when one node holds them all", () => {
    const nodeLoad = fc.dictionary(fc.constantFrom("a", "b", "c"), fc.integer({ min: 0, max: 3 }));
    fc.assert(
      fc.property(
        fc.array(nodeLoad, { minLength: 1, maxLength: 30 }),
        fc.record({ a: fc.nat(3), b: fc.nat(3), c: fc.nat(3) }),
        fc.boolean(),
        fc.boolean(),
        (loads, allowed, spaced, startsChainsFirst) => {
          const order = loads.map((_, i) => `n${i}`);
          const load: BudgetLoad = {
            perNode: Object.fromEntries(loads.map((l, i) => [`n${i}`, l])),
            allowed,
            spaced,
            startsChainsFirst,
          };
          const batches = drainBatches(order, load, "auto");
          expect(batches.flat().sort()).toEqual([...order].sort());
          // Starting the chains first never costs a batch more.
          const without = drainBatches(order, { ...load, startsChainsFirst: false }, "auto");
          expect(batches.length).toBeLessThanOrEqual(without.length);
          expect(batches.every((batch) => batch.length > 0)).toBe(true);
          for (const batch of batches) {
            for (const [budget, limit] of Object.entries(allowed)) {
              const covered = batch.filter((n) => (load.perNode[n]?.[budget] ?? 0) > 0);
              const pods = covered.reduce((sum, n) => sum + (load.perNode[n]?.[budget] ?? 0), 0);
              if (covered.length > 1) expect(pods).toBeLessThanOrEqual(Math.max(1, limit));
            }
          }
        },
      ),
    );
  });
});

describe("the pools in step", () => {
  it("between batches: grows toward the room ahead, deletes drained machines first when the ceiling holds the growth back", () => {
    const pools = { count: 12, needed: 16, wanted: 20, ceiling: 19, drained: 4 };
    // Wanted 20, ceiling 19: the delete lifts the ceiling, so the next growth reaches 20 in one go.
    expect(poolWorkOrder(pools)).toEqual(["shrink", "grow"]);
    // Under the ceiling: the growth first, the delete when ARM is free again.
    expect(poolWorkOrder({ ...pools, wanted: 18 })).toEqual(["grow", "shrink"]);
    // Room enough, or nothing drained: one of them, or none.
    expect(poolWorkOrder({ ...pools, count: 16 })).toEqual(["shrink"]);
    expect(poolWorkOrder({ ...pools, count: 16, drained: 0 })).toEqual([]);
    expect(poolWorkOrder({ ...pools, drained: 0 })).toEqual(["grow"]);
    // At the ceiling already: only the delete can help.
    expect(poolWorkOrder({ ...pools, count: 15, ceiling: 15 })).toEqual(["shrink"]);
    // A paced lead: the growth first whenever it can go further, the delete after.
    expect(poolWorkOrder({ ...pools, growthFirst: true })).toEqual(["grow", "shrink"]);
    expect(poolWorkOrder({ ...pools, count: 15, ceiling: 15, growthFirst: true })).toEqual(["shrink"]);
  });

  it("grows as many batches ahead as drain while one growth runs, never fewer than the fixed lead", () => {
    // No batch drained yet: only the next batch, so the first growth is sized by a batch's pace.
    expect(growthLeadBatches(90_000, 0, 0)).toBe(1);
    // Batches of 10 s and growths of 90 s: nine batches drain while one growth runs, one more to spare.
    expect(growthLeadBatches(90_000, 20_000, 2)).toBe(10);
    // Batches slower than a growth: the fixed lead.
    expect(growthLeadBatches(90_000, 400_000, 2)).toBe(GROWTH_LEAD_BATCHES);
  });

  it("grows the new pool to every node through the batch and a node per zone of headroom, the whole pool at the last batch", () => {
    const pool = { count: 10, headroom: headroomNodes([]) };
    const sizes = [2, 2, 2, 2, 2];
    expect(newPoolRoomFor(sizes, 0, pool)).toBe(3);
    expect(newPoolRoomFor(sizes, 3, pool)).toBe(9);
    expect(newPoolRoomFor(sizes, 4, pool)).toBe(10);
    // Past the last batch (room looked for ahead of the drain): the whole pool.
    expect(newPoolRoomFor(sizes, 7, pool)).toBe(10);
    // Spread over three zones: a node in each for pods bound to a zone, never past the full count.
    const zonal = { count: 10, headroom: headroomNodes(["1", "2", "3"]) };
    expect(newPoolRoomFor(sizes, 0, zonal)).toBe(5);
    expect(newPoolRoomFor(sizes, 3, zonal)).toBe(10);
  });

  it("grows with the drain only when asked, no autoscaler owns the count and no replica is pre-positioned", () => {
    const asked = { newPoolGrowth: "with-drain", prePositionReplicas: false } as const;
    expect(growsWithDrain(asked, { enableAutoScaling: false })).toBe(true);
    expect(growsWithDrain(asked, { enableAutoScaling: true })).toBe(false);
    expect(growsWithDrain({ ...asked, prePositionReplicas: true }, { enableAutoScaling: false })).toBe(false);
    expect(growsWithDrain({ ...asked, newPoolGrowth: "up-front" }, { enableAutoScaling: false })).toBe(false);
  });

  it("keeps none of a user pool's nodes for a rollback, one of a system pool's (AKS requires it)", () => {
    expect(retainedOldNodes("User")).toBe(0);
    expect(retainedOldNodes("System")).toBe(1);
  });
});
