// The product's own strategy: the local stack (embedded host on the app, simulated fleet, SQLite state)
// on a virtual clock, a scan so the product knows the pool, then a migration started through the HTTP API
// with the given options and driven to its outcome, every gate answered at once by scripted people.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack } from "../../bin/local-stack.ts";
import { apiOf, approveAll, driveMigration, startMigration } from "../../bin/migration-driver.ts";
import { VirtualClock } from "../../local/clock.ts";
import type { Scenario } from "../../local/sim/scenario/schema.ts";
import type { Simulator } from "../../local/sim/simulator.ts";
import type { MigrationOptions } from "../../shared/domain/migration/migration-options.ts";
import { CLUSTER, POOL } from "./scenario.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

export interface ProductRun {
  /** From the migration's request to its outcome, simulated ms. */
  from: number;
  to: number;
  migration: Json;
}

/**
 * Starts the stack on `scenario`, lets `measure` attach to the simulator, runs the migration and hands the
 * simulator to `read` before the stack stops.
 */
export async function runProduct<T>(
  scenario: Scenario,
  options: Partial<MigrationOptions>,
  watch: (sim: Simulator) => (run: ProductRun) => T,
): Promise<T> {
  const clock = new VirtualClock(Date.parse(scenario.startTime));
  const stateDirectory = mkdtempSync(join(tmpdir(), "bench-migration-"));
  const stack = await startLocalStack({
    state: { kind: "sqlite", file: join(stateDirectory, "state.sqlite") },
    simulator: { scenario, clock, serviceBus: false },
    host: { port: 0, logLevel: "error", settings: { AUTH_MODE: "local" } },
  });
  try {
    const env = { clock, api: apiOf(stack.host.origin, stack.host.keys.functionDefault) };
    const scan = await env.api("/api/inventory/scans", { method: "POST" });
    if (scan.status !== 202) throw new Error(`the scan did not start: ${scan.status} ${scan.text}`);
    await stack.host.waitForInstance(scan.body.id, { timeoutMs: 120_000 });
    const read = watch(stack.sim);
    const from = clock.now();
    const id = await startMigration(env, CLUSTER, POOL, options);
    const migration = await driveMigration(env, id, approveAll(env), { maxSteps: 1_000_000 });
    return read({ from, to: clock.now(), migration });
  } finally {
    await stack.close();
    rmSync(stateDirectory, { recursive: true, force: true });
  }
}
