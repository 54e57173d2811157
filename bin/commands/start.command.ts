// `start` (npm start): the product on this machine. Takes the data directory's lock, starts the simulated
// fleet of a scenario (the demo by default) with its Service Bus namespace, and the embedded Functions host
// on the app (functions/index.ts) with its state in SQLite under the data directory (or in Azurite, with
// --tables azurite); runs an inventory scan at once, prints where the API is and what the scan found, and
// serves until Ctrl-C, SIGTERM or SIGHUP. A part that dies on its own (Azurite) stops everything with a
// non-zero exit: never a half-working service. The clock is real: the fleet is assessed as of today, and
// the nightly timer fires at 02:00 UTC while it runs; --speed N runs it N times faster from now (the host's
// timers and the simulator's delays alike), so a migration can be watched in minutes. Callers are
// identified locally (AUTH_MODE=local): the x-ms-client-principal header is trusted from this machine,
// as `migrations --as` builds it, and every answer says so.

import { mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ScaledClock } from "../../local/clock.ts";
import { DirectoryInUseError, lockDirectory } from "../../local/directory-lock.ts";
import type { RunningHost } from "../../local/host/host.ts";
import type { LogRecord } from "../../local/host/logger.ts";
import type { InventoryScanResult } from "../../orchestrations/contracts/inventory-scan.contract.ts";
import {
  type CliIo,
  type Command,
  EXIT_BAD_INPUT,
  EXIT_OK,
  parseCommandArgs,
  UsageError,
} from "../command.ts";
import type { LocalStack } from "../local-stack.ts";
import { DEFAULT_SERVICE_URL } from "./migrations.command.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DEMO_SCENARIO = join(ROOT, "local", "scenarios", "demo.yaml");
const SAMPLE_NOTICE = join(ROOT, "local", "notices", "azure-linux-2-removal-moved.notice.json");
/** The README section that walks through a migration on the demo fleet, and what it migrates. */
export const DEMO_SECTION = "Demo: a pool migration, two people approving";
const DEMO_MIGRATION = "aks-prod-eus/batch to AzureLinux3 with two approvers";
/** In the data directory: who runs on it (PID, host, start time). */
export const DATA_LOCK = "aks-image-lifecycle.lock";
/** Real milliseconds the start-up scan may take before the command reports it still running. */
const SCAN_WAIT_MS = 10 * 60_000;
/** How often the wait for the start-up scan looks whether it should give up (a stop was asked for). */
const SCAN_WAIT_SLICE_MS = 500;
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const TABLES = ["sqlite", "azurite"] as const;
/** At most an hour of the service's time per second. */
const MAX_SPEED = 3600;

interface StartOptions {
  port: number;
  dataDir: string;
  scenario: string;
  tables: (typeof TABLES)[number];
  speed: number;
}

