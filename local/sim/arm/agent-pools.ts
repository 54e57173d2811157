// Microsoft.ContainerService agentPools: list and get, PUT (create, or update in place and then
// upgrade or scale), DELETE, deleteMachines and upgradeNodeImageVersion as long-running operations,
// the upgrade profile and the machines. Requests are checked first (agent-pool-validation.ts); the
// work behind each operation is in pool-operations.ts.

import type { SimCluster } from "../model/cluster.ts";
import { applyPoolLabelsAndTaints } from "../model/controllers/nodes.ts";
import type { Fleet } from "../model/fleet.ts";
import type { SimPool } from "../model/pool.ts";
import {
  checkMachinesToDelete,
  checkPoolBody,
  checkPoolDeletable,
  newPoolProperties,
  updatedPoolProperties,
} from "./agent-pool-validation.ts";
import { findPool, requireCluster, requirePool } from "./arm-lookups.ts";
import { agentPoolResource, latestNodeImage, poolId, upgradeProfileResource } from "./arm-resources.ts";
import { noContent, ok, PATTERNS, type Params, type Reply, type Route } from "./arm-routes.ts";
import type { LongRunningOperations } from "./long-running-operations.ts";
import { createPool, deleteMachines, deletePool, updatePool, upgradeNodeImage } from "./pool-operations.ts";
import type { Json } from "./request-validation.ts";

export class AgentPools {
  private readonly fleet: Fleet;
  private readonly operations: LongRunningOperations;

  constructor(fleet: Fleet, operations: LongRunningOperations) {
    this.fleet = fleet;
    this.operations = operations;
  }

  readonly routes: Route[] = [
    {
      pattern: PATTERNS.pools,
      method: "GET",
      handle: (p) => {
        const cluster = requireCluster(this.fleet, p);
        return ok({ value: [...cluster.pools.values()].map((pool) => agentPoolResource(cluster, pool)) });
      },
    },
    {
      pattern: PATTERNS.pool,
      method: "GET",
      handle: (p) => this.onPool(p, (cluster, pool) => ok(agentPoolResource(cluster, pool))),
    },
    {
      pattern: PATTERNS.pool,
      method: "PUT",
      handle: (p, r) => this.put(requireCluster(this.fleet, p), p.pool as string, r.body, r.apiVersion),
    },
    {
      pattern: PATTERNS.pool,
      method: "DELETE",
      handle: (p, r) =>
        this.delete(
          requireCluster(this.fleet, p),
          p.pool as string,
          r.url.searchParams.get("ignore-pod-disruption-budget") === "true",
        ),
    },
    {
      pattern: PATTERNS.upgradeProfile,
      method: "GET",
      handle: (p) => this.onPool(p, (cluster, pool) => ok(upgradeProfileResource(cluster, pool))),
    },
    {
      pattern: PATTERNS.deleteMachines,
      method: "POST",
      handle: (p, r) => this.onPool(p, (cluster, pool) => this.deleteMachines(cluster, pool, r.body)),
    },
    {
      pattern: PATTERNS.upgradeNodeImage,
      method: "POST",
      handle: (p) => this.onPool(p, (cluster, pool) => this.upgradeNodeImage(cluster, pool)),
    },
    {
      pattern: PATTERNS.machines,
      method: "GET",
      handle: (p) => this.onPool(p, (cluster, pool) => ok({ value: machines(cluster, pool) })),
    },
  ];

  /** Handles a request on an existing pool, or answers ARM's 404 for the first part of the path missing. */
  private onPool(p: Params, handle: (cluster: SimCluster, pool: SimPool) => Reply): Reply {
    const cluster = requireCluster(this.fleet, p);
    return handle(cluster, requirePool(cluster, p.pool as string));
  }

