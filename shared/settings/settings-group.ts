// A group of app settings that configure one thing (the state store, Service Bus, ...), read from the
// environment as the Functions host hands settings over. A group is checked on its own: every problem
// at once, each naming the group and the setting to fix. Values may be secrets: problems never echo them.

import { z } from "zod";

export type Env = Readonly<Record<string, string | undefined>>;

export interface SettingsGroup<S extends z.ZodObject = z.ZodObject, T = unknown> {
  /** Named in front of every problem, e.g. "state store". */
  readonly name: string;
  /** The group's settings, keyed by their app-setting names. */
  readonly schema: S;
  /**
   * Rules across settings, on the raw environment: a value set but malformed still counts as set, so
   * these problems come with the settings' own, and a rule may read a setting another group owns.
   */
  readonly checks?: (env: Env) => string[];
  readonly build: (parsed: z.output<S>) => T;
}

type SettingsOf<G> = G extends SettingsGroup<z.ZodObject, infer T> ? T : never;

/** Infers a group's types from its definition. */
export function settingsGroup<S extends z.ZodObject, T>(group: SettingsGroup<S, T>): SettingsGroup<S, T> {
  return group;
}

export class SettingsError extends Error {
  override name = "SettingsError";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`settings are invalid:\n${problems.map((problem) => `- ${problem}`).join("\n")}`);
    this.problems = problems;
  }
}

type Outcome<T> = { ok: true; settings: T } | { ok: false; problems: string[] };

function outcomeOf<S extends z.ZodObject, T>(group: SettingsGroup<S, T>, env: Env): Outcome<T> {
  const result = group.schema.safeParse(env);
  const problems = [
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)),
    ...(group.checks?.(env) ?? []),
  ].map((problem) => `${group.name}: ${problem}`);
  if (!result.success || problems.length > 0) return { ok: false, problems };
  return { ok: true, settings: group.build(result.data) };
}

/** One group's settings; throws SettingsError with every problem of the group. */
export function parseSettingsGroup<S extends z.ZodObject, T>(group: SettingsGroup<S, T>, env: Env): T {
  const outcome = outcomeOf(group, env);
  if (!outcome.ok) throw new SettingsError(outcome.problems);
  return outcome.settings;
}

/** Every group's settings; throws SettingsError with every problem of every group, in the groups' order. */
export function parseSettingsGroups<G extends Record<string, SettingsGroup>>(
  groups: G,
  env: Env,
): { [K in keyof G]: SettingsOf<G[K]> } {
  const settings: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, group] of Object.entries(groups)) {
    const outcome = outcomeOf(group, env);
    if (outcome.ok) settings[key] = outcome.settings;
    else problems.push(...outcome.problems);
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings as { [K in keyof G]: SettingsOf<G[K]> };
}

/** The names of the settings `groups` read: nothing else in the environment changes what they give. */
export function settingNames(groups: Record<string, SettingsGroup>): string[] {
  return Object.values(groups).flatMap((group) => Object.keys(group.schema.shape));
}

/** Set, as the groups read a value: blank counts as unset. */
export function isSet(env: Env, name: string): boolean {
  return (env[name]?.trim() ?? "") !== "";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function isLoopback(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase());
}

export const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

/** https, or plain http to this machine only (Azurite, local test servers). */
export const serviceUrl = optionalText.refine(
  (value) => {
    if (value === undefined) return true;
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
  },
  { message: "expected an https URL (plain http only to 127.0.0.1 or localhost)" },
);

export function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const pair of value.split(";")) {
    const index = pair.indexOf("=");
    if (index > 0) parts.set(pair.slice(0, index).trim().toLowerCase(), pair.slice(index + 1).trim());
  }
  return parts;
}

export const boundedInteger = (fallback: number, min: number, max: number) =>
  optionalText
    .transform((value) => (value === undefined ? fallback : Number(value)))
    .refine((value) => Number.isInteger(value) && value >= min && value <= max, {
      message: `expected a whole number from ${min} to ${max}`,
    });
