// The strategies the product is measured against, each a client of the simulator's ARM (through
// @azure/arm-containerservice) and Kubernetes API (through @kubernetes/client-node), in virtual time:
// - naive blue-green, the seed article's procedure: a full-size new pool, every old node cordoned, drained
//   one at a time as `kubectl drain` does (evict, retry a refused eviction every 5 s, wait until the pods
//   are gone), the old pool deleted at the end;
// - AKS's surge upgrade: the in-place `--os-sku` update with maxSurge 10% and a 30 min drain timeout,
//   which the simulator's ARM runs as AKS does (surge nodes, then drain and replace a batch at a time);
// - AKS's blue-green node pool upgrade (preview), modelled: green nodes at full size, blue nodes drained
//   in batches of 10% with a 15 min soak after each batch and a 60 min soak before blue goes.
// Requests hold the virtual clock; waits sleep on it, so simulated time moves only while a client waits.

import { dirname } from "node:path";
import { type AgentPool, ContainerServiceClient } from "@azure/arm-containerservice";
import * as k8s from "@kubernetes/client-node";
import { awaitWithoutHold, runHeld, type VirtualClock } from "../../local/clock.ts";
import type { Simulator } from "../../local/sim/simulator.ts";
import { clusterTarget, KubeconfigDirectory } from "../../shared/kube/kube-connection.ts";
import { CLUSTER, POOL, RESOURCE_GROUP, SUBSCRIPTION, TARGET_OS_SKU } from "./scenario.ts";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** kubectl drain retries an eviction a budget refused every 5 s. */
const EVICTION_RETRY_MS = 5 * SECOND;
const ARM_POLL_MS = 10 * SECOND;
const NEW_POOL = "appsal3";

export type ClientStrategy = "naive" | "aks-surge" | "aks-blue-green";

interface Clients {
  clock: VirtualClock;
  arm: ContainerServiceClient;
  core: k8s.CoreV1Api;
}

/** Runs `work` on each item at once, each holding the clock while it is not asleep. */
async function concurrently<T>(clients: Clients, items: readonly T[], work: (item: T) => Promise<void>) {
  await awaitWithoutHold(
    clients.clock,
    Promise.all(items.map((item) => runHeld(clients.clock, () => work(item)))),
  );
}

/** Polls the pool until its operation has ended (or, for a delete, until it is gone). */
async function settled(clients: Clients, pool: string, gone = false): Promise<void> {
  for (;;) {
    try {
      const state = (await clients.arm.agentPools.get(RESOURCE_GROUP, CLUSTER, pool)).provisioningState;
      if (state === "Failed" || state === "Canceled")
        throw new Error(`the ${pool} pool's operation: ${state}`);
      if (!gone && state === "Succeeded") return;
    } catch (error) {
      if (gone && (error as { statusCode?: number }).statusCode === 404) return;
      throw error;
    }
    await clients.clock.sleep(ARM_POLL_MS);
  }
}

async function putPool(clients: Clients, name: string, pool: AgentPool): Promise<void> {
  await clients.arm.agentPools.createOrUpdate(RESOURCE_GROUP, CLUSTER, name, pool).submitted();
  await settled(clients, name);
}

async function deletePool(clients: Clients, name: string): Promise<void> {
  await clients.arm.agentPools.delete(RESOURCE_GROUP, CLUSTER, name).submitted();
  await settled(clients, name, true);
}

/** The old pool's shape under a new name on the target OS, at full size. */
async function createGreenPool(clients: Clients): Promise<void> {
  const old = await clients.arm.agentPools.get(RESOURCE_GROUP, CLUSTER, POOL);
  await putPool(clients, NEW_POOL, {
    count: old.count,
    vmSize: old.vmSize,
    osType: old.osType,
    osSKU: TARGET_OS_SKU,
    mode: old.mode,
    orchestratorVersion: old.orchestratorVersion,
    nodeLabels: old.nodeLabels,
    nodeTaints: old.nodeTaints,
    availabilityZones: old.availabilityZones,
  });
}

async function poolNodes(clients: Clients, pool: string): Promise<string[]> {
  const nodes = await clients.core.listNode({ labelSelector: `kubernetes.azure.com/agentpool=${pool}` });
  return nodes.items.map((n) => n.metadata?.name as string).sort();
}

