// The product on this machine, as `start`, the end-to-end tests and the benchmarks run it: the state store
// (a SQLite file, or Table Storage on Azurite), the simulated fleet of a scenario (ARM, Resource Graph,
// Kubernetes, Service Bus) and the embedded Functions host on the app (functions/index.ts) with the app
// settings that point it at them, on the simulator's clock. Stopped in reverse order; a part that fails to
// start or stop leaves none of the others running.

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Azurite, startAzurite } from "../local/azurite.ts";
import { type HostOptions, type RunningHost, startHost } from "../local/host/host.ts";
import { type Simulator, type SimulatorOptions, startSimulator } from "../local/sim/simulator.ts";

const APP = fileURLToPath(new URL("../functions/index.ts", import.meta.url));
/** Every setting that names a state store: the stack names its own and clears the others. */
const STATE_STORE_SETTINGS = ["STATE_SQLITE_FILE", "TABLES_CONNECTION_STRING", "TABLES_ENDPOINT"] as const;

export type StateStoreChoice =
  | { kind: "sqlite"; file: string }
  /** Azurite's files under `location`, or in memory. */
  | { kind: "azurite"; location?: string };

export type LocalStackPart = "azurite" | "simulator" | "host";

export interface LocalStackOptions {
  state: StateStoreChoice;
  /** The scenario, clock and data directory of the simulated fleet; the host runs on its clock. */
  simulator: SimulatorOptions;
  /** How the host listens and logs; `settings` are added to (and override) the ones the stack wires. */
  host: Pick<HostOptions, "port" | "dataDir" | "logLevel" | "logSink" | "settings">;
  /** Told before each part starts. */
  onStarting?(part: LocalStackPart): void;
  /** A part that ended on its own once started (Azurite's process), and how. */
  onPartExit?(part: LocalStackPart, how: string): void;
  /** Aborted, the start goes no further: what has started is stopped and the start rejects with the reason. */
  signal?: AbortSignal;
}

export interface LocalStack {
  readonly sim: Simulator;
  readonly host: RunningHost;
  /** The app settings the host was started with. */
  readonly settings: Readonly<Record<string, string>>;
  /** The simulator's Service Bus connection string and the topic alerts go to, when the scenario has them. */
  readonly serviceBus?: string;
  readonly alertTopic?: string;
  /** The host first, so nothing it runs is cut off from the tables it writes. */
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  /** What has started, last first: the order to stop it in. */
  const stops: (() => Promise<void>)[] = [];
  const next = async <T>(
    part: LocalStackPart,
    start: () => Promise<T>,
    stop: (running: T) => Promise<void>,
  ) => {
    options.signal?.throwIfAborted();
    options.onStarting?.(part);
    const running = await start();
    stops.unshift(() => stop(running));
    return running;
  };
  try {
    let azurite: Azurite | undefined;
    let stateSettings: Record<string, string>;
    if (options.state.kind === "azurite") {
      const location = options.state.location;
      // Only an end the stack did not ask for is a part's exit (a failed start closes Azurite too).
      let closing = false;
      azurite = await next(
        "azurite",
        () => startAzurite(location === undefined ? {} : { location }),
        (running) => {
          closing = true;
          return running.close();
        },
      );
      azurite.exited.then((how) => {
        if (!closing) options.onPartExit?.("azurite", how);
      });
      stateSettings = { TABLES_CONNECTION_STRING: azurite.connectionString };
    } else {
      stateSettings = { STATE_SQLITE_FILE: options.state.file };
    }
    const sim = await next(
      "simulator",
      () => startSimulator(options.simulator),
      (running) => running.close(),
    );
    const { serviceBus, alertTopic } = serviceBusOf(sim);
    const settings: Record<string, string> = {
      ...onlyStateStore(stateSettings),
      ...simulatorSettings(sim),
      ...options.host.settings,
    };
    const host = await next(
      "host",
      () => startHost({ ...options.host, app: APP, clock: sim.clock, settings }),
      (running) => running.stop(),
    );
    options.signal?.throwIfAborted();
    return {
      sim,
      host,
      settings,
      ...(serviceBus && { serviceBus }),
      ...(alertTopic && { alertTopic }),
      close: () => stopInTurn(stops),
    };
  } catch (error) {
    await stopInTurn(stops);
    throw error;
  }
}

/** `store`'s settings, with every other setting that names a state store cleared. */
export function onlyStateStore(store: Record<string, string>): Record<string, string> {
  return { ...Object.fromEntries(STATE_STORE_SETTINGS.map((name) => [name, ""])), ...store };
}

function serviceBusOf(sim: Simulator): { serviceBus?: string; alertTopic?: string } {
  const serviceBus = sim.endpoints.serviceBusConnectionString;
  const alertTopic = serviceBus ? sim.scenario.serviceBus?.topics?.[0]?.name : undefined;
  return { ...(serviceBus && { serviceBus }), ...(alertTopic && { alertTopic }) };
}

/** The app settings that point the product at a simulated fleet (its ARM, clusters and Service Bus). */
export function simulatorSettings(sim: Simulator): Record<string, string> {
  const { serviceBus, alertTopic } = serviceBusOf(sim);
  return {
    ARM_ENDPOINT: sim.endpoints.arm,
    ARM_CA_FILE: sim.caPath,
    ARM_LOCAL_TOKEN: "simulator",
    KUBECONFIG_DIR: join(sim.dataDir, "kubeconfigs"),
    ...(serviceBus && { ServiceBusConnection: serviceBus }),
    ...(alertTopic && { ALERT_TOPIC: alertTopic }),
  };
}

/** Each part stopped even when the one before failed to stop. */
async function stopInTurn(stops: readonly (() => Promise<void>)[]): Promise<void> {
  const [first, ...rest] = stops;
  if (!first) return;
  try {
    await first();
  } finally {
    await stopInTurn(rest);
  }
}
