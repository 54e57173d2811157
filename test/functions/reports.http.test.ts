// POST /api/rollouts/plan and GET /api/reports/{compliance,cost} in the embedded host over HTTP, on a
// virtual clock, with the state in a SQLite file the test writes through the product's repositories: who
// may ask for a plan, bad policies named field by field, 409 before any scan, and the answers once the
// inventory, migrations and their audit trails are there.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import type { StateRepositories } from "../../shared/composition.ts";
import { ROLES } from "../../shared/domain/access/principal.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { planRollout } from "../../shared/domain/rollout/rollout-plan.ts";
import { parseRolloutPolicy } from "../../shared/formats/rollout-policy.ts";
import { shippedPrices } from "../../shared/shipped-prices.ts";
import { anAuditRecord } from "../support/migration-fixtures.ts";
import { anEndedMigration, REPORT_NOW, recordScan, reportFleet } from "../support/report-fixtures.ts";
import { localCaller, type MigrationsApp, startMigrationsApp } from "./migrations-app-host.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

let app: MigrationsApp;
let state: StateRepositories;

beforeAll(async () => {
  app = await startMigrationsApp("warn", { AUTH_MODE: "local" }, new VirtualClock(REPORT_NOW.getTime()));
  ({ state } = app);
});

afterAll(() => app?.stop());

const as = localCaller;

const api: MigrationsApp["api"] = (...request) => app.api(...request);

const plan = (body: unknown, headers = as("olga@contoso.com", ROLES.operator)) =>
  api("POST", "/api/rollouts/plan", headers, body);

describe("before any scan", () => {
  it("asks for a plan only of an operator, as a migration's plan", async () => {
    expect((await plan({}, {})).status).toBe(401);
    const approver = await plan({}, as("ana@contoso.com", ROLES.approver));
    expect(approver.status).toBe(403);
    expect(approver.body.error.reason).toContain(ROLES.operator);
  });

  it("answers 400 naming every bad field of the policy, and `now`", async () => {
    const refused = await plan({
      cadenceDays: 0,
      windows: { byTag: [{ tag: "prod", start: "25:00", durationHours: 1 }] },
      colour: "blue",
      now: "2026-02-30",
    });
    expect(refused.status).toBe(400);
    const problems: string[] = refused.body.error.problems;
    for (const field of [
      "now:",
      "cadenceDays:",
      "windows.byTag.0.tag:",
      "windows.byTag.0.start:",
      "(body): unknown field(s) colour",
    ]) {
      expect(
        problems.some((problem) => problem.startsWith(field)),
        field,
      ).toBe(true);
    }
    expect((await plan("{not json")).body.error.reason).toBe("the body is not JSON");
    expect((await plan([1])).status).toBe(400);
  });

  it("answers 409 with what to do: the plan and the compliance report need an inventory", async () => {
    const planned = await plan({});
    expect(planned.status).toBe(409);
    expect(planned.body.error.reason).toMatch(/run a scan first/);
    const compliance = await api("GET", "/api/reports/compliance");
    expect(compliance.status).toBe(409);
    expect(compliance.body.error.reason).toMatch(/run a scan first/);
  });
});

describe("with an inventory, migrations and audit trails", () => {
  const fleet = reportFleet();
  const prices = shippedPrices();
  const migrationId = "migration:legacy:apps:1";

  beforeAll(async () => {
    await recordScan(state, fleet);
    await state.migrations.save(
      anEndedMigration(prices, migrationId, "2026-11-10T06:00:00.000Z", {
        vmSize: "Standard_D4ds_v5",
        overlapNodeHours: 12,
        drainingSeconds: 2700,
      }),
    );
    await state.audit.append(anAuditRecord({ id: `${migrationId}|create-pool|intent`, migrationId }));
  });

  it("answers the plan `plan --format json` gives for the same fleet, policy and day", async () => {
    const policyFile = { maxPoolsInFlight: 1, freezes: [{ from: "2026-12-20", to: "2027-01-03" }] };
    const answer = await plan({ ...policyFile, now: "2026-11-27" });
    expect(answer.status).toBe(200);
    const parsed = parseRolloutPolicy(policyFile);
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    const expected = planRollout({
      now: new Date("2026-11-27T00:00:00Z"),
      clusters: fleet,
      calendar: resolveCalendar(BASE_CALENDAR, []),
      policy: parsed.policy,
      prices,
      risks: new Map(),
      history: await state.migrations.list(),
    });
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(answer.body.forecast.model.basis).toMatch(/^measured: /);
  });

  it("plans as of the clock without `now`", async () => {
    const answer = await plan({});
    expect(answer.status).toBe(200);
    expect(answer.body.now).toBe(REPORT_NOW.toISOString());
  });

  it("reports compliance: pools past end of support, the migration with its audit trail's link, removal dates", async () => {
    const answer = await api("GET", "/api/reports/compliance");
    expect(answer.status).toBe(200);
    expect(answer.body.generatedAt).toBe(REPORT_NOW.toISOString());
    expect(answer.body.pastEndOfSupport.map((p: Json) => `${p.cluster}/${p.pool}`)).toEqual(["legacy/apps"]);
    const [migration] = answer.body.migrations;
    expect(migration).toMatchObject({
      id: migrationId,
      outcome: "succeeded",
      audit: { records: 1, verified: true },
    });
    const trail = await api("GET", migration.audit.url);
    expect(trail.status).toBe(200);
    expect(trail.body).toMatchObject({ id: migrationId, count: 1, verification: { ok: true } });
    expect(answer.body.removalDates.length).toBeGreaterThan(0);
    expect((await api("GET", "/api/reports/compliance?format=xml")).status).toBe(400);
  });

  it("reports cost per migration and month, and the yearly rotation with its assumptions", async () => {
    const answer = await api("GET", "/api/reports/cost");
    expect(answer.status).toBe(200);
    expect(answer.body.migrations).toEqual([
      expect.objectContaining({
        id: migrationId,
        completedAt: "2026-11-10T06:00:00.000Z",
        overlapNodeHours: 12,
      }),
    ]);
    expect(answer.body.months).toEqual([
      expect.objectContaining({ month: "2026-11", migrations: 1, overlapNodeHours: 12 }),
    ]);
    expect(answer.body.yearlyRotation.pools).toBe(3);
    expect(answer.body.yearlyRotation.assumptions.length).toBeGreaterThan(0);
  });
});
