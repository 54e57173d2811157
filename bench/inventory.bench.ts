// The inventory's figures. (1) A whole scan of the large scenario (30 clusters, ~2,000 nodes, ~20,000
// pods) through the embedded host, the simulator and Azurite on virtual time: wall time, and memory over
// the simulator's own. (2) Resource Graph paging over a generated inventory of 10,000 clusters, the
// simulated Resource Graph in a child process so the figures are the adapter's: wall time, pages and
// peak memory. Run alone: npx node bench/inventory.bench.ts

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startLocalStack } from "../bin/local-stack.ts";
import { VirtualClock } from "../local/clock.ts";
import type { RunningHost } from "../local/host/host.ts";
import { startArmServer } from "../local/sim/arm/arm-server.ts";
import { Fleet } from "../local/sim/model/fleet.ts";
import { loadScenarioFile, parseScenario } from "../local/sim/scenario/load.ts";
import type { ScenarioInput } from "../local/sim/scenario/schema.ts";
import { fixedTokenCredential } from "../local/sim/simulator.ts";
import { ensureCertificates } from "../local/sim/tls/certificates.ts";
import type { InventoryScanResult } from "../orchestrations/contracts/inventory-scan.contract.ts";
import { ResourceGraphFleet, resourceGraphClient } from "../shared/azure/resource-graph.ts";
import { startChild, stopChild } from "./child.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const LARGE = join(ROOT, "local", "scenarios", "large.yaml");
const GRAPH_CLUSTERS = 10_000;
const CLUSTERS_PER_SUBSCRIPTION = 250;

export const mb = (bytes: number) => `${Math.round(bytes / 1e6)} MB`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Peak heap and RSS of this process while `work` runs, sampled every 20 ms. */
export async function measured<T>(work: () => Promise<T>) {
  const peak = { heap: 0, rss: 0 };
  const sample = () => {
    const memory = process.memoryUsage();
    peak.heap = Math.max(peak.heap, memory.heapUsed);
    peak.rss = Math.max(peak.rss, memory.rss);
  };
  const before = process.memoryUsage();
  const sampler = setInterval(sample, 20);
  const started = performance.now();
  try {
    const result = await work();
    sample();
    return { result, ms: performance.now() - started, before, peak };
  } finally {
    clearInterval(sampler);
  }
}

/** One operator scan through the app's HTTP API, waited for until it completes. */
export async function scanThroughApi(
  host: RunningHost,
): Promise<{ id: string; output: InventoryScanResult }> {
  const started = await fetch(`${host.origin}/api/inventory/scans`, {
    method: "POST",
    headers: { "x-functions-key": host.keys.functionDefault },
  });
  if (started.status !== 202)
    throw new Error(`the scan did not start: ${started.status} ${await started.text()}`);
  const { id } = (await started.json()) as { id: string };
  const status = await host.waitForInstance(id, { timeoutMs: 600_000 });
  if (status.runtimeStatus !== "Completed")
    throw new Error(`the scan ended ${status.runtimeStatus}: ${JSON.stringify(status.output)}`);
  return { id, output: status.output as InventoryScanResult };
}

export function print(what: string, rows: Array<[string, string]>): void {
  for (const [name, value] of rows) console.log(`${what.padEnd(10)} ${name.padEnd(44)} ${value}`);
}

async function benchLargeScan(): Promise<void> {
  const scenario = loadScenarioFile(LARGE);
  const clock = new VirtualClock(Date.parse(scenario.startTime));
  const stack = await startLocalStack({
    state: { kind: "azurite" },
    simulator: { scenario, clock, serviceBus: false },
    host: { port: 0, logLevel: "error" },
  });
  const { sim, host } = stack;
  const scan = async () => (await scanThroughApi(host)).output;
  try {
    const count = (resource: "nodes" | "pods") =>
      sim.fleet.clusters.reduce((sum, cluster) => sum + cluster.store.count(resource), 0);
    const first = await measured(scan);
    await clock.advanceBy(60_000);
    const second = await measured(scan);
    const { summary, dependencies, alerts } = first.result;
    const decided =
      alerts.kind === "done" && alerts.decision.kind === "decided" ? alerts.decision.decided : 0;
    print("scan", [
      [
        "fleet",
        `${summary.clusterCount} clusters, ${summary.poolCount} pools, ${count("nodes")} nodes, ${count("pods")} pods`,
      ],
      ["outcome", `${summary.status}; ${dependencies.scanned} dependency scans; ${decided} alerts decided`],
      ["first scan (wall)", seconds(first.ms)],
      ["second scan, same fleet (wall)", seconds(second.ms)],
      ["heap before the scan (simulator, host, app)", mb(first.before.heapUsed)],
      [
        "peak heap during the scan",
        `${mb(first.peak.heap)} (+${mb(first.peak.heap - first.before.heapUsed)})`,
      ],
      ["peak RSS during the scan", mb(first.peak.rss)],
    ]);
  } finally {
    await stack.close();
  }
}

