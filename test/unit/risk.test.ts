import { loadAllYaml, V1DaemonSet, V1Node, V1Pod, type V1PodSpec } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { disruptionsAllowed } from "../../shared/domain/drain/disruption-budgets.ts";
import { assessPoolMigration, RISK_RULES, type RiskCode } from "../../shared/domain/risk/migration-risk.ts";
import type { ClusterFacts } from "../../shared/domain/workloads/cluster-facts.ts";
import {
  AKS_MANAGED,
  baseCluster,
  type ClientFacts,
  container,
  daemonSet,
  deployment,
  deploymentPods,
  GPU_NODE,
  POOL,
  POOL_NODES,
  pdb,
  pod,
  SYSTEM_NODE,
} from "../support/risk-fixtures.ts";

const [NODE_0, NODE_1] = POOL_NODES;

function assess(facts: ClientFacts) {
  // Assigning the client's models to the domain type is the compatibility check issue 5 relies on.
  const domainFacts: ClusterFacts = facts;
  return assessPoolMigration(domainFacts, POOL);
}

function codes(facts: ClientFacts): Array<[RiskCode, string]> {
  return assess(facts).reasons.map((r) => [
    r.code,
    `${r.workload.kind} ${r.workload.namespace}/${r.workload.name}`,
  ]);
}

function withDaemonSet(facts: ClientFacts, ds: V1DaemonSet): void {
  facts.daemonSets.push(ds);
  const name = ds.metadata?.name ?? "";
  facts.pods.push(
    ...POOL_NODES.map((nodeName, i) =>
      pod(`${name}-${i}`, ds.metadata?.namespace ?? "default", nodeName, {
        owner: { kind: "DaemonSet", name },
        spec: ds.spec?.template.spec,
      }),
    ),
  );
}

function taintPoolNodes(facts: ClientFacts): void {
  facts.nodes = facts.nodes.map((n) =>
    n.metadata?.name?.startsWith(`aks-${POOL}`)
      ? { ...n, spec: { taints: [{ key: "workload", value: "batch", effect: "NoSchedule" }] } }
      : n,
  );
}

function withDeployment(
  facts: ClientFacts,
  name: string,
  replicas: number,
  nodes: readonly string[],
  spec = {},
): void {
  facts.deployments.push(deployment(name, "shop", replicas));
  facts.pods.push(...deploymentPods(name, "shop", nodes, spec));
}

function withClaim(facts: ClientFacts, claim: string, volume: V1PodSpec["volumes"]): void {
  withDeployment(facts, "db-client", 2, [NODE_0], { volumes: volume });
  facts.podDisruptionBudgets.push(pdb("db-client", "shop", "db-client", { maxUnavailable: 1 }, 1));
  facts.persistentVolumeClaims.push({
    metadata: { name: claim, namespace: "shop" },
    spec: { volumeName: `pv-${claim}` },
  });
}

