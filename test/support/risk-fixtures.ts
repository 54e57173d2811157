// Builders for the risk tests. They return @kubernetes/client-node models, so every test also
// checks that what the client hands back fits the domain's fact types.
import type {
  V1CSIDriver,
  V1DaemonSet,
  V1Deployment,
  V1Node,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1StatefulSet,
  V1Taint,
} from "@kubernetes/client-node";

export interface ClientFacts {
  nodes: V1Node[];
  pods: V1Pod[];
  daemonSets: V1DaemonSet[];
  deployments: V1Deployment[];
  statefulSets: V1StatefulSet[];
  podDisruptionBudgets: V1PodDisruptionBudget[];
  persistentVolumeClaims: V1PersistentVolumeClaim[];
  persistentVolumes: V1PersistentVolume[];
  csiDrivers: V1CSIDriver[];
}

export const POOL = "azl2pool";
export const POOL_NODES = ["aks-azl2pool-22222222-vmss000000", "aks-azl2pool-22222222-vmss000001"] as const;
export const SYSTEM_NODE = "aks-system-11111111-vmss000000";
export const GPU_NODE = "aks-gpu-33333333-vmss000000";
export const AKS_MANAGED = { "kubernetes.azure.com/managedby": "aks" };

export function node(name: string, pool: string, taints: V1Taint[] = []): V1Node {
  return {
    metadata: {
      name,
      labels: { "kubernetes.azure.com/agentpool": pool, "kubernetes.azure.com/mode": "user" },
    },
    spec: { taints },
  };
}

export function container(name: string, image: string): V1PodSpec["containers"][number] {
  return { name, image };
}

interface PodOptions {
  owner?: { kind: string; name: string };
  labels?: Record<string, string>;
  spec?: Partial<V1PodSpec>;
  phase?: string;
  /** Whether its Ready condition is True; by default a Running pod is ready, others are not. */
  ready?: boolean;
}

export function pod(name: string, namespace: string, nodeName: string, options: PodOptions = {}): V1Pod {
  const { owner, labels, spec, phase = "Running", ready = phase === "Running" } = options;
  return {
    metadata: {
      name,
      namespace,
      labels,
      ownerReferences: owner
        ? [
            {
              apiVersion: "apps/v1",
              kind: owner.kind,
              name: owner.name,
              uid: `uid-${owner.name}`,
              controller: true,
            },
          ]
        : undefined,
    },
    spec: { nodeName, containers: [container("main", "contoso.azurecr.io/app:1.0")], ...spec },
    status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

export function daemonSet(
  name: string,
  namespace: string,
  spec: Partial<V1PodSpec>,
  labels: Record<string, string> = {},
): V1DaemonSet {
  return {
    metadata: { name, namespace, labels },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [container(name, `contoso.azurecr.io/${name}:1.0`)], ...spec },
      },
    },
  };
}

export function deployment(name: string, namespace: string, replicas: number, labels = {}): V1Deployment {
  return {
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [container("main", "app:1")] } },
    },
  };
}

/** Pods of a deployment, one per node given, owned by its ReplicaSet as the controller makes them. */
export function deploymentPods(
  name: string,
  namespace: string,
  nodes: readonly string[],
  spec: Partial<V1PodSpec> = {},
): V1Pod[] {
  return nodes.map((nodeName, i) =>
    pod(`${name}-5d8f7c9b4-${i}`, namespace, nodeName, {
      owner: { kind: "ReplicaSet", name: `${name}-5d8f7c9b4` },
      labels: { app: name, "pod-template-hash": "5d8f7c9b4" },
      spec,
    }),
  );
}

export function pdb(
  name: string,
  namespace: string,
  app: string,
  budget: { minAvailable?: number | string; maxUnavailable?: number | string },
  disruptionsAllowed?: number,
): V1PodDisruptionBudget {
  return {
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app } }, ...budget },
    status:
      disruptionsAllowed === undefined
        ? undefined
        : { disruptionsAllowed, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
  };
}

/**
 * A cluster with a system pool, the pool under test and a tainted GPU pool. On the pool: AKS's own
 * kube-proxy (privileged, kernel paths, but managed by AKS), AKS's coredns with its PDB, and a
 * three-replica web deployment with a PDB allowing one disruption: a simple migration.
 */
export function baseCluster(): ClientFacts {
  const kubeProxy = daemonSet(
    "kube-proxy",
    "kube-system",
    {
      hostNetwork: true,
      containers: [
        {
          name: "kube-proxy",
          image: "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.31.2",
          securityContext: { privileged: true },
        },
      ],
      volumes: [{ name: "modules", hostPath: { path: "/lib/modules" } }],
      tolerations: [{ operator: "Exists" }],
    },
    { "addonmanager.kubernetes.io/mode": "Reconcile" },
  );
  return {
    nodes: [
      node(SYSTEM_NODE, "system", [{ key: "CriticalAddonsOnly", value: "true", effect: "NoSchedule" }]),
      ...POOL_NODES.map((name) => node(name, POOL)),
      node(GPU_NODE, "gpu", [{ key: "sku", value: "gpu", effect: "NoSchedule" }]),
    ],
    pods: [
      ...[SYSTEM_NODE, ...POOL_NODES, GPU_NODE].map((nodeName, i) =>
        pod(`kube-proxy-${i}`, "kube-system", nodeName, { owner: { kind: "DaemonSet", name: "kube-proxy" } }),
      ),
      ...deploymentPods("coredns", "kube-system", [POOL_NODES[0]]).map((p) => ({
        ...p,
        metadata: { ...p.metadata, labels: { ...p.metadata?.labels, ...AKS_MANAGED } },
      })),
      ...deploymentPods("web", "shop", [...POOL_NODES, SYSTEM_NODE]),
    ],
    daemonSets: [kubeProxy],
    deployments: [deployment("coredns", "kube-system", 1, AKS_MANAGED), deployment("web", "shop", 3)],
    statefulSets: [],
    podDisruptionBudgets: [
      pdb("coredns-pdb", "kube-system", "coredns", { maxUnavailable: 1 }, 1),
      pdb("web", "shop", "web", { maxUnavailable: 1 }, 1),
    ],
    persistentVolumeClaims: [],
    persistentVolumes: [],
    csiDrivers: [],
  };
}
