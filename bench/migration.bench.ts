// npm run bench -- migration: the same pools (20, 50 and 200 nodes, a realistic workload mix) migrated
// from Azure Linux 2 to Azure Linux 3 by each strategy, each run on a fresh simulator in virtual time:
// naive blue-green (the seed's procedure), models of AKS's surge and blue-green upgrades, and the
// product's migration through its HTTP API with its default options and with the best configuration
// found. One table: duration (to the old pool gone, and to the workloads moved off it: the risk window,
// retention aside), overlap node-hours and their cost, PDB violations, outages (a workload without a PDB
// left with no Ready replica), lost pods, peak Pending pods, wall time, with ratios to naive blue-green
// and to the lower bound the budgets and start-up times allow (bench/migration/lower-bound.ts). Sizes
// can be chosen: BENCH_MIGRATION_SIZES=20,50.

import { performance } from "node:perf_hooks";
import { parseScenario } from "../local/sim/scenario/load.ts";
import type { Scenario } from "../local/sim/scenario/schema.ts";
import { type Simulator, startSimulator } from "../local/sim/simulator.ts";
import type { Cost } from "../shared/domain/cost/cost.ts";
import type { MigrationOptions } from "../shared/domain/migration/migration-options.ts";
import { type ClientStrategy, runClientStrategy } from "./migration/client-strategies.ts";
import { type LowerBound, migrationLowerBound } from "./migration/lower-bound.ts";
import {
  costText,
  overlapCost,
  overlapNodeHours,
  podsLeftBehind,
  watchMoved,
  watchPending,
} from "./migration/measures.ts";
import { runProduct } from "./migration/product-run.ts";
import { CLUSTER, migrationScenario, POOL, TARGET_OS_SKU, VM_SIZE } from "./migration/scenario.ts";

const SIZES = [20, 50, 200];

/**
 * The product's configurations, by size: its defaults (batches by budgets, the new pool grown and the old
 * one shrunk with the drain, 4 h retention), and the best the table has shown so far: the same with an
 * hour of retention (the seed's "roll back within the first hour"). Options the strategy gains are set here.
 */
const PRODUCT_CONFIGURATIONS: Record<string, (nodes: number) => Partial<MigrationOptions>> = {
  "product default": () => ({}),
  "product best": () => ({ retentionSeconds: 3600 }),
};
const CLIENT_STRATEGIES: ClientStrategy[] = ["naive", "aks-surge", "aks-blue-green"];

export interface MigrationRun {
  strategy: string;
  nodes: number;
  /** Simulated seconds from the first request to the old pool gone. */
  seconds: number;
  /** Simulated seconds from the first request to the workloads off the old nodes (retention aside). */
  movedSeconds: number | undefined;
  overlapNodeHours: number;
  cost: Cost;
  pdbViolations: number;
  /** Workloads of several replicas, no PDB covering them, left with no Ready replica. */
  outages: number;
  lostPods: number;
  peakPending: number;
  wallSeconds: number;
  /** Why the run is not a success, when it is not. */
  failure?: string;
  /** The product's own account: simulated seconds per phase of the migration. */
  phaseSeconds?: Record<string, number>;
}

/** Reads a run's figures off the simulator it ran on. */
function measure(sim: Simulator, strategy: string, nodes: number) {
  const cluster = sim.fleet.clusters.find((c) => c.name === CLUSTER);
  if (!cluster) throw new Error(`the simulator has no cluster ${CLUSTER}`);
  const pending = watchPending(cluster);
  const moved = watchMoved(cluster, POOL, () => sim.clock.now());
  const wallStart = performance.now();
  return (from: number, to: number, failure?: string): MigrationRun => {
    pending.stop();
    moved.stop();
    const ledger = sim.ledger();
    const behind = podsLeftBehind(cluster, TARGET_OS_SKU);
    const problem = failure ?? (behind > 0 ? `${behind} pods not on ${TARGET_OS_SKU}` : undefined);
    const overlap = overlapNodeHours(ledger.machines, { except: ["system"], poolSize: nodes, from, to });
    return {
      strategy,
      nodes,
      seconds: (to - from) / 1000,
      movedSeconds: moved.movedAt === undefined ? undefined : (moved.movedAt - from) / 1000,
      overlapNodeHours: overlap,
      cost: overlapCost(VM_SIZE, overlap),
      pdbViolations: ledger.pdbViolations.length,
      outages: ledger.outages.length,
      lostPods: ledger.lostPods.length,
      peakPending: pending.peak,
      wallSeconds: (performance.now() - wallStart) / 1000,
      ...(problem !== undefined && { failure: problem }),
    };
  };
}

