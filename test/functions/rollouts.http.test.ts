// The rollouts API in the embedded host over HTTP, on a virtual clock, with the state in a SQLite file
// the test writes through the product's repositories: who may start a rollout, its options' problems
// named, the same start twice refused, the record as people read it (never the wait's nonce), and the
// answers to a rollout's wait raised at a stand-in instance under its id, so the test sees exactly what
// the API sent.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { ROLLOUT_EVENTS } from "../../orchestrations/contracts/fleet-rollout.contract.ts";
import type { StateRepositories } from "../../shared/composition.ts";
import { ROLES } from "../../shared/domain/access/principal.ts";
import { newRolloutRecord, type RolloutRecord } from "../../shared/domain/rollout/rollout-record.ts";
import { REPORT_NOW, recordScan, reportFleet } from "../support/report-fixtures.ts";
import { localCaller, type MigrationsApp, startMigrationsApp } from "./migrations-app-host.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

let app: MigrationsApp;
let state: StateRepositories;
const clock = new VirtualClock(REPORT_NOW.getTime());

beforeAll(async () => {
  app = await startMigrationsApp("warn", { AUTH_MODE: "local" }, clock);
  ({ state } = app);
});

afterAll(() => app?.stop());

const as = localCaller;

const OPERATOR = as("olga@contoso.com", ROLES.operator);
const APPROVER = as("ana@contoso.com", ROLES.approver);

const api: MigrationsApp["api"] = (...request) => app.api(...request);

