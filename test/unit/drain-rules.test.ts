import type { V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { coveringBudgets, describeBudget } from "../../shared/domain/drain/disruption-budgets.ts";
import { assessDrain } from "../../shared/domain/drain/pod-filters.ts";
import { deploymentPods, POOL_NODES, pdb, pod, SYSTEM_NODE } from "../support/risk-fixtures.ts";

const [NODE_0, NODE_1] = POOL_NODES;
const DRAINED = new Set<string>(POOL_NODES);

function drain(pods: V1Pod[], podDisruptionBudgets: V1PodDisruptionBudget[] = []) {
  return assessDrain({ pods, podDisruptionBudgets }, DRAINED);
}

function verdicts(pods: V1Pod[], budgets: V1PodDisruptionBudget[] = []) {
  return drain(pods, budgets).pods.map((s) => [s.pod.metadata?.name, s.verdict, s.reason]);
}

describe("assessDrain: each pod on the drained nodes, in the facts' order", () => {
  it("evicts controlled pods, skips finished, mirror and daemon pods, and ignores other nodes", () => {
    const pods = [
      ...deploymentPods("web", "shop", [NODE_0, SYSTEM_NODE]),
      pod("batch-done", "shop", NODE_0, { owner: { kind: "Job", name: "batch" }, phase: "Succeeded" }),
      pod("batch-failed", "shop", NODE_1, { owner: { kind: "Job", name: "batch" }, phase: "Failed" }),
      pod(`kube-apiserver-${NODE_1}`, "kube-system", NODE_1, { owner: { kind: "Node", name: NODE_1 } }),
      pod("agent-0", "monitoring", NODE_1, { owner: { kind: "DaemonSet", name: "agent" } }),
      pod("bare", "shop", NODE_1),
    ];
    expect(verdicts(pods)).toEqual([
      ["web-5d8f7c9b4-0", "okay", "evictable"],
      ["batch-done", "skip", "finished"],
      ["batch-failed", "skip", "finished"],
      [`kube-apiserver-${NODE_1}`, "skip", "mirror-pod"],
      ["agent-0", "skip", "daemon-set"],
      ["bare", "okay", "evictable"],
    ]);
  });

  it("applies the filters in order: a finished daemon pod is finished", () => {
    const pods = [
      pod("agent-0", "monitoring", NODE_0, { owner: { kind: "DaemonSet", name: "agent" }, phase: "Failed" }),
    ];
    expect(verdicts(pods)).toEqual([["agent-0", "skip", "finished"]]);
  });

  it("blocks the pods a budget allowing no disruption covers, and names that budget with them", () => {
    const pods = [
      ...deploymentPods("web", "shop", [NODE_0, NODE_1]),
      ...deploymentPods("api", "shop", [NODE_0]),
    ];
    const budgets = [
      pdb("web", "shop", "web", { minAvailable: 2 }),
      pdb("api", "shop", "api", { maxUnavailable: 1 }),
    ];
    const assessment = drain(pods, budgets);
    expect(assessment.pods.map((s) => [s.pod.metadata?.name, s.verdict, s.reason])).toEqual([
      ["web-5d8f7c9b4-0", "block", "budget-exhausted"],
      ["web-5d8f7c9b4-1", "block", "budget-exhausted"],
      ["api-5d8f7c9b4-0", "okay", "evictable"],
    ]);
    expect(
      assessment.exhaustedBudgets.map((b) => [
        b.pdb.metadata?.name,
        b.allowed,
        b.covers.map((p) => p.metadata?.name),
      ]),
    ).toEqual([["web", 0, ["web-5d8f7c9b4-0", "web-5d8f7c9b4-1"]]]);
  });

  it("counts a budget's pods on every node, but only the pods to evict as covered", () => {
    // minAvailable 2 of 3 running leaves one disruption: the two pods on the drained nodes are evictable.
    const web = deploymentPods("web", "shop", [NODE_0, NODE_1, SYSTEM_NODE]);
    expect(verdicts(web, [pdb("web", "shop", "web", { minAvailable: 2 })]).map((v) => v[1])).toEqual([
      "okay",
      "okay",
    ]);
    // A budget over daemon pods only covers nothing the drain evicts, so it stops nothing.
    const daemon = [pod("agent-0", "monitoring", NODE_0, { owner: { kind: "DaemonSet", name: "agent" } })];
    const strict = pdb("agent", "monitoring", "agent", { minAvailable: "100%" }, 0);
    expect(drain(daemon, [strict]).exhaustedBudgets).toEqual([]);
  });

  it("prefers the disruption controller's reported status to the spec", () => {
    const pods = deploymentPods("web", "shop", [NODE_0]);
    expect(verdicts(pods, [pdb("web", "shop", "web", { maxUnavailable: 1 }, 0)])).toEqual([
      ["web-5d8f7c9b4-0", "block", "budget-exhausted"],
    ]);
  });

  it("names the budget when its selector cannot be read", () => {
    const odd: V1PodDisruptionBudget = {
      metadata: { name: "odd", namespace: "shop" },
      spec: { selector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["web"] }] } },
    };
    expect(() => drain(deploymentPods("web", "shop", [NODE_0]), [odd])).toThrow(
      'PodDisruptionBudget shop/odd: label selector operator "Equals"',
    );
  });
});

describe("coveringBudgets", () => {
  const pods = deploymentPods("web", "shop", [NODE_0]);

  it("takes budgets of the pods' namespace whose selector matches one of them", () => {
    const budgets = [
      pdb("web", "shop", "web", { maxUnavailable: 1 }),
      pdb("web-elsewhere", "other", "web", { maxUnavailable: 1 }),
      pdb("api", "shop", "api", { maxUnavailable: 1 }),
    ];
    expect(coveringBudgets(budgets, pods).map((b) => b.metadata?.name)).toEqual(["web"]);
  });

  it("reads an absent selector as selecting nothing and an empty one as selecting every pod", () => {
    const absent: V1PodDisruptionBudget = { metadata: { name: "none", namespace: "shop" }, spec: {} };
    const empty: V1PodDisruptionBudget = {
      metadata: { name: "all", namespace: "shop" },
      spec: { selector: {} },
    };
    expect(coveringBudgets([absent, empty], pods).map((b) => b.metadata?.name)).toEqual(["all"]);
  });
});

describe("describeBudget", () => {
  it.each([
    [{ minAvailable: 2 }, "minAvailable 2"],
    [{ maxUnavailable: "50%" }, "maxUnavailable 50%"],
    [{}, "no minAvailable or maxUnavailable"],
  ])("%j reads %s", (budget, text) => {
    expect(describeBudget(pdb("web", "shop", "web", budget))).toBe(text);
  });
});
