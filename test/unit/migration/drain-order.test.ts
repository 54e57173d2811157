import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { drainOrder } from "../../../shared/domain/migration/drain-order.ts";
import { deploymentPods, node, pdb, pod } from "../../support/risk-fixtures.ts";

const [A, B, C] = ["aks-batch-0", "aks-batch-1", "aks-batch-2"];
const NODES = [node(C, "batch"), node(B, "batch"), node(A, "batch")];

describe("drainOrder", () => {
  it("drains nodes with fewer budget-protected pods first, then fewer pods to evict, then by name", () => {
    const pods = [
      // C: one pod under a budget; B: two unprotected pods; A: one unprotected pod and a daemon pod.
      ...deploymentPods("web", "shop", [C]),
      ...deploymentPods("worker", "shop", [B, B]),
      ...deploymentPods("cache", "shop", [A]),
      pod("agent-0", "monitoring", A, { owner: { kind: "DaemonSet", name: "agent" } }),
      pod("agent-1", "monitoring", A, { owner: { kind: "DaemonSet", name: "agent" } }),
      pod("done", "shop", A, { owner: { kind: "Job", name: "done" }, phase: "Succeeded" }),
    ];
    const budgets = [pdb("web", "shop", "web", { maxUnavailable: 1 }, 1)];
    expect(drainOrder(NODES, { pods, podDisruptionBudgets: budgets })).toEqual([A, B, C]);
  });

  it("counts a pod a budget blocks as protected, and breaks ties by name", () => {
    const pods = [...deploymentPods("web", "shop", [B]), ...deploymentPods("api", "shop", [A])];
    const budgets = [pdb("web", "shop", "web", { minAvailable: 1 }, 0)];
    expect(drainOrder(NODES, { pods, podDisruptionBudgets: budgets })).toEqual([C, A, B]);
    expect(drainOrder(NODES, { pods: [], podDisruptionBudgets: [] })).toEqual([A, B, C]);
  });

  it("property: every node once, and the same order whatever order the facts list them in", () => {
    const nodeIndex = fc.integer({ min: 0, max: NODES.length - 1 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("web", "api"), nodeIndex)), (placements) => {
        const pods = placements.flatMap(([app, i], n) =>
          deploymentPods(app, "shop", [NODES[i]?.metadata?.name ?? ""]).map((p) => ({
            ...p,
            metadata: { ...p.metadata, name: `${app}-${n}` },
          })),
        );
        const facts = { pods, podDisruptionBudgets: [pdb("web", "shop", "web", { maxUnavailable: 1 }, 1)] };
        const order = drainOrder(NODES, facts);
        expect([...order].sort()).toEqual([A, B, C]);
        expect(drainOrder([...NODES].reverse(), { ...facts, pods: [...pods].reverse() })).toEqual(order);
      }),
    );
  });
});
