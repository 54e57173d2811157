// The embedded Functions host: loads a v4 app, serves its HTTP triggers and the Durable HTTP API, and runs its
// orchestrations, activities and durable timers on a shared clock with SQLite persistence.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import type { DurableClient } from "durable-functions";
import { type Clock, outsideHeldWork, publishClock, RealClock, VirtualClock } from "../clock.ts";
import { type DirectoryLock, lockDirectory } from "../directory-lock.ts";
import { DurableEngine } from "./durable-engine.ts";
import type { HistoryEvent } from "./durable-history.ts";
import { type DurableClientData, durableClientData, durableHttpApi, statusJson } from "./durable-http-api.ts";
import { DurableStore, type RuntimeStatus, TERMINAL_STATUSES } from "./durable-store.ts";
import { type FunctionRegistration, loadApp, setSystemLogSink } from "./functions-core.ts";
import { type HostKeys, loadHostKeys } from "./host-keys.ts";
import { type HttpListener, listen } from "./http-server.ts";
import { httpFunctions, httpTriggerHandler, routeTemplate } from "./http-triggers.ts";
import { Invoker, isDurableClientBinding, isTriggerType, type SkippedTrigger, triggerOf } from "./invoker.ts";
import { createLogger, type Logger, type LogLevel, type LogSink, streamSink, toLogLevel } from "./logger.ts";
import { ServiceBusTriggers, serviceBusFunctions } from "./service-bus-triggers.ts";
import { applyLocalSettings, findAppRoot, isFunctionDisabled, readHostJson } from "./settings.ts";
import { TimerTriggers, timerFunctions } from "./timer-triggers.ts";

export interface HostOptions {
  /** The app's entry module: importing it registers every function. */
  readonly app: string;
  /** 7071 unless given; 0 picks a free port. */
  readonly port?: number;
  /** Where the SQLite file lives; without it, state is kept in memory and lost on stop. */
  readonly dataDir?: string;
  /** How many activities run at once (16 unless given). */
  readonly activityConcurrency?: number;
  /** A clock object, or "real" (default) / "virtual" (starting at `virtualStart`, default now). */
  readonly clock?: Clock | "real" | "virtual";
  readonly virtualStart?: number;
  /** App settings; they become environment variables, as in Azure. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly logLevel?: LogLevel | "none";
  /** Where log records go; standard output by default. */
  readonly logSink?: LogSink;
  /** "on" (default): keys are required as in Azure; "off": none are checked, as under Core Tools. */
  readonly auth?: "on" | "off";
}

export interface RunningHost {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  readonly clock: Clock;
  /** The host's structured log. */
  readonly log: Logger;
  /** Names of the functions the app registered (less the disabled ones). */
  readonly functions: readonly string[];
  /** Triggers the host could not bind (unsupported, or a connection not configured), with the reason. */
  readonly skipped: readonly SkippedTrigger[];
  /** What a durableClient input binding receives. */
  readonly clientData: DurableClientData;
  /** The master, default function and Durable system keys (and their file, with a data directory). */
  readonly keys: HostKeys;
  /** Whether requests must present keys (startHost's `auth`). */
  readonly auth: "on" | "off";
  /** An instance's history as stored, episode by episode (the HTTP API shows it folded, as Azure's does). */
  history(instanceId: string): HistoryEvent[];
  /** The unmodified DurableClient from the app's durable-functions, talking to this host over HTTP. */
  getClient(): DurableClient;
  /** Resolves when the instance reaches one of `statuses` (an ended status by default). */
  waitForInstance(instanceId: string, options?: WaitOptions): Promise<InstanceStatus>;
  stop(): Promise<void>;
}

export interface WaitOptions {
  readonly statuses?: readonly RuntimeStatus[];
  /** Real milliseconds to wait (30 s unless given). */
  readonly timeoutMs?: number;
}

export interface InstanceStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  readonly createdTime: string;
  readonly lastUpdatedTime: string;
}

/**
 * The unmodified DurableClient from the app's own durable-functions, built the way df.getClient builds it for
 * a function with a durableClient input. Works for a host in another process, given its client data.
 */
export function durableClientFor(app: string, clientData: DurableClientData): DurableClient {
  const appRequire = createRequire(resolve(app));
  const df = appRequire("durable-functions") as typeof import("durable-functions");
  const { InvocationContext } = appRequire("@azure/functions") as typeof import("@azure/functions");
  const context = new InvocationContext({
    functionName: "local-host-client",
    options: {
      trigger: { type: "httpTrigger", name: "request" },
      extraInputs: [{ type: "durableClient", name: "durableClient" }],
    },
  });
  context.extraInputs.set("durableClient", clientData);
  // getClient points the URLs at localhost:7071 unless WEBSITE_HOSTNAME is set; they already name the host.
  const hostname = process.env.WEBSITE_HOSTNAME;
  process.env.WEBSITE_HOSTNAME = new URL(clientData.baseUrl).host;
  try {
    return df.getClient(context);
  } finally {
    if (hostname === undefined) delete process.env.WEBSITE_HOSTNAME;
    else process.env.WEBSITE_HOSTNAME = hostname;
  }
}

