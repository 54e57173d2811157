// What the apiserver says about itself: /version, /api, /apis and each group version's resource list,
// from which client-node and kubectl learn what is served.

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

export function coreVersions(serverAddress: string) {
  return {
    kind: "APIVersions",
    versions: ["v1"],
    serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }],
  };
}

export function apiGroups() {
  const groups = new Map<string, string>();
  for (const resource of Object.keys(RESOURCE_KINDS) as Resource[]) {
    const apiVersion = RESOURCE_KINDS[resource].apiVersion;
    if (apiVersion.includes("/")) groups.set(apiVersion.split("/")[0] as string, apiVersion);
  }
  return {
    kind: "APIGroupList",
    apiVersion: "v1",
    groups: [...groups].map(([name, groupVersion]) => {
      const version = { groupVersion, version: groupVersion.split("/")[1] };
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
  const resources = (Object.keys(RESOURCE_KINDS) as Resource[]).filter(
    (r) => RESOURCE_KINDS[r].apiVersion === groupVersion,
  );
  if (resources.length === 0) return undefined;
  const entries = resources.flatMap((r) => {
    const info = RESOURCE_KINDS[r];
    const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
    const base = {
      name: r,
      singularName: info.kind.toLowerCase(),
      namespaced: info.namespaced,
      kind: info.kind,
      verbs,
    };
    const extras: object[] = [];
    if (r === "pods")
      extras.push({
        name: "pods/eviction",
        singularName: "",
        namespaced: true,
        group: "policy",
        version: "v1",
        kind: "Eviction",
        verbs: ["create"],
      });
    if (SCALABLE.includes(r)) {
      extras.push({
        name: `${r}/scale`,
        singularName: "",
        namespaced: true,
        group: "autoscaling",
        version: "v1",
        kind: "Scale",
        verbs: ["get", "patch", "update"],
      });
    }
    return [base, ...extras];
  });
  return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: entries };
}
