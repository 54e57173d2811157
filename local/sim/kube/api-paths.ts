// What a request path names: a resource (in its group and version), maybe a namespace, an object and a
// subresource, as the apiserver lays out /api/v1/... and /apis/<group>/<version>/....

import { isResource, RESOURCE_KINDS, type Resource } from "../model/kube-types.ts";

export interface Target {
  resource: Resource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** The target of the path's segments, or undefined when the apiserver serves no such path. */
export function parseTarget(segments: string[]): Target | undefined {
  let groupVersion: string;
  let rest: string[];
  if (segments[0] === "api" && segments[1] === "v1") {
    groupVersion = "v1";
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 3) {
    groupVersion = `${segments[1]}/${segments[2]}`;
    rest = segments.slice(3);
  } else return undefined;
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || !isResource(resource) || extra.length > 0) return undefined;
  const info = RESOURCE_KINDS[resource];
  if (info.apiVersion !== groupVersion) return undefined;
  if (namespace !== undefined && !info.namespaced) return undefined;
  return {
    resource,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}

/** Workloads whose replica count the scale subresource serves. */
export const SCALABLE: readonly Resource[] = ["deployments", "statefulsets", "replicasets"];