const SUPPORTED_TRIGGERS = [
  "httpTrigger",
  "timerTrigger",
  "serviceBusTrigger",
  "orchestrationTrigger",
  "activityTrigger",
];

/** Functions whose trigger the local host does not provide. */
function unsupportedTriggers(functions: readonly FunctionRegistration[]): SkippedTrigger[] {
  return functions.flatMap((f) => {
    const trigger = triggerOf(f).type;
    if (trigger === "entityTrigger") {
      return [{ function: f.name, reason: "durable entities are not supported by the local host" }];
    }
    return SUPPORTED_TRIGGERS.includes(trigger)
      ? []
      : [{ function: f.name, reason: `the local host has no ${trigger} trigger` }];
  });
}

/** Bindings other than triggers, the durable client and the HTTP response, which the local host lacks. */
function unprovidedBindings(functions: readonly FunctionRegistration[]): string[] {
  return functions.flatMap((f) =>
    Object.entries(f.bindings)
      .filter(
        ([name, b]) =>
          !isTriggerType(b.type) && !isDurableClientBinding(b) && !(name === "$return" && b.type === "http"),
      )
      .map(([, b]) =>
        b.direction === "in"
          ? `Function "${f.name}" has a ${b.type} input, which the local host does not provide: it will be undefined.`
          : `Function "${f.name}" has a ${b.type} output, which the local host does not deliver: its values are dropped.`,
      ),
  );
}

function describeTrigger(f: FunctionRegistration, origin: string, routePrefix: string): string {
  const trigger = triggerOf(f);
  if (trigger.type !== "httpTrigger") return trigger.type;
  const methods = Array.isArray(trigger.methods) ? trigger.methods.join(",") : "any method";
  return `[${methods}] ${origin}/${routePrefix === "" ? "" : `${routePrefix}/`}${routeTemplate(f)}`;
}

function byTrigger(functions: readonly FunctionRegistration[], type: string): FunctionRegistration[] {
  return functions.filter((f) => triggerOf(f).type === type);
}

function makeClock(option: HostOptions["clock"], virtualStart: number | undefined): Clock {
  if (option === undefined || option === "real") return new RealClock();
  if (option === "virtual") return new VirtualClock(virtualStart ?? Date.now());
  return option;
}

const hostnamesSetByHosts = new Set<string>();

