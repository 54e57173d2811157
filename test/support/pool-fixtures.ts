// Small builders for domain tests of lifecycle, compatibility and pool assessment.

import type { Cluster, NodePool } from "../../shared/domain/fleet/model.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { type Calendar, resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessPool } from "../../shared/domain/lifecycle/pool-assessment.ts";
import type { PoolSnapshot } from "../../shared/domain/ports/inventory.ts";

export function aPool(overrides: Partial<NodePool> = {}): NodePool {
  return {
    name: "apps",
    mode: "User",
    osType: "Linux",
    osSku: "AzureLinux",
    orchestratorVersion: "1.31.9",
    nodeImageVersion: "AKSAzureLinux-V2gen2-202512.06.0",
    count: 3,
    enableAutoScaling: false,
    vmSize: "Standard_D4ds_v5",
    availabilityZones: ["1", "2", "3"],
    nodeLabels: {},
    nodeTaints: [],
    upgradeSettings: {},
    ...overrides,
  };
}

export function aCluster(overrides: Partial<Cluster> = {}, pools: NodePool[] = [aPool()]): Cluster {
  const name = overrides.name ?? "prod-weu";
  return {
    id: `/subscriptions/sub-1/resourceGroups/rg-${name}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    subscriptionId: "sub-1",
    resourceGroup: `rg-${name}`,
    location: "westeurope",
    kubernetesVersion: "1.31.9",
    networkProfile: {},
    storageProfile: {},
    autoScalerProfile: {},
    nodePools: pools,
    ...overrides,
  };
}

export const day = (date: string): Date => new Date(`${date}T12:00:00Z`);

/** The cluster's pools as a scan records them, assessed at `now` against the base calendar. */
export function poolSnapshots(cluster: Cluster, now: Date): PoolSnapshot[] {
  const calendar = resolveCalendar(BASE_CALENDAR, []);
  return cluster.nodePools.map((pool) => ({
    ref: {
      clusterId: cluster.id,
      cluster: cluster.name,
      subscriptionId: cluster.subscriptionId,
      resourceGroup: cluster.resourceGroup,
      pool: pool.name,
    },
    pool,
    assessment: assessPool(cluster, pool, calendar, now),
  }));
}

/** A FIPS Ubuntu 22.04 pool on Kubernetes 1.33: its node image is of the family withFipsImageRemoval names. */
export function fipsUbuntu2204Pool(): NodePool {
  return aPool({
    osSku: "Ubuntu2204",
    orchestratorVersion: "1.33.4",
    nodeImageVersion: "AKSUbuntu-2204gen2fipscontainerd-202706.01.0",
    enableFips: true,
  });
}

/** The base calendar plus one notice that moves only the removal of Ubuntu 22.04's FIPS images. */
export function withFipsImageRemoval(imageRemoval: string, receivedAt: string): Calendar {
  return resolveCalendar(BASE_CALENDAR, [
    {
      id: "fips-image-removal",
      subject: { kind: "imageFamily", value: "AKSUbuntu-2204gen2fips" },
      imageRemoval,
      sourceUrl: "https://github.com/Azure/AKS/issues/4168",
      note: "test notice",
      receivedAt,
    },
  ]);
}
