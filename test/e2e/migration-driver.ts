// The tests' side of driving migrations and rollouts: the demo fleet per test, a cluster's state, and a
// rollout stepped as people would. Driving one migration (people, gates, time) lives in
// bin/migration-driver.ts, which the benchmarks share; it is re-exported here.

import { afterEach, expect } from "vitest";
import { type GateHandler, migrationPath, post, RITA, settle } from "../../bin/migration-driver.ts";
import { type Environment, startEnvironment } from "./environment.ts";

export {
  ANA,
  type ApiCaller,
  approveAll,
  asPerson,
  BEN,
  driveMigration,
  type GateHandler,
  migrationPath,
  type Person,
  post,
  RITA,
  startMigration,
} from "../../bin/migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

/** The app behind App Service Authentication, which says so (WEBSITE_AUTH_ENABLED) when it is on. */
export const EASY_AUTH = { AUTH_MODE: "easyauth", WEBSITE_AUTH_ENABLED: "True" };

/**
 * For a test file: starts the demo fleet on a virtual clock at its start (SQLite state, local identity
 * unless `settings` choose another, scanned once) when a test asks, and closes it after each test.
 */
export function scannedDemoPerTest(
  settings: Record<string, string> = { AUTH_MODE: "local" },
): () => Promise<Environment> {
  let current: Environment | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async () => {
    current = await startEnvironment({
      start: "2026-03-02T08:00:00Z",
      state: "sqlite",
      settings,
    });
    await current.scanNow();
    return current;
  };
}

/** A simulated cluster's model with its pods and nodes as they are now. */
export function clusterState(environment: Environment, clusterName: string) {
  const cluster = environment.sim.fleet.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`no cluster ${clusterName}`);
  return {
    cluster,
    pods: cluster.store.list("pods") as Json[],
    nodes: cluster.store.list("nodes") as Json[],
  };
}

/**
 * What the simulator's ledger says a real cluster cannot: no budget broken, no workload without one left
 * with no Ready replica, no pod lost.
 */
export function expectLedgerClean(environment: Environment): void {
  const ledger = environment.sim.ledger();
  expect(ledger.pdbViolations).toEqual([]);
  expect(ledger.outages).toEqual([]);
  expect(ledger.lostPods).toEqual([]);
}

/** All 8 report workers (aks-prod-eus, namespace batch) Running on `pool`'s nodes, none terminating. */
export function expectWorkersServedBy(environment: Environment, pool: string): void {
  const { pods, nodes } = clusterState(environment, "aks-prod-eus");
  const poolOf = new Map(nodes.map((n) => [n.metadata.name, n.metadata.labels.agentpool]));
  const workers = pods
    .filter((p) => p.metadata.namespace === "batch" && !p.metadata.deletionTimestamp)
    .map((p) => ({ pool: poolOf.get(p.spec.nodeName), phase: p.status.phase }));
  expect(workers).toEqual(Array(8).fill({ pool, phase: "Running" }));
}

/** On the demo fleet: three clusters, one a week, one migration at a time, each pool to Azure Linux 3. */
export const DEMO_ROLLOUT_POLICY = {
  now: "2026-03-02",
  pools: ["aks-prod-eus/batch", "aks-dev-weu/ubuntu", "aks-test-neu/workers"],
  targets: { AzureLinux: "AzureLinux3", Ubuntu2204: "AzureLinux3", Ubuntu: "AzureLinux3" },
  maxClustersPerWave: 1,
  maxPoolsInFlight: 1,
};

/** Rita starts the demo rollout, aks-dev-weu's new pool failing for want of capacity if `noCapacity`; its id. */
export async function startDemoRollout(env: Environment, { noCapacity = false } = {}): Promise<string> {
  if (noCapacity) {
    env.sim.fleet.faults.add({
      kind: "arm-operation-fails",
      cluster: "aks-dev-weu",
      operation: "create",
      code: "AllocationFailed",
      message: "Allocation failed: no capacity in westeurope.",
    });
  }
  const started = await post(env, "/api/rollouts", RITA, DEMO_ROLLOUT_POLICY);
  expect(started.status, started.text).toBe(202);
  return started.body.id as string;
}

export function rolloutPath(id: string): string {
  return `/api/rollouts/${encodeURIComponent(id)}`;
}

/** What an operator does when the rollout waits (a stopped line, a wave gate): answers it (true), or not. */
export type RolloutWaitHandler = (rollout: Json) => Promise<boolean> | boolean;

/**
 * Steps time until the rollout is done (or `until` holds for its record), answering its migrations' gates
 * with `onGate` and its own waits with `onWait`, everything through the HTTP API; returns its last record.
 */
export async function driveRollout(
  env: Environment,
  id: string,
  onGate: GateHandler,
  onWait: RolloutWaitHandler,
  { maxSteps = 50_000, until }: { maxSteps?: number; until?: (rollout: Json) => boolean } = {},
): Promise<Json> {
  const { clock } = env;
  const answered = new Set<string>();
  clock.pause();
  try {
    for (let step = 0; step < maxSteps; step++) {
      await settle();
      const rollout = (await env.api(rolloutPath(id))).body;
      if (rollout.status === "done" || until?.(rollout)) return rollout;
      let acted = false;
      const running = rollout.waves
        .flatMap((wave: Json) => wave.pools)
        .filter((p: Json) => p.status === "running");
      for (const pool of running) {
        const migration = (await env.api(migrationPath(pool.migrationId))).body;
        const wait = migration?.awaiting;
        const key = wait && `${migration.id}:${wait.gate}@${wait.since}`;
        if (key && !answered.has(key) && (await onGate(migration))) {
          answered.add(key);
          acted = true;
        }
      }
      const wait = rollout.awaiting;
      const key = wait && `${id}:${wait.kind}@${wait.since}`;
      if (key && !answered.has(key) && (await onWait(rollout))) {
        answered.add(key);
        acted = true;
      }
      if (acted || clock.openHolds > 0) continue;
      const due = clock.nextDueAt;
      if (due !== undefined) await clock.advanceTo(due);
    }
    throw new Error(`rollout ${id} did not end within the steps allowed`);
  } finally {
    clock.resume();
  }
}