  private put(cluster: SimCluster, name: string, body: Json, apiVersion: string): Reply {
    const properties = checkPoolBody(body, apiVersion);
    const existing = findPool(cluster, name);
    if (existing) return this.update(cluster, existing, properties);
    this.operations.refuseWhileBusy(cluster);
    const pool = cluster.addPool(name, newPoolProperties(cluster, name, properties));
    pool.provisioningState = "Creating";
    const operation = this.operations.start(
      cluster,
      { kind: "create", pool: name, state: "Creating", work: () => createPool(cluster, pool) },
      name,
    );
    return this.operations.answer(201, agentPoolResource(cluster, pool), operation);
  }

  /** In-place changes apply at once; a new version or image rolls the nodes, a new count scales. */
  private update(cluster: SimCluster, pool: SimPool, properties: Json): Reply {
    this.operations.refuseWhileBusy(cluster);
    const current = pool.props;
    const next = updatedPoolProperties(cluster, pool, properties);
    const upgrade =
      next.nodeImageVersion !== current.nodeImageVersion ||
      next.orchestratorVersion !== current.orchestratorVersion;
    const scale = next.count !== pool.liveMachines().length;
    pool.props = next;
    pool.eTag = cluster.uid();
    if (
      JSON.stringify(current.nodeLabels) !== JSON.stringify(next.nodeLabels) ||
      JSON.stringify(current.nodeTaints) !== JSON.stringify(next.nodeTaints)
    ) {
      applyPoolLabelsAndTaints(cluster, pool, current.nodeLabels, current.nodeTaints);
    }
    const state = upgrade ? "Upgrading" : scale ? "Scaling" : "Updating";
    const operation = this.operations.start(
      cluster,
      { kind: "update", pool: pool.name, state, work: () => updatePool(cluster, pool, { upgrade, scale }) },
      pool.name,
    );
    return this.operations.answer(200, agentPoolResource(cluster, pool), operation);
  }

  private delete(cluster: SimCluster, name: string, ignorePdb: boolean): Reply {
    const pool = findPool(cluster, name);
    if (!pool) return noContent();
    checkPoolDeletable(cluster, pool);
    const operation = this.operations.start(cluster, {
      kind: "delete",
      pool: pool.name,
      state: "Deleting",
      work: () => deletePool(cluster, pool, ignorePdb),
    });
    return this.operations.answer(202, undefined, operation);
  }

  private deleteMachines(cluster: SimCluster, pool: SimPool, body: Json): Reply {
    const names = checkMachinesToDelete(cluster, pool, body);
    const operation = this.operations.start(cluster, {
      kind: "deleteMachines",
      pool: pool.name,
      state: "Scaling",
      work: () => deleteMachines(cluster, pool, names),
    });
    return this.operations.answer(202, undefined, operation);
  }

  private upgradeNodeImage(cluster: SimCluster, pool: SimPool): Reply {
    this.operations.refuseWhileBusy(cluster);
    pool.props.nodeImageVersion = latestNodeImage(cluster, pool.effectiveSku);
    const operation = this.operations.start(
      cluster,
      {
        kind: "update",
        pool: pool.name,
        state: "UpgradingNodeImageVersion",
        work: () => upgradeNodeImage(cluster, pool),
      },
      pool.name,
    );
    return this.operations.answer(202, agentPoolResource(cluster, pool), operation);
  }
}

function machines(cluster: SimCluster, pool: SimPool): Json[] {
  return pool.liveMachines().map((m) => {
    const node = cluster.node(m.name);
    const ip = node?.status.addresses?.find((a: { type: string }) => a.type === "InternalIP")?.address;
    return {
      id: `${poolId(cluster, pool.name)}/machines/${pool.armMachineName(m)}`,
      name: pool.armMachineName(m),
      type: "Microsoft.ContainerService/managedClusters/agentPools/machines",
      zones: m.zone === "0" ? [] : [m.zone.split("-").pop()],
      properties: {
        network: { ipAddresses: ip ? [{ family: "IPv4", ip }] : [] },
        resourceId: `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${pool.name}-${pool.vmssId}-vmss/virtualMachines/${m.ordinal}`,
      },
    };
  });
}
