// The planner by example: the canary choice, the communication dates, a miss's fix (checked by planning
// again with it), and durations learned from past migrations.

import { describe, expect, it } from "vitest";
import { DEFAULT_MIGRATION_OPTIONS } from "../../../shared/domain/migration/migration-options.ts";
import type { PoolMigrationRisk } from "../../../shared/domain/risk/migration-risk.ts";
import { waveCommunications } from "../../../shared/domain/rollout/rollout-communications.ts";
import { planRollout, type RolloutInput } from "../../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY, type RolloutPolicy } from "../../../shared/domain/rollout/rollout-policy.ts";
import { aMigrationRecord } from "../../support/migration-fixtures.ts";
import { aCluster } from "../../support/pool-fixtures.ts";
import { DEADLINE, inputOf, migrationsOf, ubuntu2204 } from "./rollout-fleets.ts";

const cluster = (name: string, tags: Record<string, string> = {}) => aCluster({ name, tags }, [ubuntu2204()]);
const policy = (overrides: Partial<RolloutPolicy> = {}): RolloutPolicy => ({
  ...DEFAULT_ROLLOUT_POLICY,
  maxClustersPerWave: 1,
  maxPoolsInFlight: 1,
  ...overrides,
});
/** The seed's migration (node by node, the old pool kept whole), which these durations and costs assume. */
const NODE_BY_NODE = { batchSize: 1, newPoolGrowth: "up-front", oldPoolShrink: "at-end" } as const;
const nodeByNode = (input: RolloutInput): RolloutInput => ({
  ...input,
  migrationOptions: { ...DEFAULT_MIGRATION_OPTIONS, ...NODE_BY_NODE },
});
const clustersOfWave = (plan: ReturnType<typeof planRollout>, index: number) =>
  plan.waves.find((wave) => wave.index === index)?.clusters;

function risk(complexity: PoolMigrationRisk["complexity"]): PoolMigrationRisk[] {
  return [{ pool: "apps", nodes: [], complexity, reasons: [] }];
}

describe("the canary wave", () => {
  const fleet = [
    cluster("payments", { criticality: "critical" }),
    cluster("tools", { criticality: "low" }),
    cluster("search"),
  ];

  it("is the least critical cluster when nothing is known of risk", () => {
    const plan = planRollout(inputOf("2026-01-05", fleet, policy()));
    expect(plan.waves[0]).toMatchObject({ index: 0, canary: true, clusters: ["tools"] });
    expect(plan.waves[0]?.migrations[0]?.reason).toMatch(
      /^wave 0, canary: the lowest-risk, least critical cluster; risk unknown \(a fleet file lists no workloads\), criticality low/,
    );
    expect(plan.waves.slice(1).every((wave) => !wave.canary)).toBe(true);
  });

  it("is the lowest-risk cluster first, criticality second, once dependency scans say so", () => {
    const risks = new Map([
      [fleet[0]?.id.toLowerCase() ?? "", risk("simple")],
      [fleet[1]?.id.toLowerCase() ?? "", risk("complex")],
    ]);
    const plan = planRollout({ ...inputOf("2026-01-05", fleet, policy()), risks });
    expect(plan.waves.map((wave) => wave.clusters)).toEqual([["payments"], ["search"], ["tools"]]);
    expect(plan.waves[2]?.migrations[0]?.reason).toContain("risk complex");
  });

  it("is the clusters the policy names, or those with its tag, before any other", () => {
    const named = planRollout(inputOf("2026-01-05", fleet, policy({ canary: { clusters: ["search"] } })));
    expect(clustersOfWave(named, 0)).toEqual(["search"]);
    expect(named.waves[0]?.migrations[0]?.reason).toContain("canary named in the policy");
    const tagged = planRollout(
      inputOf(
        "2026-01-05",
        fleet,
        policy({ maxClustersPerWave: 3, canary: { tag: "criticality", value: "critical" } }),
      ),
    );
    // The other two wait for the wave after the canary's, though a wave takes three clusters.
    expect(tagged.waves.map((wave) => wave.clusters)).toEqual([["payments"], ["tools", "search"]]);
  });
});

