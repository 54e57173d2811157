// A migration request's options, read over the defaults: a request states only what it changes;
// anything unknown or out of range is refused with the field's name (fail closed).

import { minutesOfDay } from "./maintenance-window.ts";
import {
  DEFAULT_MIGRATION_OPTIONS,
  type HealthThresholds,
  type MaintenanceWindow,
  type MigrationOptions,
} from "./migration-options.ts";
import { poolNameProblem } from "./new-pool.ts";

type Checked<T> = { value: T } | { problems: string[] };
/** Reads one field; `field` is its path in the request ("options.thresholds.persistSeconds"). */
type Rule<T> = (value: unknown, field: string) => Checked<T>;
type Rules<T> = { [K in keyof T]-?: Rule<Exclude<T[K], undefined>> };

const DAY_SECONDS = 24 * 3600;

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

function wholeNumber(min: number, max: number): Rule<number> {
  return (value, field) =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max
      ? { value }
      : { problems: [`${field} must be a whole number from ${min} to ${max}, not ${shown(value)}`] };
}

/** The word, or what `rule` reads. */
function wordOr<W extends string, T>(word: W, rule: Rule<T>): Rule<T | W> {
  return (value, field) => {
    if (value === word) return { value: word };
    const checked = rule(value, field);
    if (!("problems" in checked)) return checked;
    return { problems: checked.problems.map((p) => p.replace(" must be ", ` must be "${word}" or `)) };
  };
}

function oneOf<T extends string>(...allowed: T[]): Rule<T> {
  return (value, field) =>
    allowed.includes(value as T)
      ? { value: value as T }
      : {
          problems: [
            `${field} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, not ${shown(value)}`,
          ],
        };
}

const yesOrNo: Rule<boolean> = (value, field) =>
  typeof value === "boolean"
    ? { value }
    : { problems: [`${field} must be true or false, not ${shown(value)}`] };

const weekDays: Rule<number[]> = (value, field) => {
  const isDay = (day: unknown) => Number.isInteger(day) && (day as number) >= 0 && (day as number) <= 6;
  if (!Array.isArray(value) || !value.every(isDay) || new Set(value).size !== value.length) {
    return {
      problems: [`${field} must list distinct days from 0 (Sunday) to 6 (Saturday), not ${shown(value)}`],
    };
  }
  return { value: [...value].sort((a, b) => a - b) };
};

const utcTime: Rule<string> = (value, field) =>
  typeof value === "string" && minutesOfDay(value) !== undefined
    ? { value }
    : { problems: [`${field} must be a UTC time "HH:MM" from "00:00" to "23:59", not ${shown(value)}`] };

const poolName: Rule<string> = (value, field) => {
  const problem = typeof value === "string" ? poolNameProblem(value, "Linux") : "is not a string";
  return problem === undefined ? { value: value as string } : { problems: [`${field} ${problem}`] };
};

/**
 * An object whose fields each rule reads, over `defaults`; a field the rules do not name is refused, and
 * a field neither the value nor the defaults give is missing unless `optional` names it.
 */
function fields<T extends object>(
  rules: Rules<T>,
  defaults: Partial<T>,
  optional: ReadonlyArray<keyof T> = [],
): Rule<T> {
  return (value, field) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { problems: [`${field} must be an object, not ${shown(value)}`] };
    }
    const problems: string[] = [];
    const result: Record<string, unknown> = { ...defaults };
    for (const [key, given] of Object.entries(value)) {
      const rule = Object.hasOwn(rules, key) ? (rules[key as keyof T] as Rule<unknown>) : undefined;
      if (rule === undefined) {
        problems.push(`${field}.${key} is not an option (known: ${Object.keys(rules).join(", ")})`);
        continue;
      }
      const checked = rule(given, `${field}.${key}`);
      if ("problems" in checked) problems.push(...checked.problems);
      else result[key] = checked.value;
    }
    for (const key of Object.keys(rules)) {
      if (!Object.hasOwn(value, key) && result[key] === undefined && !optional.includes(key as keyof T)) {
        problems.push(`${field}.${key} is required`);
      }
    }
    return problems.length > 0 ? { problems } : { value: result as T };
  };
}

const windowRules: Rules<MaintenanceWindow> = {
  days: weekDays,
  start: utcTime,
  durationHours: wholeNumber(1, 24),
};

const thresholdRules: Rules<HealthThresholds> = {
  restartsPerNodePerHour: wholeNumber(0, 1000),
  pendingPodSeconds: wholeNumber(10, DAY_SECONDS),
  persistSeconds: wholeNumber(10, DAY_SECONDS),
};

const optionRules: Rules<MigrationOptions> = {
  preferredStrategy: oneOf("new-pool", "in-place"),
  maintenanceWindow: fields(windowRules, { days: [] }),
  batchSize: wordOr("auto", wholeNumber(1, 10)),
  newPoolGrowth: oneOf("up-front", "with-drain"),
  oldPoolShrink: oneOf("at-end", "with-drain"),
  // AKS's own drain timeout ranges from 5 minutes to a day.
  drainTimeoutSeconds: wholeNumber(300, DAY_SECONDS),
  gateTimeoutSeconds: wholeNumber(60, 30 * DAY_SECONDS),
  gateExpirySeconds: wholeNumber(60, 30 * DAY_SECONDS),
  retentionSeconds: wholeNumber(0, 7 * DAY_SECONDS),
  deleteGate: yesOrNo,
  prePositionReplicas: yesOrNo,
  smokePod: yesOrNo,
  rollback: oneOf("automatic", "approval"),
  keepNewPoolOnRollback: yesOrNo,
  thresholds: fields(thresholdRules, DEFAULT_MIGRATION_OPTIONS.thresholds),
  newPoolName: poolName,
};

/** A request's options over the defaults; absent options are the defaults. Every problem names its field. */
export function parseMigrationOptions(
  value: unknown,
): { options: MigrationOptions } | { problems: string[] } {
  if (value === undefined) return { options: DEFAULT_MIGRATION_OPTIONS };
  const checked = fields(optionRules, DEFAULT_MIGRATION_OPTIONS, ["maintenanceWindow", "newPoolName"])(
    value,
    "options",
  );
  if ("problems" in checked) return checked;
  const options = checked.value;
  if (options.gateExpirySeconds < options.gateTimeoutSeconds) {
    return {
      problems: [
        `options.gateExpirySeconds (${options.gateExpirySeconds}) must not be less than options.gateTimeoutSeconds (${options.gateTimeoutSeconds})`,
      ],
    };
  }
  return { options };
}
