// The rollout plan and the reports as use cases over the product's state in SQLite (the real adapter):
// what they read (inventory, notices, dependency risks, migrations, audit chains) and how they answer.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type StateRepositories, sqliteRepositories } from "../../shared/composition.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../../shared/domain/migration/migration-options.ts";
import { newPoolOverlap } from "../../shared/domain/migration/preflight-plan.ts";
import { planRollout } from "../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../../shared/domain/rollout/rollout-policy.ts";
import { newRolloutRecord, recordPoolEnd } from "../../shared/domain/rollout/rollout-record.ts";
import { complianceReport } from "../../shared/report/compliance-report.ts";
import { costReport } from "../../shared/report/cost-report.ts";
import { planFleetRollout } from "../../shared/rollout/plan-rollout.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { anAuditRecord } from "../support/migration-fixtures.ts";
import { testPriceTable } from "../support/price-fixtures.ts";
import { anEndedMigration, REPORT_NOW, recordScan, reportFleet } from "../support/report-fixtures.ts";

const PRICES = testPriceTable({ Standard_D4ds_v5: 0.4 });

let directory: string;
let store: SqliteStore;
let state: StateRepositories;
const ports = () => ({ ...state, prices: PRICES });

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "reports-"));
  store = new SqliteStore(join(directory, "state.sqlite"));
  state = sqliteRepositories(store);
});

