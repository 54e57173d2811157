// App settings and host.json, read as the Functions host reads them: settings are environment variables,
// local.settings.json's Values fill in what the environment lacks, binding properties may say %SettingName%.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface HostJson {
  readonly hubName: string;
  /** The Durable backend host.json names for Azure (storageProvider.type, azureStorage when absent). */
  readonly durableBackend: string;
  readonly routePrefix: string;
  readonly serviceBusMaxConcurrentCalls: number;
  readonly serviceBusAutoComplete: boolean;
}

/** The function app root: the nearest folder at or above the entry module that holds host.json. */
export function findAppRoot(entry: string): string {
  let dir = dirname(resolve(entry));
  for (;;) {
    if (existsSync(join(dir, "host.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(resolve(entry));
    dir = parent;
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

function objectAt(value: unknown, ...path: string[]): Record<string, unknown> {
  let current = value;
  for (const key of path) {
    current = current && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current && typeof current === "object" ? (current as Record<string, unknown>) : {};
}

/** host.json's settings; the hub name may say %Setting%, as in the Durable extension. */
export function readHostJson(appRoot: string, env: NodeJS.ProcessEnv): HostJson {
  const path = join(appRoot, "host.json");
  const json = existsSync(path) ? readJson(path) : {};
  const durable = objectAt(json, "extensions", "durableTask");
  const http = objectAt(json, "extensions", "http");
  const serviceBus = objectAt(json, "extensions", "serviceBus");
  const maxCalls = serviceBus.maxConcurrentCalls ?? 16;
  if (typeof maxCalls !== "number" || !Number.isInteger(maxCalls) || maxCalls < 1) {
    throw new Error(`${path}: extensions.serviceBus.maxConcurrentCalls must be a positive integer.`);
  }
  const hubSetting = durable.hubName ?? "TestHubName";
  const hubName =
    typeof hubSetting === "string"
      ? resolveSettingReferences(hubSetting, env, `${path}: extensions.durableTask.hubName`)
      : hubSetting;
  if (typeof hubName !== "string" || !/^[A-Za-z][A-Za-z0-9]{2,49}$/.test(hubName)) {
    throw new Error(
      `${path}: extensions.durableTask.hubName must be 3-50 letters and digits, starting with a letter, not ${JSON.stringify(hubName)}.`,
    );
  }
  const durableBackend = readDurableBackend(durable, path);
  const routePrefix = http.routePrefix ?? "api";
  if (typeof routePrefix !== "string")
    throw new Error(`${path}: extensions.http.routePrefix must be a string.`);
  return {
    hubName,
    durableBackend,
    routePrefix: routePrefix.replace(/^\/+|\/+$/g, ""),
    serviceBusMaxConcurrentCalls: maxCalls,
    serviceBusAutoComplete: serviceBus.autoCompleteMessages !== false,
  };
}

/**
 * The backend storageProvider names (azureManaged: the Durable Task Scheduler). Only its type is read: here
 * Durable state is always in SQLite, and the backend's connection setting is Azure's business.
 */
function readDurableBackend(durable: Record<string, unknown>, path: string): string {
  const provider = durable.storageProvider;
  if (provider === undefined) return "azureStorage";
  const type =
    provider && typeof provider === "object" ? (provider as Record<string, unknown>).type : undefined;
  if (typeof type !== "string" || type.trim() === "") {
    throw new Error(`${path}: extensions.durableTask.storageProvider.type must be a backend's name.`);
  }
  return type;
}

/** Copies local.settings.json's Values into the environment where the environment has no value yet. */
export function applyLocalSettings(appRoot: string, env: NodeJS.ProcessEnv): string[] {
  const path = join(appRoot, "local.settings.json");
  if (!existsSync(path)) return [];
  const values = objectAt(readJson(path), "Values");
  const applied: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== null && value !== undefined) {
      env[key] = String(value);
      applied.push(key);
    }
  }
  return applied;
}

/**
 * Replaces every %Name% with the app setting Name, as the host's name resolver does (ResolveWholeString):
 * a setting that is not set, or a "%" without its closing one, is an error saying so.
 */
export function resolveSettingReferences(value: string, env: NodeJS.ProcessEnv, where: string): string {
  let resolved = "";
  let from = 0;
  for (;;) {
    const open = value.indexOf("%", from);
    if (open === -1) return resolved + value.slice(from);
    const close = value.indexOf("%", open + 1);
    if (close === -1) throw new Error(`${where} "${value}" has a "%" without its closing "%"`);
    const name = value.slice(open + 1, close);
    const setting = env[name];
    if (setting === undefined) throw new Error(`${where} refers to app setting "${name}", which is not set`);
    resolved += value.slice(from, open) + setting;
    from = close + 1;
  }
}

/** The host skips a function when the app setting AzureWebJobs.<name>.Disabled is true. */
export function isFunctionDisabled(name: string, env: NodeJS.ProcessEnv): boolean {
  const value = env[`AzureWebJobs.${name}.Disabled`] ?? env[`AzureWebJobs_${name}_Disabled`];
  return value !== undefined && ["true", "1"].includes(value.toLowerCase());
}
