import { describe, expect, it } from "vitest";
import type {
  KubeLabelSelector,
  KubeNode,
  KubeTaint,
  KubeToleration,
} from "../../shared/domain/workloads/cluster-facts.ts";
import {
  daemonSetRunsOn,
  labelSelectorMatches,
  nodeSelectorMatches,
  tolerates,
} from "../../shared/domain/workloads/selectors.ts";

describe("labelSelectorMatches", () => {
  const labels = { app: "web", tier: "front" };
  const table: Array<[string, KubeLabelSelector | undefined, boolean]> = [
    ["absent selector selects nothing", undefined, false],
    ["empty selector selects everything", {}, true],
    ["matchLabels equal", { matchLabels: { app: "web" } }, true],
    ["matchLabels differ", { matchLabels: { app: "api" } }, false],
    ["In", { matchExpressions: [{ key: "tier", operator: "In", values: ["front", "edge"] }] }, true],
    ["In on a missing key", { matchExpressions: [{ key: "zone", operator: "In", values: ["1"] }] }, false],
    [
      "NotIn on a missing key",
      { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["1"] }] },
      true,
    ],
    [
      "NotIn on a listed value",
      { matchExpressions: [{ key: "app", operator: "NotIn", values: ["web"] }] },
      false,
    ],
    ["Exists", { matchExpressions: [{ key: "app", operator: "Exists" }] }, true],
    ["DoesNotExist", { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] }, false],
    [
      "inherited object keys are not labels",
      { matchExpressions: [{ key: "constructor", operator: "Exists" }] },
      false,
    ],
    [
      "labels and expressions are ANDed",
      { matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["back"] }] },
      false,
    ],
  ];
  it.each(table)("%s", (_name, selector, expected) => {
    expect(labelSelectorMatches(selector, labels, "test")).toBe(expected);
  });
});

describe("nodeSelectorMatches", () => {
  const node: KubeNode = {
    metadata: { name: "aks-pool-0", labels: { "kubernetes.azure.com/agentpool": "pool", cores: "8" } },
  };
  const term = (key: string, operator: string, values?: string[]) => ({
    nodeSelectorTerms: [{ matchExpressions: [{ key, operator, values }] }],
  });
  const table: Array<[string, Parameters<typeof nodeSelectorMatches>[0], boolean]> = [
    ["In", term("kubernetes.azure.com/agentpool", "In", ["pool"]), true],
    ["Gt", term("cores", "Gt", ["4"]), true],
    ["Lt", term("cores", "Lt", ["4"]), false],
    ["Gt on a missing label", term("gpus", "Gt", ["0"]), false],
    [
      "matchFields on the node name",
      {
        nodeSelectorTerms: [
          { matchFields: [{ key: "metadata.name", operator: "In", values: ["aks-pool-0"] }] },
        ],
      },
      true,
    ],
    ["an empty term matches nothing", { nodeSelectorTerms: [{}] }, false],
    [
      "terms are ORed",
      {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "cores", operator: "In", values: ["2"] }] },
          { matchExpressions: [{ key: "cores", operator: "In", values: ["8"] }] },
        ],
      },
      true,
    ],
  ];
  it.each(table)("%s", (_name, selector, expected) => {
    expect(nodeSelectorMatches(selector, node, "test")).toBe(expected);
  });

  it("rejects a Gt without one integer value, naming the object", () => {
    expect(() => nodeSelectorMatches(term("cores", "Gt", ["four"]), node, "DaemonSet ops/x")).toThrow(
      'DaemonSet ops/x: node selector Gt on "cores" needs exactly one integer value, got ["four"]',
    );
  });

  it("rejects an unknown operator", () => {
    expect(() => nodeSelectorMatches(term("cores", "Like", ["8"]), node, "DaemonSet ops/x")).toThrow(
      'DaemonSet ops/x: node selector operator "Like"',
    );
  });
});

describe("tolerates", () => {
  const taint: KubeTaint = { key: "sku", value: "gpu", effect: "NoSchedule" };
  const table: Array<[string, KubeToleration, boolean]> = [
    [
      "Equal with same key, value and effect",
      { key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" },
      true,
    ],
    ["default operator is Equal", { key: "sku", value: "gpu" }, true],
    ["Equal with another value", { key: "sku", value: "cpu" }, false],
    ["Exists on the key", { key: "sku", operator: "Exists" }, true],
    ["Exists with no key tolerates everything", { operator: "Exists" }, true],
    ["another effect", { key: "sku", operator: "Exists", effect: "NoExecute" }, false],
  ];
  it.each(table)("%s", (_name, toleration, expected) => {
    expect(tolerates(toleration, taint)).toBe(expected);
  });
});

describe("daemonSetRunsOn", () => {
  const tainted: KubeNode = {
    metadata: { name: "n", labels: { "kubernetes.azure.com/agentpool": "gpu" } },
    spec: {
      taints: [
        { key: "sku", value: "gpu", effect: "NoSchedule" },
        { key: "node.kubernetes.io/not-ready", effect: "NoExecute" },
        { key: "spot", value: "true", effect: "PreferNoSchedule" },
      ],
    },
  };
  it("needs only the user taints tolerated: condition taints and PreferNoSchedule never keep it off", () => {
    const tolerating = {
      spec: { template: { spec: { tolerations: [{ key: "sku", operator: "Exists" }] } } },
    };
    expect(daemonSetRunsOn(tolerating, tainted, "test")).toBe(true);
    expect(daemonSetRunsOn({ spec: { template: { spec: {} } } }, tainted, "test")).toBe(false);
  });

  it("follows the nodeSelector", () => {
    const selecting = (pool: string) => ({
      spec: {
        template: {
          spec: {
            nodeSelector: { "kubernetes.azure.com/agentpool": pool },
            tolerations: [{ operator: "Exists" }],
          },
        },
      },
    });
    expect(daemonSetRunsOn(selecting("gpu"), tainted, "test")).toBe(true);
    expect(daemonSetRunsOn(selecting("system"), tainted, "test")).toBe(false);
  });
});
