// The apiserver's errors as metav1.Status: handlers throw a StatusError, the server sends its Status.

import { RESOURCE_KINDS, type Resource } from "../model/kube-types.ts";
import { type KubeStatus, status } from "../model/objects.ts";

export class StatusError extends Error {
  readonly status: KubeStatus;

  constructor(s: KubeStatus) {
    super(s.message);
    this.status = s;
  }
}

export const fail = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
  new StatusError(status(code, reason, message, details));

/** apiVersion → group as it appears in URLs and qualified resource names. */
export function groupOf(resource: Resource): string {
  const apiVersion = RESOURCE_KINDS[resource].apiVersion;
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
}

/** `resource.group` as the apiserver names a resource in its messages (just `resource` for core). */
export function qualified(resource: Resource): string {
  const group = groupOf(resource);
  return group ? `${resource}.${group}` : resource;
}

/** The details of a Status about one object: its name, API group (none for core) and resource. */
export function objectDetails(resource: Resource, name: string): Record<string, unknown> {
  const group = groupOf(resource);
  return { name, ...(group ? { group } : {}), kind: resource };
}

export function notFound(resource: Resource, name: string): StatusError {
  return fail(404, "NotFound", `${qualified(resource)} "${name}" not found`, objectDetails(resource, name));
}

/** What the apiserver answers for a path it does not serve. */
export function notServed(): StatusError {
  return fail(404, "NotFound", "the server could not find the requested resource", {});
}

export function methodNotAllowed(): StatusError {
  return fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
}

/** A 422 Invalid about one field of the named object, with the StatusCause the apiserver gives. */
export function invalidField(kind: string, name: string, field: string, message: string): StatusError {
  return fail(422, "Invalid", `${kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    kind,
    causes: [{ reason: causeReason(message), message, field }],
  });
}

/** The StatusCause reason the apiserver's field errors carry, by the kind of message. */
function causeReason(message: string): string {
  if (message.startsWith("Required value")) return "FieldValueRequired";
  if (message.startsWith("Unsupported value")) return "FieldValueNotSupported";
  if (message.startsWith("Forbidden")) return "FieldValueForbidden";
  return "FieldValueInvalid";
}