describe("assessPoolMigration", () => {
  it("finds a simple migration when only AKS-managed agents and a well-budgeted deployment run on the pool", () => {
    const result = assess(baseCluster());
    expect(result).toEqual({ pool: POOL, nodes: [...POOL_NODES], complexity: "simple", reasons: [] });
  });

  const cases: Array<{
    name: string;
    change: (facts: ClientFacts) => void;
    expected: Array<[RiskCode, string]>;
    complexity: "simple" | "complex";
  }> = [
    {
      name: "Falco daemonset is a kernel-bound agent",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("falco", "falco", {
            containers: [
              {
                name: "falco",
                image: "docker.io/falcosecurity/falco:0.39.2",
                securityContext: { privileged: true },
              },
            ],
            volumes: [{ name: "boot", hostPath: { path: "/boot" } }],
          }),
        ),
      expected: [["kernel-agent", "DaemonSet falco/falco"]],
      complexity: "complex",
    },
    {
      name: "Datadog agent with its system-probe container is kernel-bound",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("datadog", "monitoring", {
            containers: [
              container("agent", "gcr.io/datadoghq/agent:7.60.0"),
              container("system-probe", "gcr.io/datadoghq/agent:7.60.0"),
            ],
          }),
        ),
      expected: [["kernel-agent", "DaemonSet monitoring/datadog"]],
      complexity: "complex",
    },
    {
      name: "Datadog agent without system-probe is not a kernel-bound agent",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("datadog", "monitoring", {
            containers: [container("agent", "gcr.io/datadoghq/agent:7")],
          }),
        ),
      expected: [],
      complexity: "simple",
    },
    {
      name: "an unknown privileged daemonset needs testing on the new image",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("tuner", "ops", {
            containers: [
              { name: "tuner", image: "contoso.azurecr.io/tuner:2", securityContext: { privileged: true } },
            ],
          }),
        ),
      expected: [["privileged", "DaemonSet ops/tuner"]],
      complexity: "complex",
    },
    {
      name: "a daemonset mounting kernel modules from the host",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("modloader", "ops", { volumes: [{ name: "m", hostPath: { path: "/lib/modules/" } }] }),
        ),
      expected: [["host-path-kernel", "DaemonSet ops/modloader"]],
      complexity: "complex",
    },
    {
      name: "a log collector reading /var/log and using the host network is only a caution",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet("fluent-bit", "logging", {
            hostNetwork: true,
            volumes: [
              { name: "varlog", hostPath: { path: "/var/log" } },
              { name: "buffer", emptyDir: {} },
            ],
          }),
        ),
      expected: [
        ["host-network", "DaemonSet logging/fluent-bit"],
        ["host-path", "DaemonSet logging/fluent-bit"],
      ],
      complexity: "simple",
    },
    {
      name: "a privileged daemonset that does not tolerate the pool's taint stays off the pool",
      change: (f) => {
        taintPoolNodes(f);
        f.daemonSets.push(
          daemonSet("tuner", "ops", {
            containers: [{ name: "tuner", image: "tuner:2", securityContext: { privileged: true } }],
          }),
        );
      },
      expected: [],
      complexity: "simple",
    },
    {
      name: "a daemonset tolerating every taint lands on a tainted pool even before its pods exist",
      change: (f) => {
        taintPoolNodes(f);
        f.daemonSets.push(
          daemonSet("cilium", "kube-system", {
            tolerations: [{ operator: "Exists" }],
            containers: [container("cilium-agent", "quay.io/cilium/cilium:v1.16.3@sha256:abc")],
          }),
        );
      },
      expected: [["kernel-agent", "DaemonSet kube-system/cilium"]],
      complexity: "complex",
    },
    {
      name: "a daemonset pinned to the GPU pool by node affinity is not this pool's concern",
      change: (f) =>
        f.daemonSets.push(
          daemonSet("nvidia-driver", "gpu-operator", {
            tolerations: [{ key: "sku", operator: "Equal", value: "gpu", effect: "NoSchedule" }],
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: "kubernetes.azure.com/agentpool", operator: "In", values: ["gpu"] },
                      ],
                    },
                  ],
                },
              },
            },
            containers: [container("driver", "nvcr.io/nvidia/driver:550.127.05")],
          }),
        ),
      expected: [],
      complexity: "simple",
    },
    {
      name: "AKS-managed Cilium is kept compatible by AKS",
      change: (f) =>
        withDaemonSet(
          f,
          daemonSet(
            "cilium",
            "kube-system",
            { containers: [container("cilium-agent", "mcr.microsoft.com/oss/cilium/cilium:1.14.10")] },
            AKS_MANAGED,
          ),
        ),
      expected: [],
      complexity: "simple",
    },
    {
      name: "localhost seccomp profiles at pod and container level",
      change: (f) =>
        withDeployment(f, "api", 2, POOL_NODES, {
          securityContext: { seccompProfile: { type: "Localhost", localhostProfile: "profiles/api.json" } },
          containers: [
            {
              name: "main",
              image: "api:1",
              securityContext: {
                seccompProfile: { type: "Localhost", localhostProfile: "profiles/strict.json" },
              },
            },
          ],
        }),
      expected: [
        ["seccomp-localhost", "Deployment shop/api"],
        ["no-pdb", "Deployment shop/api"],
      ],
      complexity: "complex",
    },
    {
      name: "a PDB whose status allows no disruption blocks the drain",
      change: (f) => {
        withDeployment(f, "checkout", 2, POOL_NODES);
        f.podDisruptionBudgets.push(pdb("checkout", "shop", "checkout", { minAvailable: 2 }, 0));
      },
      expected: [["pdb-blocks-drain", "PodDisruptionBudget shop/checkout"]],
      complexity: "complex",
    },
    {
      name: "a PDB with no status yet is evaluated from its spec (minAvailable 100%)",
      change: (f) => {
        withDeployment(f, "checkout", 2, POOL_NODES);
        f.podDisruptionBudgets.push(pdb("checkout", "shop", "checkout", { minAvailable: "100%" }));
      },
      expected: [["pdb-blocks-drain", "PodDisruptionBudget shop/checkout"]],
      complexity: "complex",
    },
    {
      name: "a single-replica deployment without a PDB",
      change: (f) => withDeployment(f, "cart", 1, [NODE_1]),
      expected: [["single-replica", "Deployment shop/cart"]],
      complexity: "complex",
    },
    {
      name: "a single replica guarded by minAvailable 1 both blocks the drain and means downtime",
      change: (f) => {
        withDeployment(f, "cart", 1, [NODE_1]);
        f.podDisruptionBudgets.push(pdb("cart", "shop", "cart", { minAvailable: 1 }, 0));
      },
      expected: [
        ["pdb-blocks-drain", "PodDisruptionBudget shop/cart"],
        ["single-replica", "Deployment shop/cart"],
      ],
      complexity: "complex",
    },
    {
      name: "a replicated deployment without a PDB is a caution",
      change: (f) => withDeployment(f, "search", 4, POOL_NODES),
      expected: [["no-pdb", "Deployment shop/search"]],
      complexity: "simple",
    },
    {
      name: "a bare pod is lost on drain",
      change: (f) => f.pods.push(pod("debug-shell", "ops", NODE_0)),
      expected: [["bare-pod", "Pod ops/debug-shell"]],
      complexity: "complex",
    },
    {
      name: "emptyDir data in an evicted pod is lost",
      change: (f) => {
        withDeployment(f, "renderer", 2, POOL_NODES, {
          volumes: [{ name: "scratch", emptyDir: { medium: "Memory" } }],
        });
        f.podDisruptionBudgets.push(pdb("renderer", "shop", "renderer", { maxUnavailable: 1 }, 1));
      },
      expected: [["empty-dir", "Deployment shop/renderer"]],
      complexity: "simple",
    },
    {
      name: "a claim bound to a local volume pins the pod",
      change: (f) => {
        withClaim(f, "data", [{ name: "data", persistentVolumeClaim: { claimName: "data" } }]);
        f.persistentVolumes.push({
          metadata: { name: "pv-data" },
          spec: { local: { path: "/mnt/disks/ssd0" }, nodeAffinity: { required: { nodeSelectorTerms: [] } } },
        });
      },
      expected: [["local-volume", "Deployment shop/db-client"]],
      complexity: "complex",
    },
    {
      name: "a claim on Azure Disk must reattach: caution",
      change: (f) => {
        withClaim(f, "data", [{ name: "data", persistentVolumeClaim: { claimName: "data" } }]);
        f.persistentVolumes.push({
          metadata: { name: "pv-data" },
          spec: { csi: { driver: "disk.csi.azure.com", volumeHandle: "/subscriptions/x/disks/d" } },
        });
      },
      expected: [["persistent-volume", "Deployment shop/db-client"]],
      complexity: "simple",
    },
    {
      name: "a claim on a third-party CSI driver needs a PVC test on the new image",
      change: (f) => {
        withClaim(f, "data", [{ name: "data", persistentVolumeClaim: { claimName: "data" } }]);
        f.persistentVolumes.push({
          metadata: { name: "pv-data" },
          spec: { csi: { driver: "rook-ceph.rbd.csi.ceph.com", volumeHandle: "0001-0009-rook" } },
        });
        f.csiDrivers.push({
          metadata: { name: "rook-ceph.rbd.csi.ceph.com" },
          spec: { attachRequired: true },
        });
      },
      expected: [["third-party-csi", "Deployment shop/db-client"]],
      complexity: "complex",
    },
    {
      name: "an inline secrets-store volume (AKS add-on driver) is no risk",
      change: (f) =>
        withClaim(f, "unused", [{ name: "secrets", csi: { driver: "secrets-store.csi.k8s.io" } }]),
      expected: [],
      complexity: "simple",
    },
    {
      name: "a statefulset drains slowly",
      change: (f) => {
        f.statefulSets.push({
          metadata: { name: "kafka", namespace: "data" },
          spec: {
            replicas: 3,
            serviceName: "kafka",
            selector: { matchLabels: { app: "kafka" } },
            template: { spec: { containers: [container("kafka", "kafka:3")] } },
          },
        });
        f.pods.push(
          pod("kafka-0", "data", NODE_0, {
            owner: { kind: "StatefulSet", name: "kafka" },
            labels: { app: "kafka" },
          }),
        );
        f.podDisruptionBudgets.push(pdb("kafka", "data", "kafka", { minAvailable: 2 }, 1));
      },
      expected: [["statefulset", "StatefulSet data/kafka"]],
      complexity: "complex",
    },
    {
      name: "a running job pod is interrupted: caution",
      change: (f) =>
        f.pods.push(pod("report-28930-x", "batch", NODE_1, { owner: { kind: "Job", name: "report-28930" } })),
      expected: [["job", "Job batch/report-28930"]],
      complexity: "simple",
    },
    {
      name: "workloads on other pools, finished pods and static (mirror) pods are ignored",
      change: (f) => {
        f.pods.push(
          pod("debug-elsewhere", "ops", GPU_NODE),
          pod("old-debug", "ops", NODE_0, { phase: "Succeeded" }),
          pod(`node-agent-${NODE_0}`, "kube-system", NODE_0, {
            owner: { kind: "Node", name: NODE_0 },
            spec: { hostNetwork: true },
          }),
        );
        withDeployment(f, "cart", 1, [SYSTEM_NODE]);
      },
      expected: [],
      complexity: "simple",
    },
  ];

  it.each(cases)("$name", ({ change, expected, complexity }) => {
    const facts = baseCluster();
    change(facts);
    expect(codes(facts)).toEqual(expected);
    expect(assess(facts).complexity).toBe(complexity);
  });

  it("gives each reason its rule's severity and the article's fix, and names what it found", () => {
    const facts = baseCluster();
    withDeployment(facts, "cart", 1, [NODE_1]);
    withDaemonSet(
      facts,
      daemonSet("falcon", "falcon-system", {
        containers: [
          container(
            "falcon-node-sensor",
            "registry.crowdstrike.com/falcon-sensor/us-1/release/falcon-sensor:7.18.0",
          ),
        ],
      }),
    );
    const [agent, single] = assess(facts).reasons;
    expect(agent).toMatchObject({
      code: "kernel-agent",
      severity: "complex",
      fix: RISK_RULES["kernel-agent"].fix,
    });
    expect(agent?.detail).toContain("CrowdStrike Falcon sensor");
    expect(agent?.detail).toContain("falcon-node-sensor");
    expect(single?.fix).toContain("scale to at least 2 replicas and add a PDB with maxUnavailable: 1");
    expect(single?.detail).toBe(`1 replica, no PDB; 1 pod(s) on this pool (node ${NODE_1})`);
  });

  it("reports one reason per workload and code, however many of its pods run on the pool", () => {
    const facts = baseCluster();
    withDeployment(facts, "renderer", 6, [NODE_0, NODE_0, NODE_1, NODE_1], {
      volumes: [
        { name: "a", emptyDir: {} },
        { name: "b", emptyDir: {} },
      ],
    });
    const reasons = assess(facts).reasons;
    expect(reasons.map((r) => r.code)).toEqual(["empty-dir", "no-pdb"]);
    expect(reasons[0]?.detail).toBe("emptyDir volume a; emptyDir volume b");
    expect(reasons[1]?.detail).toBe(`6 replicas, no PDB; 4 pod(s) on this pool (node ${NODE_0}, ${NODE_1})`);
  });

  it("orders reasons by severity: drain blockers, then complex, then cautions", () => {
    const facts = baseCluster();
    withDeployment(facts, "search", 4, POOL_NODES);
    facts.pods.push(pod("debug-shell", "ops", NODE_0));
    withDeployment(facts, "checkout", 2, POOL_NODES);
    facts.podDisruptionBudgets.push(pdb("checkout", "shop", "checkout", { maxUnavailable: 0 }, 0));
    expect(assess(facts).reasons.map((r) => r.severity)).toEqual(["blocks-drain", "complex", "caution"]);
  });

  it("finds pool nodes by the legacy agentpool label too", () => {
    const facts = baseCluster();
    facts.nodes.push({ metadata: { name: "aks-legacy-0", labels: { agentpool: "legacy" } } });
    facts.pods.push(pod("debug-shell", "ops", "aks-legacy-0"));
    const result = assessPoolMigration(facts, "legacy");
    expect(result.nodes).toEqual(["aks-legacy-0"]);
    expect(result.reasons.map((r) => r.code)).toEqual(["bare-pod"]);
  });

  it("returns no nodes and no reasons for a pool the scan did not see", () => {
    expect(assessPoolMigration(baseCluster(), "nosuchpool")).toEqual({
      pool: "nosuchpool",
      nodes: [],
      complexity: "simple",
      reasons: [],
    });
  });

  it("works on objects as @kubernetes/client-node deserialises them from the API", () => {
    const objects = loadAllYaml(`
apiVersion: v1
kind: Node
metadata:
  name: aks-azl2pool-22222222-vmss000000
  labels: {kubernetes.azure.com/agentpool: azl2pool, kubernetes.azure.com/os-sku-effective: AzureLinux2}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: tetragon, namespace: kube-system}
spec:
  selector: {matchLabels: {app: tetragon}}
  template:
    metadata: {labels: {app: tetragon}}
    spec:
      containers:
        - name: tetragon
          image: quay.io/cilium/tetragon:v1.2.0
          securityContext: {privileged: true}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: ops}
spec:
  nodeName: aks-azl2pool-22222222-vmss000000
  containers: [{name: tool, image: busybox}]
status: {phase: Running}
`);
    const facts: ClientFacts = { ...emptyClientFacts() };
    for (const object of objects) {
      if (object instanceof V1Node) facts.nodes.push(object);
      else if (object instanceof V1DaemonSet) facts.daemonSets.push(object);
      else if (object instanceof V1Pod) facts.pods.push(object);
      else throw new Error(`unexpected ${object.constructor.name}`);
    }
    expect(codes(facts)).toEqual([
      ["bare-pod", "Pod ops/tool"],
      ["kernel-agent", "DaemonSet kube-system/tetragon"],
    ]);
  });
});

