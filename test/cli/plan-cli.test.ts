// The plan command run as a user would (test/support/cli-process.ts), on the fleet files `report` reads.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RolloutPlan } from "../../shared/domain/rollout/rollout-plan.ts";
import { cli, fixture } from "../support/cli-process.ts";

const FORMATS = ["fleet-resource-graph.json", "fleet-az-graph-query.json", "fleet-az-aks-list.json"];
const MIGRATION_KEYS = [
  "cluster",
  "clusterId",
  "pool",
  "fromOsSku",
  "targetOsSku",
  "start",
  "end",
  "deadline",
  "slackDays",
  "durationHours",
  "overlapNodeHours",
  "cost",
  "options",
  "reason",
];

const POLICY = `
start: 2026-12-07
maxPoolsInFlight: 1
maxClustersPerWave: 1
windows:
  default: { days: [Sat, Sun], start: "02:00", durationHours: 6 }
  byTag:
    - { tag: env=prod, days: [Tue, Wed], start: "22:00", durationHours: 4 }
freezes:
  - { from: 2026-12-20, to: 2027-01-03, reason: year-end freeze }
dailyBudget: 20
`;

let scratch: string;
let policy: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "rollout-plan-"));
  policy = join(scratch, "policy.yaml");
  await writeFile(policy, POLICY);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const planArgs = (name: string, ...more: string[]) => [
  "plan",
  "--fleet",
  fixture(name),
  "--now",
  "2026-12-02",
  "--policy",
  policy,
  ...more,
];

describe("aks-image-lifecycle plan --format json", () => {
  it("gives the same plan, in the documented shape, for the fleet in all three formats", async () => {
    const runs = await Promise.all(FORMATS.map((name) => cli(planArgs(name, "--format", "json"))));
    for (const run of runs) {
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
    }
    const [plan, ...others] = runs.map((run) => JSON.parse(run.stdout) as RolloutPlan);
    for (const other of others) expect(other).toEqual(plan);
    if (!plan) throw new Error("no plan");

    expect(Object.keys(plan)).toEqual([
      "now",
      "start",
      "currency",
      "prices",
      "waves",
      "misses",
      "forecast",
      "communications",
      "unplanned",
      "notes",
    ]);
    for (const wave of plan.waves) {
      expect(Object.keys(wave)).toEqual(["index", "canary", "start", "end", "clusters", "migrations"]);
      for (const migration of wave.migrations) expect(Object.keys(migration)).toEqual(MIGRATION_KEYS);
    }
    expect(plan.waves.map((wave) => [wave.index, wave.clusters])).toEqual([
      [0, ["ledger-prod-neu"]],
      [1, ["legacy-apps-eus2"]],
      // Waves 2 and 3 fall in the year-end freeze.
      [4, ["data-dev-wus2"]],
    ]);
    // Prod clusters start in the prod window (Tue/Wed 22:00 UTC), the others in the default one.
    const starts = plan.waves.flatMap((wave) =>
      wave.migrations.map((m) => [m.cluster, m.start.slice(11, 16)]),
    );
    for (const [cluster, time] of starts) expect(time).toBe(cluster === "data-dev-wus2" ? "02:00" : "22:00");
    expect(plan.misses).toEqual([
      {
        cluster: "ledger-prod-neu",
        pool: "system",
        deadline: "2026-03-31",
        daysLate: 254,
        fix: "its deadline has passed: migrate it first, outside the waves, and watch the image removal date",
      },
    ]);
    expect(plan.unplanned).toEqual([
      {
        cluster: "ledger-prod-neu",
        pool: "batch",
        reason: "no target: the policy maps no target for AzureLinux3 and the calendar recommends none",
      },
    ]);
    expect(plan.communications).toHaveLength(9);
  });

  it("plans with the default policy when none is given", async () => {
    const run = await cli([
      "plan",
      "--fleet",
      fixture(FORMATS[0] ?? ""),
      "--now",
      "2026-12-02",
      "--format",
      "json",
    ]);
    expect(run.code).toBe(0);
    const plan = JSON.parse(run.stdout) as RolloutPlan;
    expect(plan.start).toBe("2026-12-02");
    expect(plan.waves[0]?.canary).toBe(true);
  });
});

describe("aks-image-lifecycle plan (table)", () => {
  it("prints the waves, the misses, the forecast and the communications within 120 columns", async () => {
    const run = await cli(planArgs(FORMATS[0] ?? ""));
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "Fleet rollout plan, now 2026-12-02, first wave from 2026-12-07",
      `  fleet: ${fixture(FORMATS[0] ?? "")} (Resource Graph REST response)`,
      `  policy: ${policy}`,
    ]);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    for (const heading of [
      "Wave 0 (canary): 2026-12-08 22:00",
      "Wave 1: ",
      "Wave 4: ",
      "Misses (1)",
      "Communications",
    ]) {
      expect(
        lines.some((line) => line.startsWith(heading)),
        heading,
      ).toBe(true);
    }
    // Reasons wrap: read them as one text.
    expect(run.stdout.replace(/\s+/g, " ")).toContain("held for the freeze year-end freeze");
  });
});

describe("aks-image-lifecycle plan refuses", () => {
  it("a policy file with bad fields, naming each", async () => {
    const bad = join(scratch, "bad.json");
    await writeFile(bad, '{"cadenceDays": 0, "windows": {"default": {"start": "9am", "durationHours": 2}}}');
    const run = await cli(["plan", "--fleet", fixture(FORMATS[0] ?? ""), "--policy", bad]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      [
        "aks-image-lifecycle plan: the policy is not usable:",
        `  ${bad}: cadenceDays: Too small: expected number to be >=1, got 0`,
        `  ${bad}: windows.default.start: expected a UTC time "HH:MM", got "9am"`,
        "",
      ].join("\n"),
    );
  });

  it("a missing policy file, a missing fleet file and a missing --fleet", async () => {
    const noPolicy = await cli([
      "plan",
      "--fleet",
      fixture(FORMATS[0] ?? ""),
      "--policy",
      join(scratch, "nope.yaml"),
    ]);
    expect(noPolicy).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("cannot read the policy file: no such file"),
    });
    const noFleet = await cli(["plan", "--fleet", join(scratch, "nope.json")]);
    expect(noFleet).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("cannot read the fleet file: no such file"),
    });
    const usage = await cli(["plan", "--now", "2026-12-02"]);
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining("--fleet FILE is required") });
  });
});