async function cordon(clients: Clients, node: string): Promise<void> {
  await clients.core.patchNode({
    name: node,
    body: [{ op: "add", path: "/spec/unschedulable", value: true }],
  });
}

/** `kubectl drain --ignore-daemonsets`: evicts until every other pod of the node is gone. */
async function drain(clients: Clients, node: string, timeoutMs: number): Promise<void> {
  const deadline = clients.clock.now() + timeoutMs;
  for (;;) {
    const pods = (
      await clients.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })
    ).items.filter((p) => p.metadata?.ownerReferences?.[0]?.kind !== "DaemonSet");
    if (pods.length === 0) return;
    if (clients.clock.now() >= deadline)
      throw new Error(`${node} was not drained within ${timeoutMs / MINUTE} min`);
    for (const pod of pods.filter((p) => !p.metadata?.deletionTimestamp)) {
      const { name, namespace } = pod.metadata as { name: string; namespace: string };
      try {
        await clients.core.createNamespacedPodEviction({
          name,
          namespace,
          body: { metadata: { name, namespace } },
        });
      } catch (error) {
        if ((error as k8s.ApiException<unknown>).code !== 429) throw error;
      }
    }
    await clients.clock.sleep(EVICTION_RETRY_MS);
  }
}

async function naive(clients: Clients): Promise<void> {
  await createGreenPool(clients);
  const old = await poolNodes(clients, POOL);
  for (const node of old) await cordon(clients, node);
  // No timeout: a person watches and waits.
  for (const node of old) await drain(clients, node, Number.POSITIVE_INFINITY);
  await deletePool(clients, POOL);
}

async function aksSurge(clients: Clients): Promise<void> {
  const pool = await clients.arm.agentPools.get(RESOURCE_GROUP, CLUSTER, POOL);
  await putPool(clients, POOL, {
    ...pool,
    osSKU: TARGET_OS_SKU,
    upgradeSettings: { maxSurge: "10%", drainTimeoutInMinutes: 30 },
  });
}

const BLUE_GREEN = {
  drainBatch: 0.1,
  drainTimeoutMs: 30 * MINUTE,
  batchSoakMs: 15 * MINUTE,
  finalSoakMs: 60 * MINUTE,
};

async function aksBlueGreen(clients: Clients): Promise<void> {
  await createGreenPool(clients);
  const blue = await poolNodes(clients, POOL);
  for (const node of blue) await cordon(clients, node);
  const batch = Math.max(1, Math.ceil(blue.length * BLUE_GREEN.drainBatch));
  for (let i = 0; i < blue.length; i += batch) {
    await concurrently(clients, blue.slice(i, i + batch), (node) =>
      drain(clients, node, BLUE_GREEN.drainTimeoutMs),
    );
    const last = i + batch >= blue.length;
    await clients.clock.sleep(last ? BLUE_GREEN.finalSoakMs : BLUE_GREEN.batchSoakMs);
  }
  await deletePool(clients, POOL);
}

const STRATEGIES: Record<ClientStrategy, (clients: Clients) => Promise<void>> = {
  naive,
  "aks-surge": aksSurge,
  "aks-blue-green": aksBlueGreen,
};

/** Runs the strategy on the bench pool to its end. */
export async function runClientStrategy(sim: Simulator, strategy: ClientStrategy): Promise<void> {
  const clock = sim.clock as VirtualClock;
  const cluster = sim.clusters.find((c) => c.name === CLUSTER);
  if (!cluster) throw new Error(`the simulator has no cluster ${CLUSTER}`);
  const connector = new KubeconfigDirectory(dirname(cluster.kubeconfigPath));
  try {
    const kubeConfig = await connector.kubeConfig(clusterTarget(cluster.id));
    const clients: Clients = {
      clock,
      arm: new ContainerServiceClient(sim.credential, SUBSCRIPTION, sim.azureClientOptions()),
      core: kubeConfig.makeApiClient(k8s.CoreV1Api),
    };
    await runHeld(clock, () => STRATEGIES[strategy](clients));
  } finally {
    await connector.close();
  }
}