function emptyClientFacts(): ClientFacts {
  return {
    nodes: [],
    pods: [],
    daemonSets: [],
    deployments: [],
    statefulSets: [],
    podDisruptionBudgets: [],
    persistentVolumeClaims: [],
    persistentVolumes: [],
    csiDrivers: [],
  };
}

describe("disruptionsAllowed", () => {
  const pods = [
    ...deploymentPods("web", "shop", [NODE_0, NODE_1, SYSTEM_NODE]),
    pod("web-pending", "shop", NODE_0, { labels: { app: "web" }, phase: "Pending" }),
  ];
  const table: Array<[string, { minAvailable?: number | string; maxUnavailable?: number | string }, number]> =
    [
      ["maxUnavailable 1", { maxUnavailable: 1 }, 0],
      ["maxUnavailable 2", { maxUnavailable: 2 }, 1],
      ["maxUnavailable 50% of 4 expected rounds up to 2", { maxUnavailable: "50%" }, 1],
      ["minAvailable 2 with 3 healthy", { minAvailable: 2 }, 1],
      ["minAvailable 3 with 3 healthy", { minAvailable: 3 }, 0],
      ["minAvailable 25% of 4 rounds up to 1", { minAvailable: "25%" }, 2],
      ["no budget fields", {}, 3],
    ];
  it.each(table)("%s", (_name, budget, expected) => {
    expect(disruptionsAllowed(pdb("web", "shop", "web", budget), pods, "PodDisruptionBudget shop/web")).toBe(
      expected,
    );
  });

  it("counts as healthy only Ready pods not being deleted, as the disruption controller does", () => {
    const unready = pod("web-probing", "shop", NODE_1, { labels: { app: "web" }, ready: false });
    const leaving = pod("web-leaving", "shop", NODE_1, { labels: { app: "web" } });
    leaving.metadata = { ...leaving.metadata, deletionTimestamp: new Date("2026-03-01T00:00:00Z") };
    // Five expected, three healthy: Running alone would count five and allow two more.
    const budget = pdb("web", "shop", "web", { minAvailable: 3 });
    expect(disruptionsAllowed(budget, [...pods.slice(0, 3), unready, leaving], "x")).toBe(0);
  });

  it("prefers the controller's reported status", () => {
    expect(disruptionsAllowed(pdb("web", "shop", "web", { minAvailable: 3 }, 2), pods, "x")).toBe(2);
  });

  it("names the PDB and field in errors on invalid budgets", () => {
    expect(() =>
      disruptionsAllowed(
        pdb("web", "shop", "web", { minAvailable: "half" }),
        pods,
        "PodDisruptionBudget shop/web",
      ),
    ).toThrow(
      'PodDisruptionBudget shop/web: spec.minAvailable "half" is neither a non-negative integer nor a percentage',
    );
    expect(() =>
      disruptionsAllowed(
        pdb("web", "shop", "web", { minAvailable: 1, maxUnavailable: 1 }),
        pods,
        "PodDisruptionBudget shop/web",
      ),
    ).toThrow("PodDisruptionBudget shop/web: spec sets both minAvailable and maxUnavailable");
  });

  it("surfaces a bad selector operator with the PDB's name through the assessment", () => {
    const facts = baseCluster();
    facts.podDisruptionBudgets.push({
      metadata: { name: "odd", namespace: "shop" },
      spec: { selector: { matchExpressions: [{ key: "app", operator: "Equals", values: ["web"] }] } },
    });
    expect(() => assess(facts)).toThrow(
      'PodDisruptionBudget shop/odd: label selector operator "Equals" on key "app" is not one of In, NotIn, Exists, DoesNotExist',
    );
  });
});
