// Builders for the Kubernetes objects the twin creates, shaped like the ones an AKS cluster serves.

import type { PdbSpec, PodTemplateSpec, Toleration as ScenarioToleration } from "../scenario/schema.ts";
import type { KubeObject, LabelSelector, ObjectMeta, OwnerReference, Taint } from "./kube-types.ts";

export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function meta(
  fields: Pick<ObjectMeta, "name" | "uid"> & Partial<ObjectMeta>,
  createdAt: number,
): ObjectMeta {
  const out: ObjectMeta = {
    name: fields.name,
    ...(fields.generateName ? { generateName: fields.generateName } : {}),
    ...(fields.namespace ? { namespace: fields.namespace } : {}),
    uid: fields.uid,
    resourceVersion: "0",
    ...(fields.generation !== undefined ? { generation: fields.generation } : {}),
    creationTimestamp: rfc3339(createdAt),
  };
  if (fields.labels && Object.keys(fields.labels).length > 0) out.labels = { ...fields.labels };
  if (fields.annotations && Object.keys(fields.annotations).length > 0)
    out.annotations = { ...fields.annotations };
  if (fields.ownerReferences) out.ownerReferences = fields.ownerReferences;
  return out;
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? "v1",
    kind: owner.kind ?? "Unknown",
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function parseTaint(text: string): Taint {
  const [keyValue = "", effect] = text.split(":");
  const eq = keyValue.indexOf("=");
  const key = eq === -1 ? keyValue : keyValue.slice(0, eq);
  const value = eq === -1 ? undefined : keyValue.slice(eq + 1);
  return { key, ...(value ? { value } : {}), effect: effect as Taint["effect"] };
}

function tolerations(list: readonly ScenarioToleration[] | undefined) {
  return (list ?? []).map((t) => ({ ...t }));
}

/** A pod template (apps/v1 PodTemplateSpec) from a scenario workload. */
export function podTemplate(
  name: string,
  spec: PodTemplateSpec,
): { metadata: { labels: Record<string, string> }; spec: object } {
  const requests = { cpu: "100m", memory: "128Mi", ...spec.resources?.requests };
  const container = {
    name,
    image: spec.image ?? `mcr.microsoft.com/azurelinux/base/nginx:1.25`,
    resources: { requests, ...(spec.resources?.limits ? { limits: { ...spec.resources.limits } } : {}) },
    terminationMessagePath: "/dev/termination-log",
    terminationMessagePolicy: "File",
    imagePullPolicy: "IfNotPresent",
  };
  const affinity = spec.requiredNodeAffinity
    ? {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: spec.requiredNodeAffinity.map((r) => ({ ...r })) }],
          },
        },
      }
    : undefined;
  return {
    metadata: { labels: { ...(spec.labels ?? { app: name }) } },
    spec: {
      containers: [container],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      dnsPolicy: "ClusterFirst",
      schedulerName: "default-scheduler",
      securityContext: {},
      ...(spec.nodeSelector ? { nodeSelector: { ...spec.nodeSelector } } : {}),
      ...(spec.tolerations ? { tolerations: tolerations(spec.tolerations) } : {}),
      ...(affinity ? { affinity } : {}),
      ...(spec.priorityClassName ? { priorityClassName: spec.priorityClassName } : {}),
    },
  };
}

export function selectorFor(labels: Record<string, string>): LabelSelector {
  return { matchLabels: { ...labels } };
}

export function pdbObject(
  name: string,
  namespace: string,
  selector: LabelSelector,
  spec: PdbSpec,
  uid: string,
  createdAt: number,
): KubeObject {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: meta({ name, namespace, uid, generation: 1 }, createdAt),
    spec: {
      selector,
      ...(spec.minAvailable !== undefined ? { minAvailable: spec.minAvailable } : {}),
      ...(spec.maxUnavailable !== undefined ? { maxUnavailable: spec.maxUnavailable } : {}),
    },
    status: {
      observedGeneration: 0,
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    },
  };
}

/** The Kubernetes Status object the apiserver returns for errors and some successes. */
export function status(
  code: number,
  reason: string | undefined,
  message: string,
  details?: Record<string, unknown>,
): KubeStatus {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: code < 400 ? "Success" : "Failure",
    ...(message ? { message } : {}),
    ...(reason ? { reason } : {}),
    ...(details ? { details } : {}),
    code,
  };
}

export interface KubeStatus {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: Record<string, unknown>;
  code: number;
}
