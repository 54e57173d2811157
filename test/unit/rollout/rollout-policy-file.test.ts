// The policy file: YAML or JSON, every bad field named with its path, defaults filled in, and the
// published JSON schema in step with the zod schema.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_SCHEMA_PATH } from "../../../bin/schemas/write-rollout-policy-schema.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../../../shared/domain/rollout/rollout-policy.ts";
import {
  parseRolloutPolicy,
  parseRolloutPolicyText,
  rolloutPolicyJsonSchema,
} from "../../../shared/formats/rollout-policy.ts";

const YAML_POLICY = `
targets: { Ubuntu2204: Ubuntu2404 }
start: 2027-01-04
cadenceDays: 14
maxClustersPerWave: 4
maxPoolsInFlight: 2
canary: ring=canary
windows:
  default: { days: [Sat, Sun], start: "02:00", durationHours: 6 }
  byTag:
    - { tag: env=prod, days: [Wed, Tue], start: "22:00", durationHours: 4 }
freezes:
  - { from: 2026-12-20, to: 2027-01-03, reason: year-end freeze }
dailyBudget: 300
`;

describe("the rollout policy file", () => {
  it("reads YAML into the domain's policy", () => {
    expect(parseRolloutPolicyText(YAML_POLICY, "policy.yaml")).toEqual({
      ok: true,
      policy: {
        targets: { Ubuntu2204: "Ubuntu2404" },
        states: DEFAULT_ROLLOUT_POLICY.states,
        start: "2027-01-04",
        cadenceDays: 14,
        maxClustersPerWave: 4,
        maxPoolsInFlight: 2,
        canary: { tag: "ring", value: "canary" },
        windows: [{ tag: "env", value: "prod", window: { days: [2, 3], start: "22:00", durationHours: 4 } }],
        defaultWindow: { days: [0, 6], start: "02:00", durationHours: 6 },
        freezes: [{ from: "2026-12-20", to: "2027-01-03", reason: "year-end freeze" }],
        dailyBudget: 300,
      },
    });
  });

  it("reads JSON the same way, and an empty document as every default", () => {
    const json = parseRolloutPolicyText(
      '{"canary": ["tools-weu"], "pools": ["prod-weu/apps", "dev"]}',
      "p.json",
    );
    expect(json).toMatchObject({
      ok: true,
      policy: { canary: { clusters: ["tools-weu"] }, pools: ["prod-weu/apps", "dev"] },
    });
    expect(parseRolloutPolicyText("", "empty.yaml")).toEqual({ ok: true, policy: DEFAULT_ROLLOUT_POLICY });
  });

  it("names every bad field with its path and the value it got", () => {
    const result = parseRolloutPolicyText(
      `
start: 2027-02-30
cadenceDays: 0
canary: ring
windows:
  default: { days: [Sat, Funday], start: "25:00", durationHours: 4 }
  byTag:
    - { tag: env=prod, start: "02:00", durationHours: 30 }
freezes: [{ from: 2026-12-20, to: 2026-12-01 }]
dailyBudget: -3
maxPoolsInFlight: two
`,
      "policy.yaml",
    );
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toEqual([
      'policy.yaml: start: expected a calendar date YYYY-MM-DD, got "2027-02-30"',
      "policy.yaml: cadenceDays: Too small: expected number to be >=1, got 0",
      'policy.yaml: maxPoolsInFlight: Invalid input: expected number, received string, got "two"',
      'policy.yaml: canary: expected "tag=value", e.g. "criticality=low", got "ring"',
      'policy.yaml: windows.default.days.1: Invalid option: expected one of "Sun"|"Mon"|"Tue"|"Wed"|"Thu"|"Fri"|"Sat", got "Funday"',
      'policy.yaml: windows.default.start: expected a UTC time "HH:MM", got "25:00"',
      "policy.yaml: windows.byTag.0.durationHours: Too big: expected number to be <=24, got 30",
      'policy.yaml: freezes.0.to: from is after to, got "2026-12-01"',
      "policy.yaml: dailyBudget: Too small: expected number to be >0, got -3",
    ]);
  });

  it("refuses unknown fields and text that is neither JSON nor YAML", () => {
    expect(parseRolloutPolicy({ maxPoolsInflight: 3 })).toEqual({
      ok: false,
      problems: ["(body): unknown field(s) maxPoolsInflight"],
    });
    const broken = parseRolloutPolicyText("targets: [unclosed", "bad.yaml");
    expect(broken.ok ? [] : broken.problems[0]).toMatch(/^bad\.yaml: not valid JSON or YAML: /);
  });

  it("publishes its JSON schema, in step with the zod schema", () => {
    expect(JSON.parse(readFileSync(POLICY_SCHEMA_PATH, "utf8"))).toEqual(
      JSON.parse(rolloutPolicyJsonSchema()),
    );
  });
});
