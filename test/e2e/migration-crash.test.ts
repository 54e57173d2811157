// The host killed mid-drain and started again: aks-prod-eus/batch migrates to AzureLinux3 with the host
// in a child process (local/host/cli.ts on the product's app, SQLite state and durable store in one data
// directory) and the simulated fleet in this one, since the cluster outlives the service and the
// simulator keeps its fleet in memory only. Both read one scaled clock (--real-start), so time runs on,
// for the fleet too, while the host is down. Once the second node's drain has begun, the host is killed
// with SIGKILL at a seeded moment and started again on the same data; the migration must finish with each
// old node drained by one node-drain instance, no eviction after a node was empty, and the simulator's
// ledger clean. CRASH_SEED=<n> replays a run's kill moment (its seed is printed).

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { onlyStateStore, simulatorSettings } from "../../bin/local-stack.ts";
import { ScaledClock } from "../../local/clock.ts";
import { durableClientData } from "../../local/host/durable-http-api.ts";
import { durableClientFor } from "../../local/host/host.ts";
import { loadHostKeys } from "../../local/host/host-keys.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import type { AuditRecord } from "../../shared/domain/ports/migrations.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { apiOf, DEMO } from "./environment.ts";
import { type ApiCaller, approveAll, migrationPath, startMigration } from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const APP = join(ROOT, "functions", "index.ts");
const TASK_HUB = "AksImageLifecycle"; // host.json
const START = "2026-03-02T08:00:00Z"; // the demo's startTime
/** Simulated seconds per real second: a node's drain (about 140 s) takes some 5 s, the host's restart a minute or two. */
const SPEED = 30;
/**
 * The kill comes this much real time, at most, after the second node's first eviction is recorded: from
 * inside that eviction to the end of the node's drain (about 5 s), where its result is being recorded.
 */
const KILL_WINDOW_MS = 4_000;
const POLL_MS = 100;
/** Real time the whole migration may take, kill and restart included. */
const MIGRATION_MS = 120_000;

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const data = mkdtempSync(join(tmpdir(), "aks-migration-crash-"));
const hostDir = join(data, "host");
const stateFile = join(data, "state.sqlite");
const realStart = Date.now();
const children: ChildProcess[] = [];
let sim: Simulator | undefined;
let state: SqliteStore | undefined;

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  state?.close();
  await sim?.close();
  rmSync(data, { recursive: true, force: true });
});

interface HostProcess extends ApiCaller {
  readonly child: ChildProcess;
  readonly origin: string;
  /** What it printed, for a failure's message. */
  output(): string;
}

/** The host on the product's app, this data directory and the fleet's time; resolves once it listens. */
async function startHostProcess(fleet: Simulator): Promise<HostProcess> {
  const clock = ["--clock", "scaled", "--speed", String(SPEED), "--virtual-start", START];
  const child = spawn(
    process.execPath,
    [
      "local/host/cli.ts",
      "--app",
      APP,
      "--port",
      "0",
      "--data",
      hostDir,
      "--log-level",
      "warn",
      ...clock,
      "--real-start",
      new Date(realStart).toISOString(),
    ],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...onlyStateStore({ STATE_SQLITE_FILE: stateFile }),
        ...simulatorSettings(fleet),
        AUTH_MODE: "local",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  // Both read to the end, so a host that logs much never blocks on a full pipe.
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      // The line the host prints once it listens, whatever the log level.
      const listening = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout);
      if (listening) resolve(listening[1] as string);
    });
    child.once("exit", (code) =>
      reject(new Error(`the host exited (${code}) before it listened:\n${stderr}`)),
    );
  });
  return {
    child,
    origin: url,
    output: () => `${stdout}\n${stderr}`,
    api: apiOf(url, loadHostKeys(hostDir).functionDefault),
  };
}

async function killHost(host: HostProcess): Promise<void> {
  const exited = new Promise((resolve) => host.child.once("exit", resolve));
  host.child.kill("SIGKILL");
  await exited;
}

function durableClient(host: HostProcess) {
  return durableClientFor(APP, durableClientData(host.origin, TASK_HUB, loadHostKeys(hostDir).durableSystem));
}

async function scan(host: HostProcess): Promise<void> {
  const started = await host.api("/api/inventory/scans", { method: "POST" });
  expect(started.status, started.text).toBe(202);
  const client = durableClient(host);
  await expect
    .poll(async () => (await client.getStatus(started.body.id)).runtimeStatus, { timeout: 60_000 })
    .toBe("Completed");
}

function evictions(records: AuditRecord[]): AuditRecord[] {
  return records.filter((record) => record.action === "evict-pod");
}

/** "drain-1:evict:batch:report-worker-x:0" -> "drain-1": the node-drain instance that evicted. */
function drainPart(record: AuditRecord): string {
  return record.id.slice(record.migrationId.length + 1).split(":")[0] as string;
}

/** "batch/report-worker-x on aks-batch-...-vmss000001" -> the node. */
function nodeOf(record: AuditRecord): string {
  return record.target.split(" on ")[1] as string;
}

