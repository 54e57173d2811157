// The keys the Functions host keeps: a master key, the default function key and the Durable extension's
// system key, made once per data directory (<data>/keys.json, mode 0600) and reused; in memory without one.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { createWholeFile } from "../whole-file.ts";
import { HttpError, type IncomingRequest } from "./http-server.ts";

export interface HostKeys {
  /** Opens everything: admin-level and function-level functions and the Durable webhooks. */
  readonly master: string;
  /** Function level: every function whose authLevel is "function". */
  readonly functionDefault: string;
  /** The Durable extension's webhooks (/runtime/webhooks/durabletask), named durabletask_extension in Azure. */
  readonly durableSystem: string;
  /** Where they are kept; absent when they live in memory only. */
  readonly file?: string;
}

const KEY_NAMES = ["master", "functionDefault", "durableSystem"] as const;
const OWNER_ONLY = 0o600;

function newKey(): string {
  return randomBytes(40).toString("base64url");
}

function newKeys(): Omit<HostKeys, "file"> {
  return { master: newKey(), functionDefault: newKey(), durableSystem: newKey() };
}

function readKeys(file: string): HostKeys {
  let parsed: Record<string, unknown>;
  try {
    parsed = Object(JSON.parse(readFileSync(file, "utf8"))) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `The host's keys file ${file} cannot be read (${(error as Error).message}): delete it to make new keys.`,
    );
  }
  const missing = KEY_NAMES.filter((name) => typeof parsed[name] !== "string" || parsed[name] === "");
  if (missing.length > 0) {
    throw new Error(`The host's keys file ${file} lacks ${missing.join(", ")}: delete it to make new keys.`);
  }
  // Someone may have copied it with looser permissions; keys are secrets.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, OWNER_ONLY);
  return {
    master: parsed.master as string,
    functionDefault: parsed.functionDefault as string,
    durableSystem: parsed.durableSystem as string,
    file,
  };
}

/**
 * The data directory's keys, made on first use. The file appears whole or not at all (written aside, then
 * linked into place), so a host killed while making it, or two hosts starting at once, agree on one set.
 */
export function loadHostKeys(dataDir: string | undefined): HostKeys {
  if (dataDir === undefined) return newKeys();
  const file = join(dataDir, "keys.json");
  if (existsSync(file)) return readKeys(file);
  mkdirSync(dataDir, { recursive: true });
  // Another host may have made them a moment ago: then its set is the one.
  createWholeFile(file, `${JSON.stringify(newKeys(), null, 2)}\n`, OWNER_ONLY);
  return readKeys(file);
}

/** Whether `presented` is one of `accepted`, compared in constant time. */
function isOneOf(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined || presented === "") return false;
  const given = Buffer.from(presented);
  return accepted.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** What a request must present: an HTTP trigger's authLevel, or "system" for the Durable webhooks. */
export type AccessLevel = "anonymous" | "function" | "admin" | "system";

function acceptedKeys(keys: HostKeys, level: AccessLevel): { keys: string[]; names: string } {
  switch (level) {
    case "anonymous":
      return { keys: [], names: "" };
    case "function":
      return { keys: [keys.functionDefault, keys.master], names: "a function key or the master key" };
    case "admin":
      return { keys: [keys.master], names: "the master key" };
    case "system":
      return { keys: [keys.durableSystem, keys.master], names: "the Durable system key or the master key" };
  }
}

/** The key a request presents, as the Functions host reads it: the x-functions-key header, else ?code=. */
function presentedKey(request: IncomingRequest): string | undefined {
  return request.headers["x-functions-key"] || request.url.searchParams.get("code") || undefined;
}

/**
 * Refuses (401) a request that lacks a key `level` accepts. Without keys (the host's --auth off) every
 * request passes, as under Core Tools.
 */
export function requireAccess(
  keys: HostKeys | undefined,
  level: AccessLevel,
  request: IncomingRequest,
): void {
  if (keys === undefined || level === "anonymous") return;
  const accepted = acceptedKeys(keys, level);
  const presented = presentedKey(request);
  if (isOneOf(presented, accepted.keys)) return;
  const subject = `${request.method} ${request.url.pathname} (${level} level)`;
  throw new HttpError(
    401,
    presented === undefined
      ? `${subject} needs ${accepted.names}: send it in the x-functions-key header or the code query parameter.`
      : `The key sent does not open ${subject}: it needs ${accepted.names}.`,
  );
}
