// The nightly scan at fleet scale, through the service: the inventory-scan orchestration on the embedded
// host over 1,000 and then 10,000 generated clusters of five pools (listing through Resource Graph,
// assessment, snapshot, alert decisions; workloads scanned on the clusters due that night with
// SCAN_DEPENDENCIES_EVERY=30, about 1 in 30, SCAN_CONCURRENCY=32 at once). The simulated Azure side runs
// in one child process and the app (host, durable store, SQLite state) in another, so the memory figures
// are the app's own. Real time: Resource Graph's quota is in force, and the floor is the time it alone
// imposes, the pages the listing needs over the quota's rate. Each size scans twice: the first night (every
// pool new, every alert due) and the next on the unchanged fleet (the steady state). Run alone:
// npm run bench -- fleet-scan, or npx node bench/fleet-scan.bench.ts [clusters...] for other sizes
// (PROFILE=<dir> writes the CPU and heap profiles of the app and of the Azure side there).

import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { RealClock } from "../local/clock.ts";
import { EventType, type HistoryEvent } from "../local/host/durable-history.ts";
import { startHost } from "../local/host/host.ts";
import { startArmServer } from "../local/sim/arm/arm-server.ts";
import type { RunningServer } from "../local/sim/http/https-server.ts";
import { startKubeServer } from "../local/sim/kube/kube-server.ts";
import { kubeconfigYaml } from "../local/sim/kube/kubeconfig.ts";
import { Fleet } from "../local/sim/model/fleet.ts";
import { parseScenario } from "../local/sim/scenario/load.ts";
import { ensureCertificates } from "../local/sim/tls/certificates.ts";
import type { InventoryScanResult } from "../orchestrations/contracts/inventory-scan.contract.ts";
import { PAGE_SIZE } from "../shared/azure/resource-graph.ts";
import { dependencyScanDue } from "../shared/domain/inventory/dependency-rotation.ts";
import { utcDayOf, utcMidnight } from "../shared/domain/lifecycle/calendar-date.ts";
import { startChild, stopChild } from "./child.ts";
import { graphScenario, mb, measured, print, scanThroughApi, seconds } from "./inventory.bench.ts";

const APP = fileURLToPath(new URL("../functions/index.ts", import.meta.url));
const SIZES = [1_000, 10_000];
const POOLS_PER_CLUSTER = 5;
const ROTATION_NIGHTS = 30;
/** The first night, then one more on the unchanged fleet. */
const NIGHTS = 2;
/** Clusters whose workloads are scanned at once: a fleet this size raises the default of 8. */
const SCAN_CONCURRENCY = 32;
/**
 * The app's heap limit, as a Functions worker's is set (languageWorkers__node__arguments): a scan that
 * completes under it works within it. Without one, V8 on a large machine lets garbage pile up first.
 */
const APP_HEAP_MB = 384;

interface FleetServer {
  arm: string;
  caPath: string;
  kubeconfigs: string;
  /** Clusters whose workloads a scan on that UTC day scans, by day. */
  withWorkloads: Record<string, number>;
  quota: { requests: number; windowSeconds: number };
}

interface ScanFigures {
  ms: number;
  heapBefore: number;
  rssBefore: number;
  peakHeap: number;
  peakRss: number;
  /** Each activity and sub-orchestration of the scan, by name: seconds spent, peak heap and RSS. */
  stages: Record<string, Stage>;
  result: InventoryScanResult;
}

interface Stage {
  seconds: number;
  peakHeap: number;
  peakRss: number;
}

interface MemorySample {
  at: number;
  heap: number;
  rss: number;
}

/** Each task from its scheduling to its end, summed by the task's name, with the memory peaks within. */
function stagesOf(history: readonly HistoryEvent[], samples: readonly MemorySample[]) {
  const scheduled = new Map<number, { name: string; at: number }>();
  const stages: Record<string, Stage> = {};
  const started = [EventType.TaskScheduled, EventType.SubOrchestrationInstanceCreated] as number[];
  const ended = [
    EventType.TaskCompleted,
    EventType.TaskFailed,
    EventType.SubOrchestrationInstanceCompleted,
    EventType.SubOrchestrationInstanceFailed,
  ] as number[];
  for (const event of history) {
    const at = Date.parse(String(event.Timestamp));
    if (started.includes(event.EventType)) scheduled.set(event.EventId, { name: event.Name ?? "?", at });
    const task = ended.includes(event.EventType) ? scheduled.get(event.TaskScheduledId ?? -1) : undefined;
    if (!task) continue;
    const stage = stages[task.name] ?? { seconds: 0, peakHeap: 0, peakRss: 0 };
    stage.seconds += (at - task.at) / 1000;
    for (const sample of samples.filter((s) => s.at >= task.at && s.at <= at)) {
      stage.peakHeap = Math.max(stage.peakHeap, sample.heap);
      stage.peakRss = Math.max(stage.peakRss, sample.rss);
    }
    stages[task.name] = stage;
  }
  return stages;
}