describe("a pool migration whose host is killed mid-drain and started again on the same data", () => {
  it(
    "finishes: each old node drained by one node-drain instance, none evicted again once empty, no budget broken, no pod lost",
    async () => {
      console.log(`migration crash test seed ${SEED} (CRASH_SEED=${SEED} replays the kill moment)`);
      const killDelayMs = Math.floor(seededRandom(SEED)() * KILL_WINDOW_MS);
      const fleet = await startSimulator({
        scenarioFile: DEMO,
        clock: new ScaledClock(Date.parse(START), SPEED, undefined, realStart),
        dataDir: join(data, "sim"),
      });
      sim = fleet;
      let host = await startHostProcess(fleet);
      await scan(host);
      const cluster = fleet.fleet.clusters.find((c) => c.name === "aks-prod-eus");
      if (!cluster) throw new Error("the demo fleet has no aks-prod-eus");
      const oldNodes = (cluster.store.list("nodes") as Json[])
        .filter((node) => node.metadata.labels.agentpool === "batch")
        .map((node) => node.metadata.name as string)
        .sort();
      expect(oldNodes).toHaveLength(4);

      const id = await startMigration(host, "aks-prod-eus", "batch", { retentionSeconds: 0 });
      state = new SqliteStore(stateFile);
      const { audit, migrations } = sqliteRepositories(state);
      const answered = new Set<string>();
      let killedAt: Json | undefined;
      let migration: Json;
      const deadline = Date.now() + MIGRATION_MS;
      for (;;) {
        const read = await host.api(migrationPath(id));
        expect(read.status, read.text).toBe(200);
        migration = read.body;
        if (migration.outcome) break;
        if (Date.now() > deadline) throw new Error(`no outcome in time:\n${JSON.stringify(migration)}`);
        const wait = migration.awaiting;
        const key = wait && `${wait.gate}@${wait.since}`;
        if (key && !answered.has(key)) {
          await approveAll(host)(migration);
          answered.add(key);
        }
        const secondDrainBegan = evictions(await audit.list(id)).some((r) => drainPart(r) === "drain-1");
        if (!killedAt && secondDrainBegan) {
          await sleep(killDelayMs);
          await killHost(host);
          // As the product's state has it once the host is gone.
          killedAt = await migrations.get(id);
          console.log(
            `killed ${killDelayMs} ms after the second node's first eviction: ${killedAt?.nodes.drained} of 4 drained`,
          );
          host = await startHostProcess(fleet);
          continue;
        }
        await sleep(POLL_MS);
      }

      expect(killedAt, "the host was killed").toBeDefined();
      expect(killedAt?.phase, "killed while draining").toBe("draining");
      expect(migration.outcome, `${JSON.stringify(migration.history.slice(-5))}\n${host.output()}`).toBe(
        "succeeded",
      );
      expect(migration.nodes).toEqual({ drained: 4, total: 4 });

      // One node-drain instance per old node, each Completed with the node drained; after the last batch,
      // one more per node whose evicted pods were still shutting down, which waits and evicts nothing.
      const instances = (await durableClient(host).getStatusAll()).filter(
        (instance) => instance.name === "node-drain" && instance.instanceId.startsWith(`${id}:`),
      );
      const drains = instances.filter((instance) => /:drain-\d+$/.test(instance.instanceId));
      expect(drains.map((d) => (d.input as Json).node).sort()).toEqual(oldNodes);
      const waits = instances.filter((instance) => /:(e|r\d+)-\d+$/.test(instance.instanceId));
      expect(drains.length + waits.length).toBe(instances.length);
      expect([...drains, ...waits].map((d) => `${d.runtimeStatus} ${(d.output as Json)?.kind}`)).toEqual(
        Array(instances.length).fill("Completed drained"),
      );
      expect(waits.map((d) => (d.output as Json).evicted)).toEqual(waits.map(() => 0));

      // The audit log: each node's evictions come from one drain, each pod was evicted once, and nothing
      // was evicted from a node after the record said it was drained.
      const evicted = evictions(await audit.list(id));
      const partsByNode = new Map<string, Set<string>>();
      for (const record of evicted) {
        const parts = partsByNode.get(nodeOf(record)) ?? new Set();
        parts.add(drainPart(record));
        partsByNode.set(nodeOf(record), parts);
      }
      expect([...partsByNode.keys()].sort()).toEqual(oldNodes);
      expect([...partsByNode.values()].map((parts) => parts.size)).toEqual([1, 1, 1, 1]);
      expect(new Set([...partsByNode.values()].flatMap((parts) => [...parts])).size).toBe(4);
      const evictedPods = evicted
        .filter((record) => record.stage === "outcome" && record.result === "evicted")
        .map((record) => record.target);
      expect(evictedPods.length).toBeGreaterThan(0);
      expect(evictedPods.length, "pods evicted more than once").toBe(new Set(evictedPods).size);
      for (const node of oldNodes) {
        const drainedAt = migration.history.find((h: Json) => h.event.startsWith(`drained ${node}`))?.at;
        expect(drainedAt, `the record says ${node} was drained`).toBeDefined();
        const later = evicted.filter((record) => nodeOf(record) === node && record.at > drainedAt);
        expect(later, `evictions from ${node} after it was drained`).toEqual([]);
      }

      const ledger = fleet.ledger();
      expect(ledger.pdbViolations).toEqual([]);
      expect(ledger.outages).toEqual([]);
      expect(ledger.lostPods).toEqual([]);
      const workers = (cluster.store.list("pods") as Json[]).filter(
        (pod) => pod.metadata.namespace === "batch" && !pod.metadata.deletionTimestamp,
      );
      expect(workers.map((pod) => pod.status.phase)).toEqual(Array(8).fill("Running"));
      expect(workers.every((pod) => !oldNodes.includes(pod.spec.nodeName))).toBe(true);
      await killHost(host);
    },
    3 * 60_000,
  );
});
