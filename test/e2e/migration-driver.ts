// The tests' side of driving migrations and rollouts: the demo fleet per test, a cluster's state, and a
// rollout stepped as people would. Driving one migration (people, gates, time) lives in
// bin/migration-driver.ts, which the benchmarks share; it is re-exported here.

import { afterEach } from "vitest";
import { type GateHandler, migrationPath, settle } from "../../bin/migration-driver.ts";
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

/**
 * For a test file: starts the demo fleet on a virtual clock at its start (SQLite state, local identity,
 * scanned once) when a test asks, and closes it after each test.
 */
export function scannedDemoPerTest(): () => Promise<Environment> {
  let current: Environment | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return async () => {
    current = await startEnvironment({
      start: "2026-03-02T08:00:00Z",
      state: "sqlite",
      settings: { AUTH_MODE: "local" },
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

export function rolloutPath(id: string): string {
  return `/api/rollouts/${encodeURIComponent(id)}`;
}

/** What an operator does when the rollout waits (a stopped line, a wave gate): answers it (true), or not. */
export type RolloutWaitHandler = (rollout: Json) => Promise<boolean> | boolean;

/**
 * Steps time until the rollout is done, answering its migrations' gates with `onGate` and its own waits
 * with `onWait`, everything through the HTTP API; returns its last record.
 */
export async function driveRollout(
  env: Environment,
  id: string,
  onGate: GateHandler,
  onWait: RolloutWaitHandler,
  maxSteps = 50_000,
): Promise<Json> {
  const { clock } = env;
  const answered = new Set<string>();
  clock.pause();
  try {
    for (let step = 0; step < maxSteps; step++) {
      await settle();
      const rollout = (await env.api(rolloutPath(id))).body;
      if (rollout.status === "done") return rollout;
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
