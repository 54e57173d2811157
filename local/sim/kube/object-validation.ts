// What the apiserver refuses before a write changes anything: a create in the wrong namespace, without
// a name or over an existing object; an update that renames, races (resourceVersion) or breaks a
// kind's rules (node taints, pod spec immutability, replica counts); a delete whose preconditions fail.

import type { SimCluster } from "../model/cluster.ts";
import { type KubeObject, RESOURCE_KINDS } from "../model/kube-types.ts";
import { SCALABLE, type Target } from "./api-paths.ts";
import { fail, groupOf, invalidField, notFound, objectDetails, qualified } from "./kube-errors.ts";

/** The namespace a created object goes in (none for cluster-scoped kinds). */
export function checkCreateNamespace(
  cluster: SimCluster,
  target: Target,
  object: KubeObject,
): string | undefined {
  const info = RESOURCE_KINDS[target.resource];
  if (object.kind !== undefined && object.kind !== info.kind)
    throw fail(
      400,
      "BadRequest",
      `the API version in the data (${object.apiVersion}) does not match the expected API version (${info.apiVersion})`,
    );
  const namespace = info.namespaced ? (target.namespace ?? object.metadata.namespace) : undefined;
  if (info.namespaced && !namespace)
    throw fail(400, "BadRequest", "the server could not find the requested resource", {});
  if (
    namespace &&
    target.namespace &&
    object.metadata.namespace &&
    object.metadata.namespace !== target.namespace
  ) {
    throw fail(
      400,
      "BadRequest",
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  }
  if (namespace && !cluster.store.get("namespaces", undefined, namespace))
    throw notFound("namespaces", namespace);
  return namespace;
}

/** A created object's name: given (or generated), and not taken. */
export function checkNewName(
  cluster: SimCluster,
  target: Target,
  namespace: string | undefined,
  name: string | undefined,
): string {
  const info = RESOURCE_KINDS[target.resource];
  if (!name) {
    throw fail(
      422,
      "Invalid",
      `${info.kind}.${groupOf(target.resource) || "core"} "" is invalid: metadata.name: Required value: name or generateName is required`,
      {
        kind: info.kind,
        causes: [
          {
            reason: "FieldValueRequired",
            message: "Required value: name or generateName is required",
            field: "metadata.name",
          },
        ],
      },
    );
  }
  if (cluster.store.get(target.resource, namespace, name)) {
    throw fail(
      409,
      "AlreadyExists",
      `${qualified(target.resource)} "${name}" already exists`,
      objectDetails(target.resource, name),
    );
  }
  return name;
}

export function checkNewPod(pod: KubeObject): void {
  if (!Array.isArray(pod.spec?.containers) || pod.spec.containers.length === 0)
    throw invalidField("Pod", pod.metadata.name, "spec.containers", "Required value");
}

/** An update (from PUT, a patch or the scale subresource) of `current` to `next`. */
export function checkUpdate(target: Target, current: KubeObject, next: KubeObject): void {
  const name = current.metadata.name;
  const kind = RESOURCE_KINDS[target.resource].kind;
  if (!next || typeof next !== "object" || typeof next.metadata !== "object")
    throw fail(400, "BadRequest", "the object has no metadata");
  if (next.metadata.name !== undefined && next.metadata.name !== name) {
    throw fail(
      400,
      "BadRequest",
      `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
    );
  }
  if (
    next.metadata.resourceVersion !== undefined &&
    next.metadata.resourceVersion !== current.metadata.resourceVersion
  ) {
    throw fail(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${qualified(target.resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      objectDetails(target.resource, name),
    );
  }
  const invalid = (field: string, message: string) => invalidField(kind, name, field, message);
  for (const [field, value] of [
    ["metadata.labels", next.metadata.labels],
    ["metadata.annotations", next.metadata.annotations],
  ] as const) {
    if (
      value !== undefined &&
      (typeof value !== "object" || value === null || Object.values(value).some((v) => typeof v !== "string"))
    ) {
      throw invalid(field, "Invalid value: must be a map of strings");
    }
  }
  const spec = next.spec;
  if (target.resource === "nodes") {
    const taints = spec?.taints;
    if (taints !== undefined && taints !== null) {
      if (!Array.isArray(taints)) throw invalid("spec.taints", "Invalid value: must be a list");
      for (const [i, t] of taints.entries()) {
        if (typeof t?.key !== "string" || t.key === "")
          throw invalid(`spec.taints[${i}].key`, "Required value");
        if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)) {
          throw invalid(
            `spec.taints[${i}].effect`,
            `Unsupported value: "${t.effect}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
          );
        }
      }
    }
    if (spec?.unschedulable !== undefined && typeof spec.unschedulable !== "boolean")
      throw invalid("spec.unschedulable", "Invalid value: must be a boolean");
  }
  if (target.resource === "pods") {
    const allowed = (s: KubeObject["spec"]) => ({
      ...s,
      containers: (s?.containers ?? []).map((c: { image?: string }) => ({ ...c, image: undefined })),
      tolerations: undefined,
      activeDeadlineSeconds: undefined,
    });
    if (JSON.stringify(allowed(spec)) !== JSON.stringify(allowed(current.spec))) {
      throw invalid(
        "spec",
        "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
      );
    }
  }
  if (SCALABLE.includes(target.resource)) {
    const replicas = spec?.replicas;
    if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0))
      throw invalid(
        "spec.replicas",
        `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
  }
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export function checkDeletePreconditions(
  target: Target,
  object: KubeObject,
  preconditions: DeletePreconditions | undefined,
): void {
  if (preconditions?.uid && preconditions.uid !== object.metadata.uid) {
    throw fail(
      409,
      "Conflict",
      `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${object.metadata.uid}`,
      { name: object.metadata.name, kind: target.resource },
    );
  }
  if (preconditions?.resourceVersion && preconditions.resourceVersion !== object.metadata.resourceVersion) {
    throw fail(
      409,
      "Conflict",
      `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion}`,
      { name: object.metadata.name, kind: target.resource },
    );
  }
}
