// Microsoft.ContainerService managedClusters: list (subscription, resource group), get, PUT and tags
// PATCH as long-running operations, and the user and admin credentials, whose kubeconfigs point at the
// cluster's simulated API server.

import { kubeconfigYaml } from "../kube/kubeconfig.ts";
import type { SimCluster } from "../model/cluster.ts";
import type { Fleet } from "../model/fleet.ts";
import type { SimulatorTls } from "../tls/certificates.ts";
import { requireCluster, requireGroup, requireSubscription } from "./arm-lookups.ts";
import { managedClusterResource } from "./arm-resources.ts";
import { ok, PATTERNS, type Reply, type Route, same } from "./arm-routes.ts";
import type { LongRunningOperations } from "./long-running-operations.ts";
import { checkClusterPut, checkTagsPatch } from "./managed-cluster-validation.ts";
import type { Json } from "./request-validation.ts";

export class ManagedClusters {
  private readonly fleet: Fleet;
  private readonly tls: SimulatorTls;
  private readonly operations: LongRunningOperations;

  constructor(fleet: Fleet, tls: SimulatorTls, operations: LongRunningOperations) {
    this.fleet = fleet;
    this.tls = tls;
    this.operations = operations;
  }

  readonly routes: Route[] = [
    {
      pattern: PATTERNS.clustersInSubscription,
      method: "GET",
      handle: (p) => {
        requireSubscription(this.fleet, p.sub as string);
        return this.list((c) => same(c.subscriptionId, p.sub));
      },
    },
    {
      pattern: PATTERNS.clustersInGroup,
      method: "GET",
      handle: (p) => {
        requireGroup(this.fleet, p);
        return this.list((c) => same(c.subscriptionId, p.sub) && same(c.resourceGroup, p.rg));
      },
    },
    {
      pattern: PATTERNS.cluster,
      method: "GET",
      handle: (p) => ok(managedClusterResource(requireCluster(this.fleet, p))),
    },
    {
      pattern: PATTERNS.cluster,
      method: "PUT",
      handle: (p, r) => this.put(requireCluster(this.fleet, p), r.body, r.apiVersion),
    },
    {
      pattern: PATTERNS.cluster,
      method: "PATCH",
      handle: (p, r) => this.patchTags(requireCluster(this.fleet, p), r.body),
    },
    {
      pattern: PATTERNS.userCredential,
      method: "POST",
      handle: (p) => this.credentials(requireCluster(this.fleet, p), "user"),
    },
    {
      pattern: PATTERNS.adminCredential,
      method: "POST",
      handle: (p) => this.credentials(requireCluster(this.fleet, p), "admin"),
    },
  ];

  private list(predicate: (c: SimCluster) => boolean): Reply {
    return ok({ value: this.fleet.clusters.filter(predicate).map(managedClusterResource) });
  }

  private put(cluster: SimCluster, body: Json, apiVersion: string): Reply {
    const change = checkClusterPut(cluster, body, apiVersion);
    this.operations.refuseWhileBusy(cluster);
    if (change.autoScalerProfile) cluster.spec.autoScalerProfile = change.autoScalerProfile;
    if (change.tags) cluster.spec.tags = change.tags;
    return this.update(cluster, cluster.ctx.timings.clusterUpdateSeconds * 1000);
  }

  private patchTags(cluster: SimCluster, body: Json): Reply {
    const tags = checkTagsPatch(body);
    this.operations.refuseWhileBusy(cluster);
    cluster.spec.tags = tags;
    return this.update(cluster, 1000);
  }

  /** A cluster update as an operation that takes `durationMs` of simulated time. */
  private update(cluster: SimCluster, durationMs: number): Reply {
    const operation = this.operations.start(cluster, {
      kind: "updateCluster",
      state: "Updating",
      work: () => cluster.timeline.sleep(durationMs),
    });
    return this.operations.answer(200, managedClusterResource(cluster), operation);
  }

  private credentials(cluster: SimCluster, kind: "user" | "admin"): Reply {
    const server = cluster.apiServerUrl;
    const yaml =
      kind === "admin"
        ? kubeconfigYaml(
            cluster,
            server,
            this.tls.caPem,
            { kind: "token" },
            `clusterAdmin_${cluster.resourceGroup}_${cluster.name}`,
          )
        : kubeconfigYaml(cluster, server, this.tls.caPem, {
            kind: "exec",
            tenantId: this.fleet.scenario.tenantId,
          });
    return ok({
      kubeconfigs: [
        {
          name: kind === "admin" ? "clusterAdmin" : "clusterUser",
          value: Buffer.from(yaml).toString("base64"),
        },
      ],
    });
  }
}