/**
 * Child process: ARM, Resource Graph and the Kubernetes API of the clusters due on `scanDay` and on the
 * day after (a run that crosses UTC midnight scans the next day's).
 */
export async function serveFleet(clusters: number, scanDay: string): Promise<void> {
  const nextDay = utcDayOf(new Date(utcMidnight(scanDay) + 86_400_000));
  const dueOn = (day: string, clusterId: string) => dependencyScanDue(clusterId, day, ROTATION_NIGHTS);
  const due = (clusterId: string) => dueOn(scanDay, clusterId) || dueOn(nextDay, clusterId);
  const scenario = parseScenario(graphScenario(clusters, { pools: POOLS_PER_CLUSTER, withWorkloads: due }));
  const fleet = new Fleet(scenario, new RealClock());
  const dataDir = mkdtempSync(join(tmpdir(), "fleet-scan-bench-"));
  const kubeconfigs = join(dataDir, "kubeconfigs");
  mkdirSync(kubeconfigs);
  const tls = await ensureCertificates(dataDir);
  const servers: RunningServer[] = [await startArmServer({ fleet, tls })];
  for (const cluster of fleet.clusters.filter((c) => due(c.id))) {
    const server = await startKubeServer({ cluster, tls });
    servers.push(server);
    writeFileSync(
      join(kubeconfigs, `${cluster.name}.yaml`),
      kubeconfigYaml(cluster, server.url, tls.caPem, { kind: "token" }),
      { mode: 0o600 },
    );
  }
  const answer: FleetServer = {
    arm: (servers[0] as RunningServer).url,
    caPath: tls.caPath,
    kubeconfigs,
    withWorkloads: Object.fromEntries(
      [scanDay, nextDay].map((day) => [day, fleet.clusters.filter((c) => dueOn(day, c.id)).length]),
    ),
    quota: {
      requests: scenario.resourceGraph.quotaRequests,
      windowSeconds: scenario.resourceGraph.quotaWindowSeconds,
    },
  };
  console.log(JSON.stringify(answer));
  process.once("SIGTERM", () => {
    fleet.close();
    void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
  });
}

/**
 * Child process: the app on the embedded host, its figures for the first night (every pool new, every
 * alert due) and for the night after on the same fleet (nothing changed: the steady state).
 */
export async function scanThroughService(settings: Record<string, string>): Promise<void> {
  const host = await startHost({
    app: APP,
    port: 0,
    clock: "real",
    dataDir: mkdtempSync(join(tmpdir(), "fleet-scan-host-")),
    logLevel: "error",
    settings,
  });
  const samples: MemorySample[] = [];
  const sampler = setInterval(() => {
    const { heapUsed, rss } = process.memoryUsage();
    samples.push({ at: Date.now(), heap: heapUsed, rss });
  }, 100);
  try {
    const nights: ScanFigures[] = [];
    for (let night = 0; night < NIGHTS; night++) {
      // A scan's id is the second it started: the next night starts in a later one.
      if (night > 0) await setTimeout(1_000);
      const highWaterBefore = process.resourceUsage().maxRSS * 1024;
      const scan = await measured(() => scanThroughApi(host));
      const highWater = process.resourceUsage().maxRSS * 1024;
      nights.push({
        ms: scan.ms,
        heapBefore: scan.before.heapUsed,
        rssBefore: scan.before.rss,
        peakHeap: scan.peak.heap,
        // The kernel's high-water mark, when this night raised it: a sample can miss a peak while the
        // event loop is busy, and the mark never falls, so a night below an earlier one has only samples.
        peakRss: highWater > highWaterBefore ? Math.max(scan.peak.rss, highWater) : scan.peak.rss,
        stages: stagesOf(host.history(scan.result.id), samples),
        result: scan.result.output,
      });
    }
    console.log(JSON.stringify(nights));
  } finally {
    clearInterval(sampler);
    await host.stop();
  }
}

/** Node options that write a process's CPU and heap profiles to PROFILE, named `<part>-<clusters>`. */
function profiling(part: string, clusters: number): string[] {
  const dir = process.env.PROFILE;
  if (!dir) return [];
  const name = `${part}-${clusters}`;
  return [
    "--cpu-prof",
    `--cpu-prof-dir=${dir}`,
    `--cpu-prof-name=${name}.cpuprofile`,
    "--heap-prof",
    `--heap-prof-dir=${dir}`,
    `--heap-prof-name=${name}.heapprofile`,
  ];
}

