// The simulated fleet on the large scenario (30 clusters, ~2,000 nodes, ~20,000 pods): its memory, and
// how fast 100 nodes drain in virtual time through the real @kubernetes/client-node, connected as the
// product connects (its KubeconfigDirectory, one keep-alive pool per cluster, its HTTP library on
// undici's request): cordon, evict, retry refused evictions every 5 s as kubectl does. Run alone:
// npx node bench/sim.bench.ts

import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import * as k8s from "@kubernetes/client-node";
import type { VirtualClock } from "../local/clock.ts";
import { largeScenario } from "../local/sim/scenario/large-scenario.ts";
import { type Simulator, startSimulator } from "../local/sim/simulator.ts";
import { clusterTarget, KubeconfigDirectory } from "../shared/kube/kube-connection.ts";
import { undiciHttpLibrary } from "../shared/kube/undici-http-library.ts";

const CLUSTERS_TO_DRAIN = 10;
const NODES_PER_CLUSTER = 10;
const CONCURRENT_DRAINS_PER_CLUSTER = 5;
const RETRY_MS = 5_000;
/** The product's HTTP library for client-node (kube-requests.ts passes it on every call). */
const AS_THE_PRODUCT: k8s.ConfigurationOptions = { httpApi: undiciHttpLibrary };

export interface SimBenchResult {
  clusters: number;
  nodes: number;
  pods: number;
  startSeconds: number;
  heapMB: number;
  rssMB: number;
  drainedNodes: number;
  evictions: number;
  refusedEvictions: number;
  wallSeconds: number;
  simulatedMinutes: number;
  pdbViolations: number;
  lostPods: number;
}

const mb = (bytes: number) => Math.round(bytes / 1e6);

interface DrainCount {
  evictions: number;
  refused: number;
}

async function drainNode(
  core: k8s.CoreV1Api,
  clock: VirtualClock,
  node: string,
  count: DrainCount,
): Promise<void> {
  await core.patchNode(
    { name: node, body: [{ op: "add", path: "/spec/unschedulable", value: true }] },
    AS_THE_PRODUCT,
  );
  for (;;) {
    // Holding the clock keeps simulated time still while this round of requests is on the wire.
    const release = clock.hold();
    try {
      const pods = (
        await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }, AS_THE_PRODUCT)
      ).items.filter((p) => p.metadata?.ownerReferences?.[0]?.kind !== "DaemonSet");
      if (pods.length === 0) return;
      for (const pod of pods.filter((p) => !p.metadata?.deletionTimestamp)) {
        const name = pod.metadata?.name as string;
        const namespace = pod.metadata?.namespace as string;
        try {
          await core.createNamespacedPodEviction(
            { name, namespace, body: { metadata: { name, namespace } } },
            AS_THE_PRODUCT,
          );
          count.evictions++;
        } catch (error) {
          if ((error as k8s.ApiException<unknown>).code !== 429) throw error;
          count.refused++;
        }
      }
    } finally {
      release();
    }
    await clock.sleep(RETRY_MS);
  }
}

async function drainCluster(
  sim: Simulator,
  connector: KubeconfigDirectory,
  id: string,
  count: DrainCount,
): Promise<number> {
  const kc = await connector.kubeConfig(clusterTarget(id));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const nodes = (
    await core.listNode({ labelSelector: "kubernetes.azure.com/agentpool=apps" }, AS_THE_PRODUCT)
  ).items
    .map((n) => n.metadata?.name as string)
    .slice(0, NODES_PER_CLUSTER);
  const clock = sim.clock as VirtualClock;
  for (let i = 0; i < nodes.length; i += CONCURRENT_DRAINS_PER_CLUSTER) {
    await Promise.all(
      nodes.slice(i, i + CONCURRENT_DRAINS_PER_CLUSTER).map((node) => drainNode(core, clock, node, count)),
    );
  }
  return nodes.length;
}

export default async function benchSimulator(): Promise<SimBenchResult> {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const sim = await startSimulator({ scenario: largeScenario(), clock: "virtual", serviceBus: false });
  const startSeconds = (performance.now() - started) / 1000;
  try {
    let nodes = 0;
    let pods = 0;
    for (const cluster of sim.fleet.clusters) {
      nodes += cluster.store.count("nodes");
      pods += cluster.store.count("pods");
    }
    const memory = process.memoryUsage();
    const count: DrainCount = { evictions: 0, refused: 0 };
    const simulatedStart = sim.clock.now();
    const drainStarted = performance.now();
    const connector = new KubeconfigDirectory(dirname(sim.kubeconfigPath(sim.clusters[0]?.name ?? "")));
    const drained = await Promise.all(
      sim.clusters.slice(0, CLUSTERS_TO_DRAIN).map((c) => drainCluster(sim, connector, c.id, count)),
    );
    await connector.close();
    const result: SimBenchResult = {
      clusters: sim.clusters.length,
      nodes,
      pods,
      startSeconds: Math.round(startSeconds * 10) / 10,
      heapMB: mb(memory.heapUsed - heapBefore),
      rssMB: mb(memory.rss),
      drainedNodes: drained.reduce((a, b) => a + b, 0),
      evictions: count.evictions,
      refusedEvictions: count.refused,
      wallSeconds: Math.round((performance.now() - drainStarted) / 100) / 10,
      simulatedMinutes: Math.round((sim.clock.now() - simulatedStart) / 6_000) / 10,
      pdbViolations: sim.ledger().pdbViolations.length,
      lostPods: sim.ledger().lostPods.length,
    };
    console.log(
      `large scenario: ${result.clusters} clusters, ${result.nodes} nodes, ${result.pods} pods; started in ${result.startSeconds} s; heap ${result.heapMB} MB, rss ${result.rssMB} MB`,
    );
    console.log(
      `drained ${result.drainedNodes} nodes through client-node: ${result.evictions} evictions, ${result.refusedEvictions} refused by PDBs (retried), ` +
        `${result.pdbViolations} PDB violations, ${result.lostPods} lost pods; ${result.wallSeconds} s wall clock for ${result.simulatedMinutes} simulated minutes`,
    );
    return result;
  } finally {
    await sim.close();
  }
}

if (import.meta.main) await benchSimulator();