describe("the communications", () => {
  it("date each event at the start of its recommended window: 6, 4 and 2 weeks before the wave", () => {
    const events = waveCommunications({ index: 2, start: "2026-03-02", clusters: ["a", "b"] }, "2026-01-05");
    expect(events.map(({ kind, date, window, late }) => ({ kind, date, window, late }))).toEqual([
      {
        kind: "announcement",
        date: "2026-01-19",
        window: { from: "2026-01-19", to: "2026-02-02" },
        late: false,
      },
      {
        kind: "testing-and-runbook",
        date: "2026-02-02",
        window: { from: "2026-02-02", to: "2026-02-16" },
        late: false,
      },
      {
        kind: "window-lock-and-sign-off",
        date: "2026-02-16",
        window: { from: "2026-02-16", to: "2026-02-23" },
        late: false,
      },
    ]);
  });

  it("say late, dated today, when the wave is too close for the notice; today inside a window is on time", () => {
    const events = waveCommunications({ index: 0, start: "2026-02-23", clusters: ["a"] }, "2026-02-10");
    expect(events.map(({ kind, date, late }) => ({ kind, date, late }))).toEqual([
      { kind: "announcement", date: "2026-02-10", late: true },
      { kind: "testing-and-runbook", date: "2026-02-10", late: true },
      { kind: "window-lock-and-sign-off", date: "2026-02-10", late: false },
    ]);
    expect(events[0]?.text).toContain("LATE: 13 day(s) of notice instead of the 28 or more");
  });

  it("come three per wave in the plan, none dated before today", () => {
    const plan = planRollout(
      inputOf("2026-01-05", [cluster("a"), cluster("b")], policy({ start: "2026-01-12" })),
    );
    expect(plan.communications).toHaveLength(3 * plan.waves.length);
    expect(plan.communications.every((event) => event.date >= "2026-01-05")).toBe(true);
    expect(plan.communications.filter((event) => event.wave === 0).every((event) => event.late)).toBe(false);
  });
});

/** The number a fix names after `label`, e.g. 3 in "maxClustersPerWave 3 would meet it". */
function fixValue(fix: string, label: RegExp): number | undefined {
  const match = label.exec(fix);
  return match ? Number(match[1]) : undefined;
}

