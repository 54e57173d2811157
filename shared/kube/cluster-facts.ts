// Gathers the Kubernetes facts the dependency-risk rules read (shared/domain/workloads/cluster-facts.ts) from one
// cluster with @kubernetes/client-node: nodes, pods, daemonsets, deployments, statefulsets, PDBs, PVCs,
// PVs and CSI drivers, each listed in pages (limit/continue) so a 2,000-node cluster never comes in one
// answer, each call timed out and retried as kube-requests.ts does; an expired continue token (410)
// restarts that list. A list that fails for good fails the scan of this cluster.

import { AppsV1Api, type KubeConfig, StorageV1Api } from "@kubernetes/client-node";
import type { ClusterFactsSource } from "../domain/ports/fleet.ts";
import { mapBounded } from "../domain/support/bounded.ts";
import type { ClusterFacts } from "../domain/workloads/cluster-facts.ts";
import {
  CoreV1ApiJsonLists,
  type CoreV1JsonApi,
  PolicyV1ApiJsonLists,
  type PolicyV1JsonApi,
} from "./json-lists.ts";
import { clusterTarget, type KubeConnector } from "./kube-connection.ts";
import { type KubeRequestOptions, type ListCall, listAll } from "./kube-requests.ts";

/** Lists of one cluster in flight at once. */
const LISTS_AT_ONCE = 3;

/** Each cluster's facts through its own connection (a kubeconfig file, or Entra and ARM in Azure). */
export class KubeClusterFacts implements ClusterFactsSource {
  private readonly kube: KubeConnector;
  private readonly options: KubeRequestOptions;

  constructor(kube: KubeConnector, options: KubeRequestOptions) {
    this.kube = kube;
    this.options = options;
  }

  async clusterFacts(clusterId: string): Promise<ClusterFacts> {
    return gatherClusterFacts(await this.kube.kubeConfig(clusterTarget(clusterId)), this.options);
  }
}

export async function gatherClusterFacts(
  config: KubeConfig,
  options: KubeRequestOptions,
): Promise<ClusterFacts> {
  const core: CoreV1JsonApi = config.makeApiClient(CoreV1ApiJsonLists);
  const apps = config.makeApiClient(AppsV1Api);
  const policy: PolicyV1JsonApi = config.makeApiClient(PolicyV1ApiJsonLists);
  const storage = config.makeApiClient(StorageV1Api);
  const list =
    <T>(what: string, call: ListCall<T>) =>
    () =>
      listAll(what, call, options);
  return gatherAll({
    nodes: list("nodes", (page, call) => core.listNode(page, call)),
    pods: list("pods", (page, call) => core.listPodForAllNamespaces(page, call)),
    daemonSets: list("daemonsets", (page, call) => apps.listDaemonSetForAllNamespaces(page, call)),
    deployments: list("deployments", (page, call) => apps.listDeploymentForAllNamespaces(page, call)),
    statefulSets: list("statefulsets", (page, call) => apps.listStatefulSetForAllNamespaces(page, call)),
    podDisruptionBudgets: list("poddisruptionbudgets", (page, call) =>
      policy.listPodDisruptionBudgetForAllNamespaces(page, call),
    ),
    persistentVolumeClaims: list("persistentvolumeclaims", (page, call) =>
      core.listPersistentVolumeClaimForAllNamespaces(page, call),
    ),
    persistentVolumes: list("persistentvolumes", (page, call) => core.listPersistentVolume(page, call)),
    csiDrivers: list("csidrivers", (page, call) => storage.listCSIDriver(page, call)),
  });
}

/**
 * Every list, LISTS_AT_ONCE at a time, failing with the first failure. Each list in flight holds a
 * connection of the cluster's pool, and each new connection is a TLS handshake: nine at once made nine
 * handshakes per cluster, most of a fleet scan's client work.
 */
async function gatherAll<T extends Record<string, () => Promise<unknown>>>(
  lists: T,
): Promise<{ [K in keyof T]: Awaited<ReturnType<T[K]>> }> {
  const entries = await mapBounded(
    Object.entries(lists),
    LISTS_AT_ONCE,
    async ([key, list]) => [key, await list()] as const,
  );
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<ReturnType<T[K]>> };
}