async function scanAtSize(clusters: number) {
  const scanDay = utcDayOf(new Date());
  const started = performance.now();
  const sim = await startChild<FleetServer>(
    import.meta.url,
    "serveFleet",
    [clusters, scanDay],
    ["--max-old-space-size=6144", ...profiling("azure", clusters)],
  );
  const simMs = performance.now() - started;
  try {
    const { arm, caPath, kubeconfigs } = sim.answer;
    const stateDir = mkdtempSync(join(tmpdir(), "fleet-scan-state-"));
    const settings = {
      ARM_ENDPOINT: arm,
      ARM_CA_FILE: caPath,
      ARM_LOCAL_TOKEN: "simulator",
      KUBECONFIG_DIR: kubeconfigs,
      STATE_SQLITE_FILE: join(stateDir, "state.sqlite"),
      SCAN_DEPENDENCIES_EVERY: String(ROTATION_NIGHTS),
      SCAN_CONCURRENCY: String(SCAN_CONCURRENCY),
    };
    const app = await startChild<ScanFigures[]>(
      import.meta.url,
      "scanThroughService",
      [settings],
      [`--max-old-space-size=${APP_HEAP_MB}`, ...profiling("app", clusters)],
    );
    await new Promise((resolve) => app.child.once("exit", resolve));
    return { clusters, simMs, fleet: sim.answer, nights: app.answer };
  } finally {
    await stopChild(sim.child);
  }
}

export default async function benchFleetScan(sizes: readonly number[] = SIZES): Promise<void> {
  const runs = [];
  for (const size of sizes) runs.push(await scanAtSize(size));
  for (const { clusters, simMs, fleet, nights } of runs) {
    const pages = Math.ceil(clusters / PAGE_SIZE);
    const floorMs = (pages / fleet.quota.requests) * fleet.quota.windowSeconds * 1000;
    print(`${clusters}`, [
      ["fleet", `${clusters} clusters (simulated in ${seconds(simMs)})`],
      [
        "throttling floor",
        `${seconds(floorMs)} (${pages} pages / (${fleet.quota.requests} per ${fleet.quota.windowSeconds} s))`,
      ],
    ]);
    for (const [night, scan] of nights.entries()) {
      print(`${clusters}`, [
        [night === 0 ? "first night" : "next night, nothing changed", ""],
        ...scanRows(scan, floorMs, fleet.withWorkloads),
      ]);
    }
  }
  const [small, large] = runs.map(({ clusters, nights }) => ({ clusters, scan: nights[0] as ScanFigures }));
  if (small && large) {
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
    print("growth", [
      [
        `${small.clusters} -> ${large.clusters} clusters, first night`,
        `wall ${ratio(large.scan.ms, small.scan.ms)}, peak heap ${ratio(large.scan.peakHeap, small.scan.peakHeap)}, peak RSS ${ratio(large.scan.peakRss, small.scan.peakRss)}`,
      ],
    ]);
  }
}

function scanRows(
  scan: ScanFigures,
  floorMs: number,
  withWorkloads: FleetServer["withWorkloads"],
): Array<[string, string]> {
  const { summary, listing, dependencies, alerts } = scan.result;
  const due = withWorkloads[utcDayOf(new Date(summary.startedAt))];
  const decided = alerts.kind === "done" && alerts.decision.kind === "decided" ? alerts.decision.decided : 0;
  const stats = listing.stats;
  return [
    [
      "  outcome",
      `${summary.status}; ${summary.clusterCount} clusters, ${summary.poolCount} pools; ${dependencies.scanned} of ${due ?? "?"} due dependency scans, ${dependencies.failed.length} failed; ${decided} alerts decided`,
    ],
    [
      "  pages / queries / throttled",
      stats ? `${stats.pages} / ${stats.queries} / ${stats.throttled}` : "not reported",
    ],
    ["  scan (wall)", `${seconds(scan.ms)} (${(scan.ms / floorMs).toFixed(2)}x the floor)`],
    ...Object.entries(scan.stages).map(([name, stage]): [string, string] => [
      `    ${name}`,
      `${seconds(stage.seconds * 1000)}, peak heap ${mb(stage.peakHeap)}, RSS ${mb(stage.peakRss)}`,
    ]),
    [
      "  app's heap / RSS before the scan",
      `${mb(scan.heapBefore)} / ${mb(scan.rssBefore)} (heap limit ${APP_HEAP_MB} MB)`,
    ],
    ["  app's peak heap / RSS during the scan", `${mb(scan.peakHeap)} / ${mb(scan.peakRss)}`],
  ];
}

if (import.meta.main) {
  const sizes = process.argv.slice(2).map(Number);
  await benchFleetScan(sizes.length > 0 ? sizes : SIZES);
}