describe("a miss", () => {
  /** Plans again with the fix the miss names and says whether the pool still misses. */
  function stillMisses(input: RolloutInput, cluster: string, fix: Partial<RolloutPolicy>): boolean {
    const replanned = planRollout({ ...input, policy: { ...input.policy, ...fix } });
    return replanned.misses.some((miss) => miss.cluster === cluster);
  }

  it("names the pool, the deadline, how late it ends, and the concurrency that would meet it", () => {
    // Eight days before the deadline: after the canary wave, five clusters one at a time in wave 1.
    const fleet = ["a", "b", "c", "d", "e", "f"].map((name) => aCluster({ name }, [ubuntu2204("apps", 8)]));
    const input = nodeByNode(inputOf("2027-03-23", fleet, policy({ maxClustersPerWave: 5 })));
    const plan = planRollout(input);
    expect(plan.misses.map(({ cluster, deadline, daysLate }) => ({ cluster, deadline, daysLate }))).toEqual([
      { cluster: "e", deadline: DEADLINE, daysLate: 1 },
      { cluster: "f", deadline: DEADLINE, daysLate: 1 },
    ]);
    const fix = plan.misses[0]?.fix ?? "";
    const inFlight = fixValue(fix, /maxPoolsInFlight (\d+) would meet it/);
    expect(inFlight).toBe(2);
    expect(stillMisses(input, "e", { maxPoolsInFlight: 2 })).toBe(false);
    expect(stillMisses(input, "e", {})).toBe(true);
  });

  it("under a daily budget names the budget that would meet it", () => {
    // b and c share wave 1 a day before the deadline; a budget for one migration a day pushes c past it.
    const fleet = ["a", "b", "c"].map((name) => aCluster({ name }, [ubuntu2204("apps", 8)]));
    const input = nodeByNode(
      inputOf("2027-03-23", fleet, policy({ maxClustersPerWave: 2, maxPoolsInFlight: 2, dailyBudget: 30 })),
    );
    const miss = planRollout(input).misses[0];
    expect(miss).toMatchObject({ cluster: "c", daysLate: 1 });
    const budget = fixValue(miss?.fix ?? "", /a daily budget of (\d+) USD would meet it/);
    expect(budget).toBe(60);
    expect(stillMisses(input, "c", { dailyBudget: budget ?? 0 })).toBe(false);
  });

  it("that only a shorter cadence meets says which cadence", () => {
    // Six days before the deadline, one cluster a week: more room in a wave does not help after the canary's.
    const input = inputOf("2027-03-25", [cluster("a"), cluster("b"), cluster("c")], policy());
    const [b, c] = planRollout(input).misses;
    expect(b?.fix).toBe("cadenceDays 5 would meet it");
    expect(c?.fix).toBe("cadenceDays 2 would meet it");
    expect(stillMisses(input, "b", { cadenceDays: 5 })).toBe(false);
  });

  it("whose deadline has passed says so, and to migrate it first", () => {
    // Azure Linux 2's images were removed on 2026-03-31.
    const plan = planRollout(inputOf("2026-12-02", [aCluster({ name: "old" })], policy()));
    const end = Date.parse(migrationsOf(plan)[0]?.end ?? "");
    expect(plan.misses).toEqual([
      {
        cluster: "old",
        pool: "apps",
        deadline: "2026-03-31",
        daysLate: Math.ceil((end - Date.parse("2026-03-31T00:00:00Z")) / 86_400_000),
        fix: "its deadline has passed: migrate it first, outside the waves, and watch the image removal date",
      },
    ]);
  });
});

describe("the forecast", () => {
  it("uses the drain time measured by past migrations when there are some", () => {
    const fleet = [cluster("a")];
    const measured = aMigrationRecord({
      options: { ...DEFAULT_MIGRATION_OPTIONS, ...NODE_BY_NODE },
      outcome: "succeeded",
      nodes: { drained: 4, total: 4 },
      summary: { overlapNodeHours: 10, phaseSeconds: { draining: 4 * 1800 } },
    });
    const estimate = planRollout(nodeByNode(inputOf("2026-01-05", fleet, policy())));
    const learned = planRollout({
      ...nodeByNode(inputOf("2026-01-05", fleet, policy())),
      history: [measured],
    });
    expect(estimate.forecast.model.drainHoursPerNode).toBe(0.25);
    expect(learned.forecast.model.drainHoursPerNode).toBe(0.5);
    expect(learned.forecast.model.basis).toContain("mean of 1 past successful migration");
    // Three nodes, a quarter of an hour longer each.
    expect(migrationsOf(learned)[0]?.durationHours).toBe(
      (migrationsOf(estimate)[0]?.durationHours ?? 0) + 0.75,
    );
  });

  it('paces a past "auto" drain by the batches it ran, as its summary counts them', () => {
    const past = (summary: Record<string, unknown>) =>
      aMigrationRecord({
        options: { ...DEFAULT_MIGRATION_OPTIONS, batchSize: "auto" },
        outcome: "succeeded",
        nodes: { drained: 8, total: 8 },
        summary: { overlapNodeHours: 10, phaseSeconds: { draining: 3600 }, ...summary },
      });
    const paced = (record: ReturnType<typeof past>) =>
      planRollout({ ...nodeByNode(inputOf("2026-01-05", [cluster("a")], policy())), history: [record] })
        .forecast.model.drainHoursPerNode;
    // An hour over four batches; without the count, the half-pool cap's two batches are assumed.
    expect(paced(past({ batches: 4 }))).toBe(0.25);
    expect(paced(past({}))).toBe(0.5);
  });
});
