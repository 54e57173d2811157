// The subscription, resource group, cluster and pool a request path names, found as ARM finds them
// (without regard to case), or ARM's 404 for the first that does not exist.

import type { SimCluster } from "../model/cluster.ts";
import type { Fleet } from "../model/fleet.ts";
import type { SimPool } from "../model/pool.ts";
import { ArmError } from "./arm-error.ts";
import { type Params, same } from "./arm-routes.ts";

export function requireSubscription(fleet: Fleet, id: string): string {
  const subscription = fleet.subscription(id);
  if (!subscription)
    throw new ArmError(404, "SubscriptionNotFound", `The subscription '${id}' could not be found.`);
  return subscription.id;
}

export function requireGroup(fleet: Fleet, p: Params): void {
  requireSubscription(fleet, p.sub as string);
  if (!fleet.clusters.some((c) => same(c.subscriptionId, p.sub) && same(c.resourceGroup, p.rg))) {
    throw new ArmError(404, "ResourceGroupNotFound", `Resource group '${p.rg}' could not be found.`);
  }
}

export function requireCluster(fleet: Fleet, p: Params): SimCluster {
  requireGroup(fleet, p);
  const cluster = fleet.findCluster(p.sub as string, p.rg as string, p.cluster as string);
  if (!cluster) {
    throw new ArmError(
      404,
      "ResourceNotFound",
      `The Resource 'Microsoft.ContainerService/managedClusters/${p.cluster}' under resource group '${p.rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }
  return cluster;
}

/** ARM names agent pools without regard to case. */
export function findPool(cluster: SimCluster, name: string): SimPool | undefined {
  return cluster.pools.get(name) ?? [...cluster.pools.values()].find((p) => same(p.name, name));
}

export function requirePool(cluster: SimCluster, name: string): SimPool {
  const pool = findPool(cluster, name);
  if (!pool)
    throw new ArmError(
      404,
      "NotFound",
      `Could not find agent pool '${name}' in managed cluster '${cluster.name}'.`,
    );
  return pool;
}