describe("POST /api/rollouts", () => {
  it("refuses a caller without the operator role, and names bad rollout options and policy fields", async () => {
    expect((await api("POST", "/api/rollouts", {}, {})).status).toBe(401);
    expect((await api("POST", "/api/rollouts", APPROVER, {})).status).toBe(403);
    const refused = await api("POST", "/api/rollouts", OPERATOR, {
      cadenceDays: 0,
      rollout: { failureThreshold: -1, colour: "blue" },
    });
    expect(refused.status).toBe(400);
    const problems: string[] = refused.body.error.problems;
    for (const field of ["rollout.failureThreshold:", "rollout: unknown field(s) colour", "cadenceDays:"]) {
      expect(
        problems.some((problem) => problem.startsWith(field)),
        `${field} in ${problems.join(" | ")}`,
      ).toBe(true);
    }
  });

  it("answers 409 before any scan", async () => {
    const refused = await api("POST", "/api/rollouts", OPERATOR, { now: "2026-11-27" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.reason).toMatch(/run a scan first/);
  });

  it("starts the plan for the inventory once: the same request again is a 409; both are audited", async () => {
    await recordScan(state, reportFleet());
    const request = { now: "2026-11-27", maxPoolsInFlight: 1, rollout: { waveGate: true } };
    const started = await api("POST", "/api/rollouts", OPERATOR, request);
    expect(started.status).toBe(202);
    const { id } = started.body;
    expect(id).toMatch(/^rollout:[0-9a-f]{16}$/);
    expect(started.body.migrations).toBeGreaterThan(0);
    const again = await api("POST", "/api/rollouts", OPERATOR, request);
    expect(again.status).toBe(409);
    expect(again.body.error.reason).toMatch(/started already/);

    await app.host.waitForInstance(id, { statuses: ["Running"] });
    const read = await api("GET", `/api/rollouts/${encodeURIComponent(id)}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id,
      requestedBy: { name: "olga@contoso.com" },
      options: { failureThreshold: 1, waveGate: true, maxPoolsInFlight: 1 },
    });
    expect(read.body.plan.waves.length).toBe(read.body.waves.length);
    // The service's clock (virtual here), not the machine's.
    expect(Date.parse(read.body.asOf)).toBeGreaterThanOrEqual(Date.parse(read.body.updatedAt));
    expect(Date.parse(read.body.asOf)).toBeLessThanOrEqual(clock.now());
    expect(read.body.spend).toMatchObject({ forecast: read.body.plan.forecast.total.cost, actual: 0 });
    const listed = await api("GET", "/api/rollouts");
    expect(listed.body.rollouts.map((rollout: Json) => rollout.id)).toContain(id);

    const trail = await api("GET", `/api/rollouts/${encodeURIComponent(id)}/audit`);
    const requests = trail.body.records.filter((record: Json) => record.action === "request-rollout");
    expect(requests.map((record: Json) => [record.stage, record.result ?? null])).toEqual([
      ["intent", null],
      ["outcome", "succeeded"],
      ["intent", null],
      ["outcome", expect.stringMatching(/^refused: the rollout exists/)],
    ]);
    expect(trail.body.verification.ok).toBe(true);
    await app.host.getClient().terminate(id, "the test is done with it");
  });
});

describe("answers to a rollout's wait", () => {
  let rollouts = 0;

  /** A stopped or gated rollout's record, and a stand-in instance under its id waiting for the answer. */
  async function waiting(kind: "stop-the-line" | "wave-gate"): Promise<RolloutRecord> {
    const id = `rollout:stand-in-${++rollouts}`;
    const requester = {
      id: "olga@contoso.com",
      name: "olga@contoso.com",
      roles: [],
      groups: [],
      identityProvider: "local",
    };
    const plan = { waves: [], forecast: { total: { cost: 0 } }, currency: "USD" } as never;
    const record: RolloutRecord = {
      ...newRolloutRecord(
        id,
        plan,
        { failureThreshold: 0, waveGate: true, maxPoolsInFlight: 1 },
        requester,
        REPORT_NOW.toISOString(),
      ),
      status: kind === "wave-gate" ? "awaiting-wave" : "stopped",
      revision: 3,
      awaiting: {
        kind,
        wave: 1,
        nonce: `nonce-${rollouts}`,
        since: REPORT_NOW.toISOString(),
        reason: kind === "wave-gate" ? "wave 1 is due" : "ubuntu/web failed",
        ...(kind === "stop-the-line" && { pool: { clusterId: "/subscriptions/s/x/ubuntu", pool: "web" } }),
        accepts: kind === "wave-gate" ? ["approve"] : ["resume", "skip", "retry"],
        role: kind === "wave-gate" ? ROLES.approver : ROLES.operator,
        notBy: kind === "wave-gate" ? requester.id : "",
      },
    };
    await state.rollouts.save(record);
    await app.waitingInstance(id, ROLLOUT_EVENTS.answer);
    return record;
  }

  const path = (record: RolloutRecord, action: string) =>
    `/api/rollouts/${encodeURIComponent(record.id)}/${action}`;

  it("resumes with a note, raising the wait's nonce; never shows the nonce", async () => {
    const record = await waiting("stop-the-line");
    const read = await api("GET", `/api/rollouts/${encodeURIComponent(record.id)}`);
    expect(JSON.stringify(read.body)).not.toContain("nonce-");
    const noNote = await api("POST", path(record, "resume"), OPERATOR, {});
    expect(noNote.status).toBe(400);
    expect(noNote.body.error.reason).toMatch(/a resume keeps a note/);
    expect((await api("POST", path(record, "approve"), APPROVER, {})).status).toBe(409);
    const resumed = await api("POST", path(record, "resume"), OPERATOR, { note: "the PDB is fixed" });
    expect(resumed.status).toBe(202);
    expect(await app.raised(record.id)).toEqual({
      eventName: ROLLOUT_EVENTS.answer,
      event: expect.objectContaining({
        nonce: record.awaiting?.nonce,
        decision: "resume",
        note: "the PDB is fixed",
        by: "olga@contoso.com",
      }),
    });
  });

  it("opens a wave gate for an approver who is not the requester", async () => {
    const record = await waiting("wave-gate");
    expect((await api("POST", path(record, "approve"), OPERATOR, {})).status).toBe(403);
    const own = await api("POST", path(record, "approve"), as("olga@contoso.com", ROLES.approver), {});
    expect(own.status).toBe(403);
    expect(own.body.error.reason).toMatch(/requested this rollout/);
    expect((await api("POST", path(record, "skip"), OPERATOR, {})).status).toBe(409);
    const approved = await api("POST", path(record, "approve"), APPROVER, { note: "go" });
    expect(approved.status).toBe(202);
    expect(await app.raised(record.id)).toMatchObject({
      event: { decision: "approve", by: "ana@contoso.com" },
    });
  });

  it("tells each person what they may answer and, for what they may not, the reason the answer would get", async () => {
    const stopped = await waiting("stop-the-line");
    const offersOf = (record: RolloutRecord, caller: Record<string, string> | undefined) =>
      api("GET", `/api/rollouts/${encodeURIComponent(record.id)}/offers`, caller);
    expect((await offersOf(stopped, undefined)).status).toBe(401);
    expect((await api("GET", "/api/rollouts/rollout:none/offers", OPERATOR)).status).toBe(404);
    const operator = await offersOf(stopped, OPERATOR);
    expect(operator.status).toBe(200);
    expect(operator.body).toEqual({
      id: stopped.id,
      by: "olga@contoso.com",
      answers: [
        { action: "resume", allowed: true },
        { action: "skip", allowed: true },
        { action: "retry", allowed: true },
      ],
    });
    const approver = await offersOf(stopped, APPROVER);
    const refused = await api("POST", path(stopped, "skip"), APPROVER, {});
    expect(refused.status).toBe(403);
    expect(approver.body.answers[1]).toEqual({
      action: "skip",
      allowed: false,
      reason: refused.body.error.reason,
    });

    const gated = await waiting("wave-gate");
    const requester = as("olga@contoso.com", ROLES.approver);
    const own = await offersOf(gated, requester);
    const ownRefused = await api("POST", path(gated, "approve"), requester, {});
    expect(own.body.answers).toEqual([
      { action: "approve", allowed: false, reason: ownRefused.body.error.reason },
    ]);
    expect(own.body.answers[0].reason).toMatch(/requested this rollout/);
    expect((await offersOf(gated, APPROVER)).body.answers).toEqual([{ action: "approve", allowed: true }]);
  });

  it("answers 404 for a rollout it does not know", async () => {
    expect((await api("POST", "/api/rollouts/rollout:none/resume", OPERATOR, { note: "n" })).status).toBe(
      404,
    );
    expect((await api("GET", "/api/rollouts/rollout:none")).status).toBe(404);
  });
});