/**
 * A fleet of `clusters` small clusters, CLUSTERS_PER_SUBSCRIPTION per subscription, each with a system
 * pool and `pools - 1` user pools of one node; only the clusters `withWorkloads` names by ARM id run
 * AKS's kube-system workloads (the others have nodes only, which keeps a large fleet quick to build).
 */
export function graphScenario(
  clusters: number,
  options: { pools?: number; withWorkloads?: (clusterId: string) => boolean } = {},
): ScenarioInput {
  const { pools = 1, withWorkloads = () => true } = options;
  const subscriptions = Math.ceil(clusters / CLUSTERS_PER_SUBSCRIPTION);
  const pool = (index: number) => ({
    name: index === 0 ? "system" : `user${index}`,
    mode: index === 0 ? ("System" as const) : ("User" as const),
    osSku: "AzureLinux" as const,
    vmSize: "Standard_D4ds_v5",
    count: 1,
  });
  return {
    name: `graph-${clusters}`,
    startTime: "2026-03-02T08:00:00Z",
    subscriptions: Array.from({ length: subscriptions }, (_, s) => {
      const id = `0f1e2d3c-4b5a-4978-8a6b-${(2_000_000 + s).toString(16).padStart(12, "0")}`;
      return {
        id,
        clusters: Array.from(
          { length: Math.min(CLUSTERS_PER_SUBSCRIPTION, clusters - s * CLUSTERS_PER_SUBSCRIPTION) },
          (_, c) => {
            const name = `aks-${s}-${c}`;
            const resourceGroup = `rg-${s}`;
            const clusterId = `/subscriptions/${id}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`;
            return {
              name,
              resourceGroup,
              location: "westeurope",
              kubernetesVersion: c % 2 === 0 ? "1.31.8" : "1.33.2",
              pools: Array.from({ length: pools }, (_, index) => pool(index)),
              workloads: { systemComponents: withWorkloads(clusterId) },
            };
          },
        ),
      };
    }),
  } as ScenarioInput;
}

/** Child process: ARM and Resource Graph only (no Kubernetes servers) over the generated fleet. */
export async function serveGraph(clusters: number): Promise<void> {
  const scenario = parseScenario(graphScenario(clusters));
  const fleet = new Fleet(scenario, new VirtualClock(Date.parse(scenario.startTime)));
  const tls = await ensureCertificates(mkdtempSync(join(tmpdir(), "graph-bench-")));
  const arm = await startArmServer({ fleet, tls });
  console.log(JSON.stringify({ endpoint: arm.url, ca: tls.caPem }));
  process.once("SIGTERM", () => {
    void arm.close().then(() => process.exit(0));
  });
}

async function benchGraphPaging(): Promise<void> {
  const started = performance.now();
  const { child, answer: server } = await startChild<{ endpoint: string; ca: string }>(
    import.meta.url,
    "serveGraph",
    [GRAPH_CLUSTERS],
    ["--max-old-space-size=6144"],
  );
  const serverMs = performance.now() - started;
  try {
    const client = resourceGraphClient(fixedTokenCredential, {
      endpoint: server.endpoint,
      tlsOptions: { ca: server.ca },
    });
    const clock = new VirtualClock(0);
    const fleet = new ResourceGraphFleet({
      client,
      scope: { subscriptions: [], managementGroups: [] },
      clock,
    });
    let pools = 0;
    const listing = await measured(() =>
      fleet.listClusters(async (page) => {
        for (const cluster of page.clusters) pools += cluster.nodePools.length;
      }),
    );
    const { result } = listing;
    print("graph", [
      [
        "generated inventory",
        `${result.clusters} clusters, ${pools} pools (simulator up in ${seconds(serverMs)})`,
      ],
      [
        "pages / queries / throttled",
        `${result.stats.pages} / ${result.stats.queries} / ${result.stats.throttled}`,
      ],
      ["listing (wall)", seconds(listing.ms)],
      ["clusters per second", String(Math.round(result.clusters / (listing.ms / 1000)))],
      [
        "peak heap while listing",
        `${mb(listing.peak.heap)} (+${mb(listing.peak.heap - listing.before.heapUsed)})`,
      ],
      ["peak RSS while listing", mb(listing.peak.rss)],
      ["incomplete", result.incompleteReasons.length === 0 ? "no" : result.incompleteReasons.join("; ")],
    ]);
  } finally {
    await stopChild(child);
  }
}

export default async function benchInventory(): Promise<void> {
  await benchLargeScan();
  await benchGraphPaging();
}

if (import.meta.main) await benchInventory();
