// The rollout policy file (JSON or YAML) and the body of POST /api/rollouts/plan, read into the domain's
// RolloutPolicy; every problem names its field. rollout-policy.schema.json is generated from this schema
// (write-rollout-policy-schema.ts) so editors can check a policy file as it is written.

import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { isIsoDate } from "../domain/lifecycle/calendar-date.ts";
import { URGENCY_ORDER } from "../domain/lifecycle/pool-assessment.ts";
import type { MaintenanceWindow } from "../domain/migration/migration-options.ts";
import {
  DEFAULT_ROLLOUT_POLICY,
  RETIRING_STATES,
  type RolloutPolicy,
  type TagMatch,
} from "../domain/rollout/rollout-policy.ts";
import { describeIssues } from "./schema-problems.ts";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a calendar date YYYY-MM-DD")
  .refine(isIsoDate, "expected a calendar date YYYY-MM-DD");
const tagMatch = z
  .string()
  .regex(/^[^=\s]+=[^=]*$/, 'expected "tag=value", e.g. "criticality=low"')
  .describe('a cluster tag and its value, "tag=value"');
const windowFields = {
  days: z
    .array(z.enum(WEEKDAYS))
    .describe("UTC weekdays the window opens on (Sun..Sat); every day when empty")
    .default([]),
  start: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a UTC time "HH:MM"')
    .describe('when the window opens, "HH:MM" UTC'),
  durationHours: z.number().gt(0).max(24).describe("how long it stays open, in hours (at most 24)"),
};
const window = z.strictObject(windowFields);

export const rolloutPolicySchema = z
  .strictObject({
    targets: z
      .record(z.string().min(1), z.string().min(1))
      .describe("from osSku to osSku; pools with other SKUs get the calendar's recommended target")
      .default({}),
    states: z
      .array(z.enum(URGENCY_ORDER))
      .min(1)
      .describe("pool states that move (default: the retiring and retired states)")
      .default([...RETIRING_STATES]),
    pools: z
      .array(z.string().regex(/^[^/]+(\/[^/]+)?$/, 'expected "cluster" or "cluster/pool"'))
      .min(1)
      .describe('only these pools move, whatever their state: "cluster/pool", or "cluster" for all its pools')
      .optional(),
    start: isoDate.describe("the first wave's day (default: today)").optional(),
    cadenceDays: z.number().int().min(1).max(90).describe("days between waves").default(7),
    maxClustersPerWave: z.number().int().min(1).default(DEFAULT_ROLLOUT_POLICY.maxClustersPerWave),
    maxPoolsInFlight: z.number().int().min(1).default(DEFAULT_ROLLOUT_POLICY.maxPoolsInFlight),
    canary: z
      .union([z.array(z.string().min(1)).min(1), tagMatch])
      .describe(
        'the canary wave: cluster names, or "tag=value" (default: the lowest-risk, least critical cluster)',
      )
      .optional(),
    windows: z
      .strictObject({
        default: window.describe("for clusters no tagged window matches").optional(),
        byTag: z
          .array(z.strictObject({ tag: tagMatch, ...windowFields }))
          .describe("the first entry whose tag the cluster has wins")
          .default([]),
      })
      .describe("when a migration may start, per cluster tag (UTC); any time when none applies")
      .default({ byTag: [] }),
    freezes: z
      .array(
        z
          .strictObject({ from: isoDate, to: isoDate, reason: z.string().optional() })
          .refine((freeze) => freeze.from <= freeze.to, { message: "from is after to", path: ["to"] }),
      )
      .describe("UTC days, both ends included, on which no migration starts")
      .default([]),
    dailyBudget: z
      .number()
      .gt(0)
      .describe("the most forecast overlap spend per UTC day, in the price table's currency")
      .optional(),
  })
  .describe("aks-image-lifecycle fleet rollout policy");

export type RolloutPolicyFile = z.input<typeof rolloutPolicySchema>;

function splitTag(text: string): TagMatch {
  const at = text.indexOf("=");
  return { tag: text.slice(0, at), value: text.slice(at + 1) };
}

function toWindow(fields: { days: (typeof WEEKDAYS)[number][]; start: string; durationHours: number }) {
  const days = fields.days.map((day) => WEEKDAYS.indexOf(day)).sort((a, b) => a - b);
  return { days: [...new Set(days)], start: fields.start, durationHours: fields.durationHours };
}

export type PolicyResult = { ok: true; policy: RolloutPolicy } | { ok: false; problems: string[] };

/** A parsed policy document (an empty one means every default). */
export function parseRolloutPolicy(value: unknown): PolicyResult {
  const result = rolloutPolicySchema.safeParse(value ?? {});
  if (!result.success) return { ok: false, problems: describeIssues(result.error, value, []) };
  const file = result.data;
  const defaultWindow: MaintenanceWindow | undefined = file.windows.default && toWindow(file.windows.default);
  const policy: RolloutPolicy = {
    targets: file.targets,
    states: file.states,
    ...(file.pools && { pools: file.pools }),
    ...(file.start && { start: file.start }),
    cadenceDays: file.cadenceDays,
    maxClustersPerWave: file.maxClustersPerWave,
    maxPoolsInFlight: file.maxPoolsInFlight,
    ...(file.canary !== undefined && {
      canary: typeof file.canary === "string" ? splitTag(file.canary) : { clusters: file.canary },
    }),
    windows: file.windows.byTag.map(({ tag, ...fields }) => ({ ...splitTag(tag), window: toWindow(fields) })),
    ...(defaultWindow && { defaultWindow }),
    freezes: file.freezes.map((f) => ({ from: f.from, to: f.to, ...(f.reason && { reason: f.reason }) })),
    ...(file.dailyBudget !== undefined && { dailyBudget: file.dailyBudget }),
  };
  return { ok: true, policy };
}

/** The text of a policy file, JSON or YAML (YAML is a superset of JSON: one parser reads both). */
export function parseRolloutPolicyText(text: string, file: string): PolicyResult {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    return { ok: false, problems: [`${file}: not valid JSON or YAML: ${(error as Error).message}`] };
  }
  const result = parseRolloutPolicy(value);
  return result.ok
    ? result
    : { ok: false, problems: result.problems.map((problem) => `${file}: ${problem}`) };
}

export function rolloutPolicyJsonSchema(): string {
  const schema = z.toJSONSchema(rolloutPolicySchema, { io: "input", unrepresentable: "any" });
  return `${JSON.stringify({ ...schema, title: "aks-image-lifecycle rollout policy" }, null, 2)}\n`;
}
