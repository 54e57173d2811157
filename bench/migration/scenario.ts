// The bench's pools: one cluster with a system pool and an `apps` pool of N nodes on Azure Linux 2, and a
// workload mix generated from a seed (the same N gives the same scenario): services under PDBs
// (maxUnavailable 1, minAvailable %), slow starters, single replicas, statefulsets, a batch deployment
// without a budget and a daemonset. Every workload is pinned to the pool by its label, so what the bench
// moves is exactly what the lower bound counts.

import { SeededRandom } from "../../local/sim/model/random.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";

export const CLUSTER = "aks-bench";
export const POOL = "apps";
export const VM_SIZE = "Standard_D4ds_v5";
export const SOURCE_OS_SKU = "AzureLinux";
export const TARGET_OS_SKU = "AzureLinux3";
export const SUBSCRIPTION = "5e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
export const RESOURCE_GROUP = "rg-bench";
const POOL_LABEL = { workload: "apps" };
/** A slow starter's image pull and container start; its warm-up is readiness time. */
const SLOW_START_SECONDS = 10;

type Workloads = NonNullable<
  NonNullable<ScenarioInput["subscriptions"]>[number]["clusters"]
>[number]["workloads"];
type Deployment = NonNullable<NonNullable<Workloads>["deployments"]>[number];

/** `low` to `high` inclusive. */
function between(random: SeededRandom, low: number, high: number): number {
  return low + random.int(high - low + 1);
}

/** About five pods per node, in kinds whose counts grow with the pool as a real estate's do. */
function workloads(nodes: number, random: SeededRandom): NonNullable<Workloads> {
  const per = (nodesEach: number) => Math.max(1, Math.round(nodes / nodesEach));
  const pinned = { nodeSelector: POOL_LABEL, resources: { requests: { cpu: "250m", memory: "256Mi" } } };
  const deployments: Deployment[] = [];
  for (let i = 0; i < per(10); i++)
    deployments.push({
      name: `api-${i}`,
      namespace: `team-${i % 4}`,
      replicas: between(random, 4, 10),
      startupSeconds: between(random, 5, 30),
      pdb: { maxUnavailable: 1 },
      ...pinned,
    });
  for (let i = 0; i < per(10); i++)
    deployments.push({
      name: `web-${i}`,
      namespace: `team-${i % 4}`,
      replicas: between(random, 8, 16),
      startupSeconds: between(random, 10, 40),
      pdb: { minAvailable: `${[75, 80][i % 2]}%` },
      ...pinned,
    });
  // Slow starters (caches warming, JVMs): their containers start within SLOW_START_SECONDS and then run
  // unready until their readiness probe passes, 60 to 100 s after they were placed.
  for (let i = 0; i < per(20); i++) {
    const replicas = between(random, 3, 6);
    const readyAfter = between(random, 60, 100);
    deployments.push({
      name: `slow-${i}`,
      namespace: "search",
      replicas,
      startupSeconds: SLOW_START_SECONDS,
      readySeconds: readyAfter - SLOW_START_SECONDS,
      pdb: { maxUnavailable: 1 },
      ...pinned,
    });
  }
  for (let i = 0; i < per(10); i++)
    deployments.push({ name: `single-${i}`, namespace: "tools", replicas: 1, startupSeconds: 10, ...pinned });
  deployments.push({
    name: "batch",
    namespace: "batch",
    replicas: 2 * nodes,
    startupSeconds: 5,
    terminationGracePeriodSeconds: 60,
    ...pinned,
  });
  const statefulSets: Deployment[] = Array.from({ length: per(25) }, (_, i) => ({
    name: `db-${i}`,
    namespace: "data",
    replicas: 3,
    startupSeconds: between(random, 30, 60),
    terminationGracePeriodSeconds: 60,
    pdb: { minAvailable: 2 },
    ...pinned,
  }));
  return {
    deployments,
    statefulSets,
    daemonSets: [
      {
        name: "log-agent",
        namespace: "logging",
        tolerations: [{ operator: "Exists" }],
        resources: { requests: { cpu: "50m", memory: "64Mi" } },
      },
    ],
  };
}

/** A fresh scenario with an `apps` pool of `nodes` nodes; its workloads depend on `nodes` and `seed` only. */
export function migrationScenario(nodes: number, seed = 15): ScenarioInput {
  const random = new SeededRandom(`bench-migration/${seed}/${nodes}`);
  return {
    name: `bench-migration-${nodes}`,
    description: `npm run bench -- migration: one ${nodes}-node pool and its workloads (seed ${seed}).`,
    // Before Azure Linux 2 images are removed (2026-03-31): after it the old pool could not scale back.
    startTime: "2026-03-02T08:00:00Z",
    seed,
    subscriptions: [
      {
        id: SUBSCRIPTION,
        displayName: "bench",
        // Old and new pools side by side, with room for surge.
        quota: { standardDDSv5Family: 4 * 2 * (nodes + 10) + 100 },
        clusters: [
          {
            name: CLUSTER,
            resourceGroup: RESOURCE_GROUP,
            location: "westeurope",
            kubernetesVersion: "1.31.8",
            networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay" },
            pools: [
              {
                name: "system",
                mode: "System",
                osSku: SOURCE_OS_SKU,
                vmSize: VM_SIZE,
                count: 3,
                nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
              },
              { name: POOL, osSku: SOURCE_OS_SKU, vmSize: VM_SIZE, count: nodes, nodeLabels: POOL_LABEL },
            ],
            workloads: workloads(nodes, random),
          },
        ],
      },
    ],
  };
}
