// Field selectors as the apiserver takes them: metadata.name and metadata.namespace on every resource,
// plus the fields each resource registers; anything else is a 400.

import type { KubeObject, Resource } from "../model/kube-types.ts";
import { fail } from "./kube-errors.ts";

const SUPPORTED_FIELDS: Partial<Record<Resource, string[]>> = {
  pods: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  replicasets: ["status.replicas"],
  events: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
};

export interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

export function parseFieldSelector(resource: Resource, text: string): FieldRequirement[] {
  const allowed = new Set(["metadata.name", "metadata.namespace", ...(SUPPORTED_FIELDS[resource] ?? [])]);
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((part) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!m) throw fail(400, "BadRequest", `invalid selector: '${text}'; can't understand '${part}'`);
      const field = m[1] as string;
      if (!allowed.has(field)) throw fail(400, "BadRequest", `field label not supported: ${field}`);
      return { field, value: m[3] as string, negate: m[2] === "!=" };
    });
}

/** The field as the selector compares it: a string, booleans as "true"/"false", missing as "". */
export function fieldValue(object: KubeObject, field: string): string {
  if (field === "source")
    return String((object as unknown as { source?: { component?: string } }).source?.component ?? "");
  let value: unknown = object;
  for (const part of field.split("."))
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  if (field === "spec.unschedulable" || field === "spec.hostNetwork") return String(value === true);
  return value === undefined || value === null ? "" : String(value);
}