function parse(args: readonly string[]): StartOptions {
  const { values } = parseCommandArgs({
    args: [...args],
    options: {
      port: { type: "string" },
      data: { type: "string" },
      scenario: { type: "string" },
      tables: { type: "string" },
      speed: { type: "string" },
    },
    strict: true,
  });
  const port = Number(values.port ?? "7071");
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a port number (0 picks a free one), not "${values.port}"`);
  }
  const tables = values.tables ?? "sqlite";
  if (!TABLES.includes(tables as StartOptions["tables"])) {
    throw new UsageError(`--tables must be one of ${TABLES.join(", ")}, not "${tables}"`);
  }
  const speed = Number(values.speed ?? "1");
  if (!Number.isFinite(speed) || speed < 1 || speed > MAX_SPEED) {
    throw new UsageError(
      `--speed must be a number from 1 to ${MAX_SPEED} (times real time), not "${values.speed}"`,
    );
  }
  return {
    port,
    speed,
    dataDir: resolve(values.data ?? join(ROOT, ".data")),
    scenario: resolve(values.scenario ?? DEMO_SCENARIO),
    tables: tables as StartOptions["tables"],
  };
}

/** Why the command stops: a signal, or a part of it that died on its own. */
type StopReason = { kind: "signal"; signal: string } | { kind: "failed"; reason: string };

/** The first stop request wins; later ones are ignored (npm forwards the Ctrl-C the terminal sent too). */
class StopRequests {
  reason: StopReason | undefined;
  readonly requested: Promise<StopReason>;
  /** Aborted by the first request: a start under way goes no further. */
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private settle!: (reason: StopReason) => void;
  private readonly onSignal = (signal: string) => this.request({ kind: "signal", signal });

  constructor() {
    this.requested = new Promise((resolveRequest) => {
      this.settle = resolveRequest;
    });
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
  }

  request(reason: StopReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.settle(reason);
    this.controller.abort(reason);
  }

  dispose(): void {
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
  }
}

interface RunningParts {
  stack?: LocalStack;
}

async function start(args: readonly string[], io: CliIo): Promise<number> {
  const options = parse(args);
  const fail = (message: string) => {
    io.stderr.write(`aks-image-lifecycle start: ${message}\n`);
    return EXIT_BAD_INPUT;
  };
  mkdirSync(options.dataDir, { recursive: true });
  let lock: ReturnType<typeof lockDirectory>;
  try {
    lock = lockDirectory(options.dataDir, DATA_LOCK, io.now());
  } catch (error) {
    if (error instanceof DirectoryInUseError) return fail(error.message);
    throw error;
  }
  // Listening from the first moment: a signal during start-up stops what has started, not the process.
  const stops = new StopRequests();
  const running: RunningParts = {};
  const say = (line = "") => io.stdout.write(`${line}\n`);
  try {
    try {
      await startUp(options, io, say, running, stops);
    } catch (error) {
      // A part that died explains the failure better than what then failed without it; a start cut
      // short by a signal is no failure.
      const stopped = stops.reason !== undefined && error === stops.signal.reason;
      if (stops.reason?.kind !== "failed" && !stopped) return fail((error as Error).message);
    }
    const reason = await stops.requested;
    if (reason.kind === "failed") return fail(`${reason.reason}; stopped everything.`);
    say("\nStopping ...");
    return EXIT_OK;
  } finally {
    try {
      // The host first; a part that fails to stop keeps none of the others running.
      await running.stack?.close();
    } finally {
      stops.dispose();
      lock.release();
    }
  }
}

/** Starts each part unless a stop was asked for, scans, and prints the scan and the API. */
async function startUp(
  options: StartOptions,
  io: CliIo,
  say: (line?: string) => void,
  running: RunningParts,
  stops: StopRequests,
): Promise<void> {
  // Loaded here, not with the CLI: the host and simulator (SQLite, TLS) are only needed by this command.
  const { startLocalStack } = await import("../local-stack.ts");
  const azuriteLocation = join(options.dataDir, "azurite");
  running.stack = await startLocalStack({
    state:
      options.tables === "azurite"
        ? { kind: "azurite", location: azuriteLocation }
        : { kind: "sqlite", file: join(options.dataDir, "state.sqlite") },
    simulator: {
      scenarioFile: options.scenario,
      clock: options.speed === 1 ? "real" : new ScaledClock(io.now().getTime(), options.speed),
      dataDir: join(options.dataDir, "sim"),
    },
    host: {
      port: options.port,
      settings: { AUTH_MODE: "local" },
      dataDir: join(options.dataDir, "host"),
      logLevel: "warn",
      logSink: (record: LogRecord) => io.stderr.write(`[host ${record.level}] ${record.msg}\n`),
    },
    onStarting: (part) =>
      say(
        part === "azurite"
          ? `Starting Azurite (tables in ${shown(azuriteLocation)}) ...`
          : part === "simulator"
            ? `Starting the simulated fleet (${shown(options.scenario)}) ...`
            : "Starting the Functions host ...",
      ),
    onPartExit: (_, how) => stops.request({ kind: "failed", reason: `Azurite (the tables) ${how}` }),
    signal: stops.signal,
  });
  const { sim, host, serviceBus } = running.stack;
  say(`Scanning the fleet (${sim.clusters.length} clusters) ...`);
  const scan = await scanNow(host, stops, io.now);
  if (stops.reason) return;
  say();
  printScan(say, scan);
  if (options.speed !== 1) {
    say(`Time runs ${options.speed} times faster than real time; gates still wait for people.`);
  }
  const [firstCluster] = sim.clusters;
  printApi(say, {
    origin: host.origin,
    cluster: firstCluster && { name: firstCluster.name, kubeconfig: firstCluster.kubeconfigPath },
    serviceBus,
    dataDir: options.dataDir,
    keysFile: host.keys.file,
  });
}

type ScanOutcome =
  | { kind: "finished"; instanceId: string; runtimeStatus: string; result?: InventoryScanResult }
  | { kind: "still-running"; instanceId: string };

/** Starts a scan through the product's own endpoint (or waits for the one a restart resumed). */
async function scanNow(host: RunningHost, stops: StopRequests, now: () => Date): Promise<ScanOutcome> {
  const response = await fetch(`${host.origin}/api/inventory/scans`, {
    method: "POST",
    headers: { "x-functions-key": host.keys.functionDefault },
  });
  const body = (await response.json()) as { id?: string; error?: { reason: string; instanceId?: string } };
  const instanceId = body.id ?? body.error?.instanceId;
  if (!instanceId) throw new Error(`the scan did not start: ${response.status} ${JSON.stringify(body)}`);
  // In slices, so a stop request is seen within one and leaves no long timer keeping the process alive.
  const deadline = now().getTime() + SCAN_WAIT_MS;
  while (!stops.reason && now().getTime() < deadline) {
    const status = await host
      .waitForInstance(instanceId, { timeoutMs: SCAN_WAIT_SLICE_MS })
      .catch(() => undefined); // not ended within the slice
    if (status) {
      return {
        kind: "finished",
        instanceId,
        runtimeStatus: status.runtimeStatus,
        ...(status.runtimeStatus === "Completed" && { result: status.output as InventoryScanResult }),
      };
    }
  }
  return { kind: "still-running", instanceId };
}

function printScan(say: (line?: string) => void, scan: ScanOutcome): void {
  if (scan.kind === "still-running") {
    say(`The scan ${scan.instanceId} is still running; GET /api/inventory shows it when it ends.`);
    return;
  }
  const result = scan.result;
  if (!result) {
    say(`The scan ${scan.instanceId} ended ${scan.runtimeStatus}; see the host's log above.`);
    return;
  }
  const { summary, dependencies, alerts } = result;
  say(
    `Scan ${result.scanId}: ${summary.status}, ${summary.clusterCount} clusters, ${summary.poolCount} node pools`,
  );
  for (const reason of summary.incompleteReasons) say(`  incomplete: ${reason}`);
  const states = Object.entries(summary.poolsByState)
    .map(([state, count]) => `${state} ${count}`)
    .join(", ");
  say(`  pools by state: ${states || "none"}`);
  say(
    `  workloads: ${dependencies.scanned} clusters scanned${dependencies.failed.length > 0 ? `, ${dependencies.failed.length} failed` : ""}`,
  );
  for (const failure of dependencies.failed) say(`    ${failure.clusterId}: ${failure.error}`);
  say(`  alerts: ${describeAlerts(alerts)}`);
}

