// Structured logs: one line per event, JSON when the output is not a terminal.
import type { Clock } from "../clock.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

const LEVEL_RANK: Readonly<Record<LogLevel | "none", number>> = {
  debug: 0,
  info: 1,
  warn: 2,
  error: 3,
  none: 4,
};

export interface LogRecord {
  readonly time: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly category?: string;
  readonly function?: string;
  readonly instanceId?: string;
  readonly episode?: number;
  readonly [field: string]: unknown;
}

export type LogFields = Omit<LogRecord, "time" | "level" | "msg">;

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

/** Maps the levels the Functions libraries use ("information", "warning", "trace", ...) to ours. */
export function toLogLevel(level: string): LogLevel {
  switch (level.toLowerCase()) {
    case "trace":
    case "debug":
      return "debug";
    case "warning":
    case "warn":
      return "warn";
    case "error":
    case "critical":
      return "error";
    default:
      return "info";
  }
}

export function parseLogLevel(value: string): LogLevel | "none" {
  if (value in LEVEL_RANK) return value as LogLevel | "none";
  throw new Error(`Unknown log level "${value}": use one of ${Object.keys(LEVEL_RANK).join(", ")}.`);
}

/** Writes lines to a stream: JSON, or a short human form on a terminal. */
export function streamSink(stream: NodeJS.WriteStream): LogSink {
  if (!stream.isTTY) return (record) => stream.write(`${JSON.stringify(record)}\n`);
  return (record) => {
    const { time, level, msg, ...fields } = record;
    const context = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
      .join(" ");
    stream.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${context ? `  ${context}` : ""}\n`);
  };
}

export function createLogger(options: { clock: Clock; level: LogLevel | "none"; sink: LogSink }): Logger {
  const threshold = LEVEL_RANK[options.level];
  const log = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (LEVEL_RANK[level] < threshold) return;
    options.sink({ time: new Date(options.clock.now()).toISOString(), level, msg, ...fields });
  };
  return {
    log,
    debug: (msg, fields) => log("debug", msg, fields),
    info: (msg, fields) => log("info", msg, fields),
    warn: (msg, fields) => log("warn", msg, fields),
    error: (msg, fields) => log("error", msg, fields),
  };
}
