// What the apiserver says about itself: /version, /api, /apis and each group version's resource list,
// in the legacy form and the aggregated one (apidiscovery.k8s.io/v2, which kubectl 1.30+ asks for first),
// from which client-node and kubectl learn what is served, by which short names and categories.

import type { IncomingMessage } from "node:http";
import { RESOURCE_KINDS, type Resource } from "../model/kube-types.ts";
import { SCALABLE } from "./api-paths.ts";

export function versionInfo(kubernetesVersion: string) {
  const [major, minor] = kubernetesVersion.split(".");
  return {
    major,
    minor,
    gitVersion: `v${kubernetesVersion}`,
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2026-01-01T00:00:00Z",
    goVersion: "go1.24.4",
    compiler: "gc",
    platform: "linux/amd64",
  };
}

interface Subresource {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: string[];
}

/** One resource the apiserver serves, as both discovery forms describe it. */
export interface ServedResource {
  group: string;
  version: string;
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources: Subresource[];
}

// The short names and categories of the upstream types (their REST storage's ShortNames/Categories).
const SHORT_NAMES: Partial<Record<Resource, string[]>> = {
  nodes: ["no"],
  pods: ["po"],
  namespaces: ["ns"],
  events: ["ev"],
  deployments: ["deploy"],
  replicasets: ["rs"],
  statefulsets: ["sts"],
  daemonsets: ["ds"],
  poddisruptionbudgets: ["pdb"],
  persistentvolumeclaims: ["pvc"],
  persistentvolumes: ["pv"],
};
const IN_ALL: readonly Resource[] = ["pods", "deployments", "replicasets", "statefulsets", "daemonsets"];
const OBJECT_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"];

function storeResource(resource: Resource): ServedResource {
  const info = RESOURCE_KINDS[resource];
  const [group, version] = info.apiVersion.includes("/") ? info.apiVersion.split("/") : ["", info.apiVersion];
  const subresources: Subresource[] = [];
  if (resource === "pods")
    subresources.push({
      name: "eviction",
      group: "policy",
      version: "v1",
      kind: "Eviction",
      verbs: ["create"],
    });
  if (SCALABLE.includes(resource))
    subresources.push({
      name: "scale",
      group: "autoscaling",
      version: "v1",
      kind: "Scale",
      verbs: ["get", "patch", "update"],
    });
  const shortNames = SHORT_NAMES[resource];
  return {
    group: group as string,
    version: version as string,
    name: resource,
    kind: info.kind,
    namespaced: info.namespaced,
    verbs: OBJECT_VERBS,
    ...(shortNames ? { shortNames } : {}),
    ...(IN_ALL.includes(resource) ? { categories: ["all"] } : {}),
    subresources,
  };
}

const review = (group: string, name: string, kind: string): ServedResource => ({
  group,
  version: "v1",
  name,
  kind,
  namespaced: false,
  verbs: ["create"],
  subresources: [],
});
const metrics = (name: string, kind: string, namespaced: boolean): ServedResource => ({
  group: "metrics.k8s.io",
  version: "v1beta1",
  name,
  kind,
  namespaced,
  verbs: ["get", "list"],
  subresources: [],
});

/** Everything served: the store's resources, the access reviews and metrics-server's Metrics API. */
export const SERVED: readonly ServedResource[] = [
  ...(Object.keys(RESOURCE_KINDS) as Resource[]).map(storeResource),
  review("authentication.k8s.io", "selfsubjectreviews", "SelfSubjectReview"),
  review("authorization.k8s.io", "selfsubjectaccessreviews", "SelfSubjectAccessReview"),
  review("authorization.k8s.io", "selfsubjectrulesreviews", "SelfSubjectRulesReview"),
  metrics("nodes", "NodeMetrics", false),
  metrics("pods", "PodMetrics", true),
];

const groupVersionOf = (r: ServedResource) => (r.group ? `${r.group}/${r.version}` : r.version);

function groupNames(): string[] {
  return [...new Set(SERVED.map((r) => r.group).filter((g) => g !== ""))];
}

function versionOf(group: string): string {
  return SERVED.find((r) => r.group === group)?.version as string;
}

export function coreVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroups() {
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: groupNames().map((name) => {
      const version = { groupVersion: `${name}/${versionOf(name)}`, version: versionOf(name) };
      return { name, versions: [version], preferredVersion: version };
    }),
  };
}

/** The APIResourceList of /api/v1 or /apis/<group>/<version>; undefined for any other path. */
export function resourceList(segments: string[]) {
  const groupVersion =
    segments[0] === "api" && segments.length === 2
      ? segments[1]
      : segments[0] === "apis" && segments.length === 3
        ? `${segments[1]}/${segments[2]}`
        : undefined;
  if (!groupVersion) return undefined;
  const resources = SERVED.filter((r) => groupVersionOf(r) === groupVersion);
  if (resources.length === 0) return undefined;
  const entries = resources.flatMap((r) => [
    {
      name: r.name,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    },
    ...r.subresources.map((s) => ({
      name: `${r.name}/${s.name}`,
      singularName: "",
      namespaced: r.namespaced,
      group: s.group,
      version: s.version,
      kind: s.kind,
      verbs: s.verbs,
    })),
  ]);
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: entries };
}

export const AGGREGATED_DISCOVERY = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** Whether the Accept header takes the aggregated discovery document (v2) for /api and /apis. */
export function wantsAggregated(req: IncomingMessage): boolean {
  return (req.headers.accept ?? "").split(",").some((entry) => {
    const params = entry.split(";").map((p) => p.trim());
    return (
      params.includes("g=apidiscovery.k8s.io") &&
      params.includes("v=v2") &&
      params.includes("as=APIGroupDiscoveryList")
    );
  });
}

/** The APIGroupDiscoveryList of /api (the core group, unnamed) or /apis (every named group). */
export function aggregatedDiscovery(core: boolean) {
  const groups = core ? [""] : groupNames();
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((group) => ({
      metadata: group ? { name: group } : {},
      versions: [
        {
          version: core ? "v1" : versionOf(group),
          freshness: "Current",
          resources: SERVED.filter((r) => r.group === group).map((r) => ({
            resource: r.name,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? "Namespaced" : "Cluster",
            singularResource: r.kind.toLowerCase(),
            verbs: r.verbs,
            ...(r.shortNames ? { shortNames: r.shortNames } : {}),
            ...(r.categories ? { categories: r.categories } : {}),
            ...(r.subresources.length > 0
              ? {
                  subresources: r.subresources.map((s) => ({
                    subresource: s.name,
                    responseKind: { group: s.group, version: s.version, kind: s.kind },
                    verbs: s.verbs,
                  })),
                }
              : {}),
          })),
        },
      ],
    })),
  };
}
