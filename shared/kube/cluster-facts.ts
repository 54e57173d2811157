// Gathers the Kubernetes facts the dependency-risk rules read (shared/domain/workloads/cluster-facts.ts) from one
// cluster with @kubernetes/client-node: nodes, pods, daemonsets, deployments, statefulsets, PDBs, PVCs,
// PVs and CSI drivers, each listed in pages (limit/continue) so a 2,000-node cluster never comes in one
// answer, each call timed out and retried as kube-requests.ts does; an expired continue token (410)
// restarts that list. A list that fails for good fails the scan of this cluster.

import { AppsV1Api, CoreV1Api, type KubeConfig, PolicyV1Api, StorageV1Api } from "@kubernetes/client-node";
import type { ClusterFactsSource } from "../domain/ports/fleet.ts";
import type { ClusterFacts } from "../domain/workloads/cluster-facts.ts";
import { clusterTarget, type KubeConnector } from "./kube-connection.ts";
import { type KubeRequestOptions, type ListCall, listAll } from "./kube-requests.ts";

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
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const policy = config.makeApiClient(PolicyV1Api);
  const storage = config.makeApiClient(StorageV1Api);
  const list = <T>(what: string, call: ListCall<T>) => listAll(what, call, options);
  return settleAll({
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

/** Awaits every property's promise (all already running), failing with the first failure. */
async function settleAll<T extends Record<string, Promise<unknown>>>(
  promises: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(
    Object.entries(promises).map(async ([key, promise]) => [key, await promise] as const),
  );
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}
