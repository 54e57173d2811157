// The embedded Functions host: loads a v4 app, serves its HTTP triggers, and (in later parts) runs its
// orchestrations, activities, timer and Service Bus triggers on a shared clock.
import { type Clock, publishClock, RealClock, VirtualClock } from "../clock.ts";
import { loadApp, setSystemLogSink } from "./functions-core.ts";
import { listen } from "./http-server.ts";
import { httpFunctions, httpTriggerHandler } from "./http-triggers.ts";
import { Invoker, triggerOf } from "./invoker.ts";
import { createLogger, type LogLevel, type LogSink, streamSink, toLogLevel } from "./logger.ts";
import { applyLocalSettings, findAppRoot, isFunctionDisabled, readHostJson } from "./settings.ts";

export interface HostOptions {
  /** The app's entry module: importing it registers every function. */
  readonly app: string;
  /** 7071 unless given; 0 picks a free port. */
  readonly port?: number;
  /** A clock object, or "real" (default) / "virtual" (starting at `virtualStart`, default now). */
  readonly clock?: Clock | "real" | "virtual";
  readonly virtualStart?: number;
  /** App settings; they become environment variables, as in Azure. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly logLevel?: LogLevel | "none";
  /** Where log records go; standard output by default. */
  readonly logSink?: LogSink;
}

export interface RunningHost {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  readonly port: number;
  readonly clock: Clock;
  /** Names of the functions the app registered. */
  readonly functions: readonly string[];
  stop(): Promise<void>;
}

function makeClock(option: HostOptions["clock"], virtualStart: number | undefined): Clock {
  if (option === undefined || option === "real") return new RealClock();
  if (option === "virtual") return new VirtualClock(virtualStart ?? Date.now());
  return option;
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const clock = makeClock(options.clock, options.virtualStart);
  publishClock(clock);
  const logger = createLogger({
    clock,
    level: options.logLevel ?? "info",
    sink: options.logSink ?? streamSink(process.stdout),
  });
  const appRoot = findAppRoot(options.app);
  for (const [key, value] of Object.entries(options.settings ?? {})) process.env[key] = value;
  applyLocalSettings(appRoot, process.env);
  const hostJson = readHostJson(appRoot);
  setSystemLogSink((level, category, message) => logger.log(toLogLevel(level), message, { category }));
  const app = await loadApp(options.app);
  const enabled = app.functions.filter((f) => {
    if (!isFunctionDisabled(f.name, process.env)) return true;
    logger.info(`Function "${f.name}" is disabled by its AzureWebJobs.${f.name}.Disabled setting.`);
    return false;
  });
  const invoker = new Invoker(app, logger, () => ({}));
  const listener = await listen({
    port: options.port ?? 7071,
    clock,
    logger,
    handlers: [
      httpTriggerHandler({
        routePrefix: hostJson.routePrefix,
        functions: httpFunctions(enabled),
        invoker,
        logger,
      }),
    ],
  });
  await invoker.runAppHooks("appStart", appRoot);
  for (const f of enabled) logger.info(`Function "${f.name}" (${triggerOf(f).type}) is ready.`);
  return {
    origin: listener.origin,
    port: listener.port,
    clock,
    functions: enabled.map((f) => f.name),
    async stop() {
      await listener.close();
      await invoker.runAppHooks("appTerminate", appRoot);
      setSystemLogSink(undefined);
    },
  };
}