function describeAlerts(alerts: InventoryScanResult["alerts"]): string {
  if (alerts.kind === "failed")
    return `failed while ${alerts.stage === "decide" ? "deciding" : "delivering"}: ${alerts.error}`;
  const decided = alerts.decision.kind === "decided" ? alerts.decision.decided : 0;
  const delivery = alerts.delivery;
  if (!delivery) return `${decided} new`;
  if (delivery.kind === "no-sinks")
    return `${decided} new, none sent: no alert sink is configured (${delivery.pending} pending)`;
  if (decided === 0 && delivery.delivered === 0 && delivery.failureCount === 0) {
    return "nothing new to send (earlier runs sent each alert once)";
  }
  const failed =
    delivery.failureCount > 0 ? `, ${delivery.failureCount} failed (${delivery.pending} pending)` : "";
  return `${decided} new, ${delivery.delivered} sent to ${delivery.sinks.join(", ")}${failed}`;
}

interface ApiBanner {
  origin: string;
  /** One cluster of the fleet, to show a route and a kubectl command with. */
  cluster: { name: string; kubeconfig: string } | undefined;
  serviceBus: string | undefined;
  dataDir: string;
  keysFile: string | undefined;
}

function printApi(
  say: (line?: string) => void,
  { origin, cluster, serviceBus, dataDir, keysFile }: ApiBanner,
): void {
  say();
  say(`The web page is at ${origin}/api/ui/ (choose who you are on it: identity is local)`);
  say();
  say(`The API is at ${origin}/api:`);
  say(
    `  ${origin}/api/inventory                  every node pool, most urgent first (?state=, ?cluster=, ?pool=, ?osSku=, ?subscription=)`,
  );
  say(
    `  ${origin}/api/calendar.ics               end-of-support and image-removal dates per pool group, for Outlook`,
  );
  say(`  ${origin}/api/calendar                   the lifecycle calendar with its sources and notices`);
  if (cluster)
    say(
      `  ${origin}/api/clusters/${cluster.name}/dependencies   what migrating each pool must watch out for`,
    );
  say(`  ${origin}/api/alerts                     alerts sent and pending`);
  say(`  ${origin}/api/migrations                 pool migrations: start and steer them with`);
  // The command's default URL is port 7071's; any other port must be named.
  const url = origin === DEFAULT_SERVICE_URL ? "" : ` --url ${origin}`;
  say(`    npx aks-image-lifecycle migrations ...${url} --as you@example.com --role LifecycleOperator`);
  say("    (identity is local: the header those commands build is trusted from this machine only)");
  say(`    the demo, ${DEMO_MIGRATION}: README.md, "${DEMO_SECTION}"`);
  say(`  POST ${origin}/api/inventory/scans       scan again now (send the functionDefault key from`);
  say(`    ${keysFile === undefined ? "the host's keys" : shown(keysFile)} as the x-functions-key header)`);
  if (serviceBus) {
    say();
    say("Send a retirement notice (this demo one moves the Azure Linux 2 image removal):");
    say(`  npx aks-image-lifecycle notices send ${shown(SAMPLE_NOTICE)} --connection-string '${serviceBus}'`);
  }
  if (cluster) {
    say();
    say(
      `kubectl reaches each simulated cluster with its kubeconfig in ${shown(dirname(cluster.kubeconfig))}:`,
    );
    say(`  kubectl --kubeconfig ${shown(cluster.kubeconfig)} get nodes -L agentpool`);
  }
  say();
  say(`Ctrl-C stops everything; state stays in ${shown(dataDir)} (delete it to start afresh).`);
}

function shown(path: string): string {
  const relativePath = relative(process.cwd(), path);
  return relativePath.startsWith("..") ? path : relativePath;
}

export const startCommand: Command = {
  name: "start",
  usage: "start [--port 7071] [--data .data] [--scenario FILE] [--tables sqlite|azurite] [--speed N]",
  summary:
    "The service on this machine: the simulated fleet (local/scenarios/demo.yaml) and the Functions host, state in SQLite (or Azurite) under the data directory, which one start owns at a time; scans at once, prints what it found and serves the API until Ctrl-C, SIGTERM or SIGHUP. --speed N runs time N times faster; callers are identified locally (AUTH_MODE=local).",
  run: start,
};