export async function runClient(
  scenario: Scenario,
  strategy: ClientStrategy,
  nodes: number,
): Promise<MigrationRun> {
  const sim = await startSimulator({ scenario, clock: "virtual", serviceBus: false });
  try {
    const read = measure(sim, strategy, nodes);
    const from = sim.clock.now();
    await runClientStrategy(sim, strategy);
    return read(from, sim.clock.now());
  } finally {
    await sim.close();
  }
}

export async function runProductConfiguration(
  scenario: Scenario,
  name: string,
  options: Partial<MigrationOptions>,
  nodes: number,
): Promise<MigrationRun> {
  return runProduct(scenario, options, (sim) => {
    const read = measure(sim, name, nodes);
    return ({ from, to, migration }) => ({
      ...read(from, to, migration.outcome === "succeeded" ? undefined : `outcome ${migration.outcome}`),
      ...(migration.summary?.phaseSeconds && { phaseSeconds: migration.summary.phaseSeconds }),
    });
  });
}

function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
}
const ratio = (value: number, base: number | undefined) =>
  base !== undefined && base > 0 ? `${(value / base).toFixed(2)}x` : "-";

/** Prints a run as it ends, with the product's phases that took time. */
function progress(run: MigrationRun): MigrationRun {
  const phases = Object.entries(run.phaseSeconds ?? {})
    .filter(([, seconds]) => seconds > 0)
    .map(([phase, seconds]) => `${phase} ${duration(seconds)}`);
  console.log(
    `  ${run.strategy}: ${duration(run.seconds)}, ${run.wallSeconds.toFixed(1)} s wall${phases.length > 0 ? ` (${phases.join(", ")})` : ""}`,
  );
  return run;
}

function table(runs: readonly MigrationRun[], bounds: ReadonlyMap<number, LowerBound>): string {
  const header = [
    "strategy",
    "nodes",
    "duration h:mm",
    "/naive",
    "/bound",
    "moved h:mm",
    "/bound",
    "overlap node-h",
    "/naive",
    "cost USD",
    "PDB viol.",
    "outages",
    "lost pods",
    "peak Pending",
    "wall s",
  ];
  const rows = runs.map((run) => {
    const naive = runs.find((r) => r.strategy === "naive" && r.nodes === run.nodes);
    return [
      run.failure ? `${run.strategy} (${run.failure})` : run.strategy,
      String(run.nodes),
      duration(run.seconds),
      ratio(run.seconds, naive?.seconds),
      ratio(run.seconds, bounds.get(run.nodes)?.seconds),
      run.movedSeconds === undefined ? "-" : duration(run.movedSeconds),
      run.movedSeconds === undefined ? "-" : ratio(run.movedSeconds, bounds.get(run.nodes)?.moveSeconds),
      run.overlapNodeHours.toFixed(1),
      ratio(run.overlapNodeHours, naive?.overlapNodeHours),
      costText(run.cost),
      String(run.pdbViolations),
      String(run.outages),
      String(run.lostPods),
      String(run.peakPending),
      run.wallSeconds.toFixed(1),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

export default async function benchMigration(): Promise<MigrationRun[]> {
  const sizes = process.env.BENCH_MIGRATION_SIZES?.split(",").map(Number) ?? SIZES;
  const runs: MigrationRun[] = [];
  const bounds = new Map<number, LowerBound>();
  for (const nodes of sizes) {
    const scenario = parseScenario(migrationScenario(nodes));
    const bound = migrationLowerBound(scenario);
    bounds.set(nodes, bound);
    console.log(`${nodes} nodes: lower bound ${duration(bound.seconds)} = ${bound.formula}`);
    for (const strategy of CLIENT_STRATEGIES) runs.push(progress(await runClient(scenario, strategy, nodes)));
    for (const [name, options] of Object.entries(PRODUCT_CONFIGURATIONS))
      runs.push(progress(await runProductConfiguration(scenario, name, options(nodes), nodes)));
  }
  console.log(
    `\noverlap: node-hours of the migrated pool and its successor above the pool's size; cost at ${VM_SIZE} prices (shared/domain/cost/vm-prices.json, illustrative)`,
  );
  console.log(table(runs, bounds));
  return runs;
}

if (import.meta.main) await benchMigration();