/** WEBSITE_HOSTNAME as the user set it; one that another host in this process set is its, not ours. */
function configuredWebsiteHostname(): string | undefined {
  const hostname = process.env.WEBSITE_HOSTNAME;
  return hostname === undefined || hostnamesSetByHosts.has(hostname) ? undefined : hostname;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  // One host per data directory, taken before anything else: two on one durable store would run the
  // same work and diverge, and a refused host must not disturb the running one (its clock, its logs).
  let lock: DirectoryLock | undefined;
  if (options.dataDir !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    lock = lockDirectory(options.dataDir, "host.lock", new Date());
  }
  try {
    return await startLockedHost(options, lock);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function startLockedHost(options: HostOptions, lock: DirectoryLock | undefined): Promise<RunningHost> {
  const clock = makeClock(options.clock, options.virtualStart);
  publishClock(clock);
  const logger = createLogger({
    clock,
    level: options.logLevel ?? "info",
    sink: options.logSink ?? streamSink(process.stdout),
  });
  const appRoot = findAppRoot(options.app);
  for (const [key, value] of Object.entries(options.settings ?? {})) process.env[key] = value;
  const fromLocalSettings = applyLocalSettings(appRoot, process.env);
  if (fromLocalSettings.length > 0)
    logger.debug(`App settings from local.settings.json: ${fromLocalSettings.join(", ")}.`);
  const hostJson = readHostJson(appRoot, process.env);
  logger.debug(
    `host.json's Durable backend is ${hostJson.durableBackend}; this host keeps Durable state in SQLite.`,
  );
  const activityConcurrency = options.activityConcurrency ?? 16;
  if (!Number.isInteger(activityConcurrency) || activityConcurrency < 1) {
    throw new Error(`activityConcurrency must be a positive integer, not ${activityConcurrency}.`);
  }
  const auth = options.auth ?? "on";
  const keys = loadHostKeys(options.dataDir);
  const checkedKeys = auth === "on" ? keys : undefined;
  if (auth === "off") {
    logger.warn(
      "Keys are not checked (auth off): any local process may call every function and the Durable API.",
    );
  }
  setSystemLogSink((level, category, message) => logger.log(toLogLevel(level), message, { category }));
  const app = await loadApp(options.app);
  const enabled = app.functions.filter((f) => {
    if (!isFunctionDisabled(f.name, process.env)) return true;
    logger.info(`Function "${f.name}" is disabled by its AzureWebJobs.${f.name}.Disabled setting.`);
    return false;
  });
  let clientData: DurableClientData | undefined;
  const client = () => {
    if (!clientData) throw new Error("The durable client is not available before the host listens.");
    return clientData;
  };
  const invoker = new Invoker(app, logger, client);
  // Every binding is read before anything is opened: a function that cannot be bound is skipped, as the real
  // host skips a function in error, and costs nothing to refuse.
  const http = httpFunctions(enabled);
  const timers = timerFunctions(enabled, process.env);
  const serviceBus = serviceBusFunctions(enabled, process.env);
  const skipped = [
    ...http.skipped,
    ...timers.skipped,
    ...serviceBus.skipped,
    ...unsupportedTriggers(enabled),
  ];
  for (const { function: name, reason } of skipped) {
    logger.warn(`Function "${name}" is skipped: ${reason.replace(/\.$/, "")}.`, { function: name });
  }
  for (const warning of unprovidedBindings(enabled)) logger.warn(warning);
  const store = new DurableStore(options.dataDir);
  const engine = new DurableEngine({
    store,
    clock,
    logger,
    invoker,
    orchestrators: byTrigger(enabled, "orchestrationTrigger"),
    activities: byTrigger(enabled, "activityTrigger"),
    activityConcurrency,
  });
  const timerTriggers = new TimerTriggers({ functions: timers.bound, clock, store, invoker, logger });
  const serviceBusTriggers = new ServiceBusTriggers({
    functions: serviceBus.bound,
    clock,
    invoker,
    logger,
    maxConcurrentCalls: hostJson.serviceBusMaxConcurrentCalls,
    autoComplete: hostJson.serviceBusAutoComplete,
  });
  let listener: HttpListener | undefined;
  let appStarted = false;
  const configuredHostname = configuredWebsiteHostname();
  let ownHostname: string | undefined;
  /** Stops whatever has started, and always closes the store. */
  const shutDown = async () => {
    try {
      await listener?.close();
      await timerTriggers.stop();
      await serviceBusTriggers.stop();
      await engine.stop();
      if (appStarted) await invoker.runAppHooks("appTerminate", appRoot);
    } finally {
      if (ownHostname !== undefined && process.env.WEBSITE_HOSTNAME === ownHostname) {
        delete process.env.WEBSITE_HOSTNAME;
      }
      store.close();
      lock?.release();
      setSystemLogSink(undefined);
    }
  };
  try {
    // As the Node.js worker does, the app's appStart hooks finish before any function runs.
    await invoker.runAppHooks("appStart", appRoot);
    appStarted = true;
    listener = await listen({
      port: options.port ?? 7071,
      clock,
      logger,
      // Links the host and the app build use its own address (or WEBSITE_HOSTNAME), never a Host header.
      publicOrigin: (port) => `http://${configuredHostname ?? `127.0.0.1:${port}`}`,
      // The Durable HTTP API first, as in the real host: no app route (not even a catch-all under an empty
      // routePrefix) may shadow /runtime/webhooks/durabletask.
      handlers: [
        durableHttpApi({ engine, client, clock, keys: checkedKeys }),
        httpTriggerHandler({
          routePrefix: hostJson.routePrefix,
          functions: http.bound,
          invoker,
          logger,
          keys: checkedKeys,
        }),
      ],
    });
    const hostname = configuredHostname ?? `127.0.0.1:${listener.port}`;
    // Without WEBSITE_HOSTNAME, df.getClient rewrites the client's URLs to localhost:7071; Core Tools sets it too.
    if (process.env.WEBSITE_HOSTNAME === undefined) {
      process.env.WEBSITE_HOSTNAME = hostname;
      ownHostname = hostname;
      hostnamesSetByHosts.add(hostname);
    }
    // The app's own client stays on the loopback listener: the system key never leaves the machine, and
    // createCheckStatusResponse puts the caller's origin (WEBSITE_HOSTNAME's) into the links it returns.
    clientData = durableClientData(`http://127.0.0.1:${listener.port}`, hostJson.hubName, keys.durableSystem);
    engine.start();
    outsideHeldWork(() => timerTriggers.start());
    outsideHeldWork(() => serviceBusTriggers.start());
  } catch (error) {
    await shutDown();
    throw error;
  }
  const origin = listener.origin;
  for (const f of enabled)
    logger.info(`Function "${f.name}": ${describeTrigger(f, origin, hostJson.routePrefix)}`);
  const readyClientData = clientData;
  let stopping: Promise<void> | undefined;
  return {
    origin,
    port: listener.port,
    clock,
    log: logger,
    functions: enabled.map((f) => f.name),
    skipped,
    clientData: readyClientData,
    keys,
    auth,
    history: (instanceId) => engine.history(instanceId),
    getClient: () => durableClientFor(options.app, readyClientData),
    async waitForInstance(instanceId, waitOptions = {}) {
      const statuses = waitOptions.statuses ?? TERMINAL_STATUSES;
      const timeoutMs = waitOptions.timeoutMs ?? 30_000;
      const row = await engine.whenInstance(instanceId, (r) => statuses.includes(r.status), timeoutMs);
      if (row) return statusJson(row) as unknown as InstanceStatus;
      const status = engine.getInstance(instanceId)?.status ?? "missing";
      throw new Error(
        `Instance "${instanceId}" did not become ${statuses.join(" or ")} in ${timeoutMs} ms; it is ${status}.`,
      );
    },
    stop() {
      stopping ??= shutDown();
      return stopping;
    },
  };
}