afterEach(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe("planFleetRollout", () => {
  it("answers no-inventory with what to do before any scan has finished", async () => {
    const result = await planFleetRollout(ports(), DEFAULT_ROLLOUT_POLICY, REPORT_NOW);
    expect(result).toEqual({ kind: "no-inventory", reason: expect.stringMatching(/run a scan first/) });
  });

  it("plans the inventory's fleet as the planner plans the same clusters and calendar", async () => {
    const fleet = reportFleet();
    await recordScan(state, fleet);
    const result = await planFleetRollout(ports(), DEFAULT_ROLLOUT_POLICY, REPORT_NOW);
    const expected = planRollout({
      now: REPORT_NOW,
      clusters: fleet,
      calendar: resolveCalendar(BASE_CALENDAR, []),
      policy: DEFAULT_ROLLOUT_POLICY,
      prices: PRICES,
      risks: new Map(),
      history: [],
    });
    expect(result).toEqual({ kind: "planned", plan: expected });
    expect(expected.waves.flatMap((w) => w.migrations).map((m) => m.pool)).toContain("apps");
  });

  it("takes the drain time past migrations measured and the risks the dependency scans found", async () => {
    const [legacy] = reportFleet();
    await recordScan(state, [legacy as NonNullable<typeof legacy>]);
    await state.migrations.save(
      anEndedMigration(PRICES, "m1", "2026-11-01T10:00:00.000Z", {
        vmSize: "Standard_D4ds_v5",
        overlapNodeHours: 6,
        drainingSeconds: 3 * 600,
      }),
    );
    await state.dependencies.recordDependencies((legacy as NonNullable<typeof legacy>).id, {
      scanId: "2026-11-26",
      scannedAt: "2026-11-26T02:00:00.000Z",
      pools: [{ pool: "apps", nodes: ["aks-apps-0"], complexity: "simple", reasons: [] }],
    });
    const result = await planFleetRollout(ports(), DEFAULT_ROLLOUT_POLICY, REPORT_NOW);
    if (result.kind !== "planned") throw new Error(result.reason);
    expect(result.plan.forecast.model.basis).toMatch(/^measured: 10\.0 minutes per node, the mean of 1 /);
    expect(result.plan.waves[0]?.migrations[0]?.reason).toContain("risk simple");
  });
});

describe("complianceReport", () => {
  it("answers no-inventory before any scan has finished", async () => {
    expect((await complianceReport(ports(), REPORT_NOW)).kind).toBe("no-inventory");
  });

  it("lists pools by state, those past end of support and for how long, and each removal date's misses", async () => {
    await recordScan(state, reportFleet());
    const result = await complianceReport(ports(), REPORT_NOW);
    if (result.kind !== "report") throw new Error(result.reason);
    const { report } = result;
    const pools = Object.values(report.poolsByState).flat();
    expect(pools.map((p) => `${p.cluster}/${p.pool}`).sort()).toEqual([
      "current/sys",
      "legacy/apps",
      "ubuntu/web",
    ]);
    expect(Object.values(report.countsByState).reduce((a, b) => a + b, 0)).toBe(3);
    // Azure Linux 2.0 on 1.31: support ended 2025-11-01, 390 days before 2026-11-26.
    expect(report.pastEndOfSupport).toEqual([
      expect.objectContaining({ cluster: "legacy", endOfSupport: "2025-11-01", daysPastEndOfSupport: 390 }),
    ]);
    const missed = report.removalDates.filter((date) => !date.onTrack);
    expect(missed.length).toBeGreaterThan(0);
    for (const date of report.removalDates) {
      expect(date.onTrack).toBe(date.misses.length === 0);
      for (const miss of date.misses) expect(miss.deadline).toBe(date.date);
    }
    expect(report.removalDates.find((d) => d.date === "2026-03-31")?.misses[0]?.fix).toMatch(
      /its deadline has passed/,
    );
    expect(report.plan.assumed).toMatch(/^the default rollout policy/);
    expect(report.plan.unplanned.map((p) => p.pool)).toEqual(["sys"]);
  });

  it("counts a pool past end of support on the very day support ends, 0 days past", async () => {
    await recordScan(state, reportFleet());
    const result = await complianceReport(ports(), new Date("2025-11-01T10:00:00Z"));
    if (result.kind !== "report") throw new Error(result.reason);
    expect(result.report.pastEndOfSupport).toEqual([
      expect.objectContaining({ cluster: "legacy", endOfSupport: "2025-11-01", daysPastEndOfSupport: 0 }),
    ]);
  });

  it("gives every migration its outcome, its audit trail's link and whether the chain verifies", async () => {
    await recordScan(state, reportFleet());
    const ended = anEndedMigration(PRICES, "migration:a:1", "2026-11-01T10:00:00.000Z", {
      vmSize: "Standard_D4ds_v5",
      overlapNodeHours: 6,
      drainingSeconds: 1800,
    });
    await state.migrations.save(ended);
    await state.migrations.save({ ...ended, id: "migration:b:1", outcome: null, phase: "draining" });
    for (const id of ["migration:a:1", "migration:b:1"]) {
      await state.audit.append(anAuditRecord({ id: `${id}|create-pool|intent`, migrationId: id }));
      await state.audit.append(
        anAuditRecord({
          id: `${id}|create-pool|outcome`,
          migrationId: id,
          stage: "outcome",
          result: "succeeded",
        }),
      );
    }
    // Someone edits a stored record of b: its hash no longer matches.
    store.write((sql) =>
      sql.run(
        "UPDATE migration_audit SET record = json_set(record, '$.actor', 'mallory') WHERE migration_id = ? AND seq = 1",
        "migration:b:1",
      ),
    );
    const result = await complianceReport(ports(), REPORT_NOW);
    if (result.kind !== "report") throw new Error(result.reason);
    const byId = Object.fromEntries(result.report.migrations.map((m) => [m.id, m]));
    expect(byId["migration:a:1"]).toMatchObject({
      outcome: "succeeded",
      audit: { url: "/api/migrations/migration%3Aa%3A1/audit", records: 2, verified: true },
    });
    expect(byId["migration:b:1"]?.outcome).toBe("active");
    expect(byId["migration:b:1"]?.audit).toMatchObject({
      verified: false,
      problem: expect.stringMatching(/^hash mismatch at record 1/),
    });
  });
});

describe("costReport", () => {
  it("prices each ended migration from its summary, by UTC month of completion, and leaves running ones out", async () => {
    const usage = { vmSize: "Standard_D4ds_v5", overlapNodeHours: 10, drainingSeconds: 1800 };
    await state.migrations.save(anEndedMigration(PRICES, "oct", "2026-10-31T23:30:00.000Z", usage));
    await state.migrations.save(anEndedMigration(PRICES, "nov-1", "2026-11-01T00:10:00.000Z", usage));
    await state.migrations.save(
      anEndedMigration(
        PRICES,
        "nov-2",
        "2026-11-20T08:00:00.000Z",
        { ...usage, vmSize: "Standard_Unpriced" },
        {
          outcome: "rolled-back",
        },
      ),
    );
    await state.migrations.save(
      anEndedMigration(PRICES, "running", "2026-11-21T08:00:00.000Z", usage, { outcome: null }),
    );
    const report = await costReport(ports(), REPORT_NOW);
    expect(report.migrations.map((m) => m.id)).toEqual(["oct", "nov-1", "nov-2"]);
    expect(report.migrations[2]).toMatchObject({ cost: 0, unpricedVmSizes: ["Standard_Unpriced"] });
    expect(report.months).toEqual([
      { month: "2026-10", migrations: 1, overlapNodeHours: 10, cost: 4, incomplete: 0 },
      { month: "2026-11", migrations: 2, overlapNodeHours: 20, cost: 4, incomplete: 1 },
    ]);
    expect(report.total).toMatchObject({ migrations: 3, cost: 8, incomplete: 1 });
    expect(report.yearlyRotation).toBeNull();
    expect(report.notes).toEqual([expect.stringMatching(/^yearlyRotation: .*run a scan first/)]);
  });

  it("counts a migration that never had a new pool (no overlap) at zero, not as incomplete", async () => {
    const inPlace = anEndedMigration(PRICES, "in-place", "2026-11-02T08:00:00.000Z", {
      vmSize: "Standard_D4ds_v5",
      overlapNodeHours: 0,
      drainingSeconds: 0,
    });
    await state.migrations.save({ ...inPlace, summary: { ...(inPlace.summary as object), cost: null } });
    const report = await costReport(ports(), REPORT_NOW);
    expect(report.migrations[0]).toMatchObject({ id: "in-place", cost: 0, overlapNodeHours: 0 });
    expect(report.total).toMatchObject({ migrations: 1, cost: 0, incomplete: 0 });
  });

  it("costs a yearly rotation of every known pool at the forecast per-pool overlap, and states its assumptions", async () => {
    const fleet = reportFleet();
    await recordScan(state, fleet);
    const report = await costReport(ports(), REPORT_NOW);
    const pools = fleet.flatMap((cluster) => cluster.nodePools);
    const forecast = pools
      .map((pool) => newPoolOverlap(PRICES, pool, DEFAULT_MIGRATION_OPTIONS).cost)
      .reduce((sum, cost) => sum + (cost.kind === "known" ? cost.amount : Number.NaN), 0);
    expect(report.yearlyRotation).toMatchObject({
      pools: 3,
      nodes: pools.reduce((sum, pool) => sum + pool.count, 0),
      measuredAnnualOverlapCost: null,
      unpricedVmSizes: [],
    });
    expect(report.yearlyRotation?.annualOverlapCost).toBeCloseTo(forecast, 9);
    expect(report.yearlyRotation?.assumptions.join("\n")).toMatch(/no past migrations: 15 minutes per node/);
  });

  it("sets each rollout wave's spend beside the plan's forecast for the wave and for what ended", async () => {
    const fleet = reportFleet();
    const plan = planRollout({
      now: REPORT_NOW,
      clusters: fleet,
      calendar: resolveCalendar(BASE_CALENDAR, []),
      policy: { ...DEFAULT_ROLLOUT_POLICY, maxClustersPerWave: 1 },
      prices: PRICES,
    });
    const record = newRolloutRecord(
      "rollout:r1",
      plan,
      { failureThreshold: 1, waveGate: false, maxPoolsInFlight: 2 },
      { id: "o1", name: "olga", roles: [], groups: [], identityProvider: "local" },
      REPORT_NOW.toISOString(),
    );
    const [first] = record.waves;
    const [ended] = first?.pools ?? [];
    if (!first || !ended) throw new Error("the plan has no first wave with a pool");
    recordPoolEnd(
      ended,
      "succeeded",
      { overlapNodeHours: 7, cost: { kind: "known", amount: 2.8 } },
      REPORT_NOW,
    );
    record.revision = 1;
    await state.rollouts.save(record);
    const report = await costReport(ports(), REPORT_NOW);
    expect(report.waves).toHaveLength(plan.waves.length);
    expect(report.waves[0]).toEqual({
      rollout: "rollout:r1",
      wave: first.index,
      start: first.start,
      forecast: plan.forecast.waves.find((w) => w.wave === first.index)?.cost,
      ended: 1,
      actual: 2.8,
      forecastOfEnded: ended.forecastCost,
      overlapNodeHours: 7,
    });
    expect(report.waves.slice(1).every((wave) => wave.ended === 0 && wave.actual === 0)).toBe(true);
  });
});
