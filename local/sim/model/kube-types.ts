// Kubernetes objects exactly as they travel on the wire (JSON field names, RFC 3339 strings), typed only
// as far as the twin reads them. The store keeps these shapes, so the API server serves them unchanged.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  // biome-ignore lint/suspicious/noExplicitAny: spec and status vary by kind and arrive through patches
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: see spec
  status?: any;
}

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: "Exists" | "Equal";
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastHeartbeatTime?: string;
  lastProbeTime?: string | null;
  observedGeneration?: number;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }>;
}

/** Resource paths this API server serves, with how they appear in lists. */
export const RESOURCE_KINDS = {
  nodes: { kind: "Node", apiVersion: "v1", namespaced: false },
  pods: { kind: "Pod", apiVersion: "v1", namespaced: true },
  namespaces: { kind: "Namespace", apiVersion: "v1", namespaced: false },
  events: { kind: "Event", apiVersion: "v1", namespaced: true },
  deployments: { kind: "Deployment", apiVersion: "apps/v1", namespaced: true },
  replicasets: { kind: "ReplicaSet", apiVersion: "apps/v1", namespaced: true },
  statefulsets: { kind: "StatefulSet", apiVersion: "apps/v1", namespaced: true },
  daemonsets: { kind: "DaemonSet", apiVersion: "apps/v1", namespaced: true },
  poddisruptionbudgets: { kind: "PodDisruptionBudget", apiVersion: "policy/v1", namespaced: true },
  csidrivers: { kind: "CSIDriver", apiVersion: "storage.k8s.io/v1", namespaced: false },
  // The kubelets' heartbeats in kube-node-lease (kubectl describe node reads them).
  leases: { kind: "Lease", apiVersion: "coordination.k8s.io/v1", namespaced: true },
  // Served as every API server does (the product's dependency scan lists them); the scenarios create none.
  persistentvolumeclaims: { kind: "PersistentVolumeClaim", apiVersion: "v1", namespaced: true },
  persistentvolumes: { kind: "PersistentVolume", apiVersion: "v1", namespaced: false },
} as const;

export type Resource = keyof typeof RESOURCE_KINDS;

export function isResource(name: string): name is Resource {
  return Object.hasOwn(RESOURCE_KINDS, name);
}

export function conditionOf(object: KubeObject, type: string): Condition | undefined {
  const conditions: Condition[] | undefined = object.status?.conditions;
  return conditions?.find((c) => c.type === type);
}

export function isPodReady(pod: KubeObject): boolean {
  return conditionOf(pod, "Ready")?.status === "True";
}

export function isNodeReady(node: KubeObject): boolean {
  return conditionOf(node, "Ready")?.status === "True";
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((o) => o.controller);
}
