// npm run host -- --app <entry module> [--port 7071] [--data <dir>] [--clock real|virtual|scaled] ...
import { parseArgs } from "node:util";
import { type Clock, ScaledClock } from "../clock.ts";
import { startHost } from "./host.ts";
import { parseLogLevel, streamSink } from "./logger.ts";

const USAGE = `Usage: npm run host -- --app <entry module> [options]

  --app <path>                 the Functions v4 app's entry module (required)
  --port <n>                   HTTP port on 127.0.0.1 (default 7071; 0 picks a free one)
  --data <dir>                 where durable state is kept (default .data/host)
  --clock real|virtual|scaled  the clock (default real); scaled: real time --speed times faster
  --virtual-start <ISO time>   where a virtual or scaled clock starts (default now)
  --speed <n>                  how much faster a scaled clock runs than real time (default 60)
  --real-start <ISO time>      the real time at which a scaled clock read --virtual-start (default
                               now): a host restarted with the same values goes on with the same time
  --activity-concurrency <n>   activities run at once (default 16)
  --log-level <level>          debug, info, warn, error or none (default info)
  --auth on|off                on (default): keys required as in Azure (kept in <data>/keys.json);
                               off: no key is checked, as under Core Tools`;

function positiveInteger(value: string, name: string, allowZero = false): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < (allowZero ? 0 : 1)) {
    throw new Error(
      `--${name} must be a ${allowZero ? "non-negative" : "positive"} integer, not "${value}".`,
    );
  }
  return number;
}

function instantOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const instant = Date.parse(value);
  if (Number.isNaN(instant)) throw new Error(`--${name} must be an ISO date and time, not "${value}".`);
  return instant;
}

function scaledClock(speedOption: string, realStart = Date.now(), start = realStart): Clock {
  const speed = Number(speedOption);
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new Error(`--speed must be a positive number, not "${speedOption}".`);
  }
  return new ScaledClock(start, speed, undefined, realStart);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      app: { type: "string" },
      port: { type: "string", default: "7071" },
      data: { type: "string", default: ".data/host" },
      clock: { type: "string", default: "real" },
      "virtual-start": { type: "string" },
      speed: { type: "string", default: "60" },
      "real-start": { type: "string" },
      "activity-concurrency": { type: "string", default: "16" },
      "log-level": { type: "string", default: "info" },
      auth: { type: "string", default: "on" },
      help: { type: "boolean", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.app) throw new Error(`--app is required.\n\n${USAGE}`);
  if (values.clock !== "real" && values.clock !== "virtual" && values.clock !== "scaled") {
    throw new Error(`--clock must be "real", "virtual" or "scaled", not "${values.clock}".`);
  }
  if (values.auth !== "on" && values.auth !== "off") {
    throw new Error(`--auth must be "on" or "off", not "${values.auth}".`);
  }
  const virtualStart = instantOption(values["virtual-start"], "virtual-start");
  const clock =
    values.clock === "scaled"
      ? scaledClock(values.speed, instantOption(values["real-start"], "real-start"), virtualStart)
      : values.clock;
  const sink = streamSink(process.stdout);
  const host = await startHost({
    app: values.app,
    port: positiveInteger(values.port, "port", true),
    dataDir: values.data,
    clock,
    ...(virtualStart !== undefined ? { virtualStart } : {}),
    activityConcurrency: positiveInteger(values["activity-concurrency"], "activity-concurrency"),
    logLevel: parseLogLevel(values["log-level"]),
    logSink: sink,
    auth: values.auth,
  });
  // Printed whatever the log level: whoever started the host waits for this line.
  sink({
    time: new Date().toISOString(),
    level: "info",
    msg:
      host.auth === "on"
        ? `Listening on ${host.origin}; function, master and Durable system keys are in ${host.keys.file}`
        : `Listening on ${host.origin} with auth off: no key is checked`,
    url: host.origin,
    auth: host.auth,
    keysFile: host.keys.file,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    host.log.info(`${signal} received: stopping.`);
    host.stop().then(
      () => {
        host.log.info("Stopped.");
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
