// The migrations API in the embedded host over HTTP, with its state in a SQLite file the test reads and
// writes through the product's own repositories: who is asking (no mode, malformed header, missing role,
// local mode announced), the checks on a request to act (the requester, a gate not awaited, an ended
// migration, a decision the wait does not take, a second answer), answers raised through the real
// Durable client to a stand-in instance, racing approvals, bad bodies, and starting a migration.

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RunningHost } from "../../local/host/host.ts";
import type { LogRecord } from "../../local/host/logger.ts";
import { migrationInstanceId } from "../../orchestrations/contracts/instance-ids.ts";
import { MIGRATION_EVENTS } from "../../orchestrations/contracts/pool-migration.contract.ts";
import type { StateRepositories } from "../../shared/composition.ts";
import { approvalPolicyOf } from "../../shared/domain/access/approval-policy.ts";
import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { ROLES, type Role } from "../../shared/domain/access/principal.ts";
import type { Awaiting, MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import { aMigrationRecord, aStuckPod } from "../support/migration-fixtures.ts";
import { aCluster, aPool, poolSnapshots } from "../support/pool-fixtures.ts";
import { type MigrationsApp, startMigrationsApp } from "./migrations-app-host.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const OLGA = "olga@contoso.com"; // the requester in the fixtures (id 0c6f-operator, a different id)
const ANA = "ana@contoso.com";
const BEN = "ben@contoso.com";

let app: MigrationsApp;
let host: RunningHost;
let state: StateRepositories;
let logs: LogRecord[];
let records = 0;

beforeAll(async () => {
  app = await startMigrationsApp("info", { AUTH_MODE: "local" });
  ({ host, state, logs } = app);
});

afterAll(() => app?.stop());

/** The x-ms-client-principal of a person with these roles, as `migrations --as` builds it. */
function as(name: string, ...roles: Role[]): Record<string, string> {
  return { "x-ms-client-principal": Buffer.from(localClientPrincipal(name, roles)).toString("base64") };
}

/** As `as`, for a member of these Entra groups. */
function asMember(name: string, groups: string[], ...roles: Role[]): Record<string, string> {
  return {
    "x-ms-client-principal": Buffer.from(localClientPrincipal(name, roles, groups)).toString("base64"),
  };
}

/** The header of the migration's requester (OLGA, under the record's requester id) holding `role`. */
function asRequester(record: MigrationRecord, role: Role): Record<string, string> {
  const principal = {
    auth_typ: "aad",
    name_typ: "name",
    role_typ: "roles",
    claims: [
      { typ: "oid", val: record.requestedBy.id },
      { typ: "name", val: OLGA },
      { typ: "roles", val: role },
    ],
  };
  return { "x-ms-client-principal": Buffer.from(JSON.stringify(principal)).toString("base64") };
}

async function api(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const response = await fetch(`${host.origin}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Json) : undefined,
  };
}

const post = (path: string, headers: Record<string, string>, body?: unknown) =>
  api("POST", path, headers, body);
const path = (id: string, action = "") => `/api/migrations/${encodeURIComponent(id)}${action}`;

/** A migration saved as the orchestration saves it, waiting at `awaiting` (unless null), under a fresh id. */
async function aMigration(
  awaiting: Partial<Awaiting> | null = {},
  overrides: Partial<MigrationRecord> = {},
): Promise<MigrationRecord> {
  const id = `migration:aks-prod-eus:batch:${String(++records).padStart(4, "0")}`;
  const record = aMigrationRecord({
    id,
    phase: "awaiting-start",
    awaiting: awaiting && {
      gate: "start",
      nonce: `nonce-${records}`,
      since: "2026-01-10T09:05:00.000Z",
      evidence: { findings: [] },
      accepts: ["approve", "reject"],
      role: ROLES.approver,
      notBy: "0c6f-operator",
      ...awaiting,
    },
    ...overrides,
  });
  await state.migrations.save(record);
  return record;
}

const waitingInstance = (id: string, event?: string) => app.waitingInstance(id, event);
/** What the stand-in received. */
const raised = (id: string): Promise<Json> => app.raised(id);

/** Ana's decision about pod batch/`name` at a stuck drain of migration `id`. */
const decideOn = (id: string) => (decision: string, name: string) =>
  post(path(id, "/decisions"), as(ANA, ROLES.approver), { decision, pod: { namespace: "batch", name } });

describe("who is asking", () => {
  beforeEach(() => {
    process.env.AUTH_MODE = "local";
  });

  it("refuses every write when no identity source is configured, and still serves reads", async () => {
    process.env.AUTH_MODE = "";
    const { id } = await aMigration();
    const write = await post(path(id, "/approvals"), as(ANA, ROLES.approver), {
      gate: "start",
      decision: "approve",
    });
    expect(write.status).toBe(401);
    expect(write.body.error.reason).toBe(
      "no identity source is configured (AUTH_MODE): the service acts for nobody",
    );
    expect(write.headers.get("x-identity-mode")).toBeNull();
    expect((await api("GET", path(id))).status).toBe(200);
  });

  it("refuses a missing or malformed header with the reason, and a caller without the role naming it", async () => {
    const { id } = await aMigration();
    const approve = (headers: Record<string, string>) =>
      post(path(id, "/approvals"), headers, { gate: "start", decision: "approve" });
    expect((await approve({})).body.error).toEqual({
      status: 401,
      reason: "sign in first: the request has no x-ms-client-principal header",
    });
    expect((await approve({ "x-ms-client-principal": "not base64!" })).body.error).toEqual({
      status: 401,
      reason: "x-ms-client-principal is not base64 of JSON",
    });
    const noClaims = Buffer.from(JSON.stringify({ auth_typ: "aad", name_typ: "n", role_typ: "r" })).toString(
      "base64",
    );
    expect((await approve({ "x-ms-client-principal": noClaims })).body.error).toEqual({
      status: 401,
      reason: "x-ms-client-principal's claims are not a list of {typ, val} strings",
    });
    // A proxy in front relays someone who is not on this machine: local mode does not trust them.
    expect(
      (await approve({ ...as(ANA, ROLES.approver), "x-forwarded-for": "203.0.113.7" })).body.error,
    ).toEqual({
      status: 401,
      reason: "local identity mode trusts callers on this machine only",
    });
    expect((await approve(as(ANA, ROLES.operator))).body.error).toEqual({
      status: 403,
      reason: `${ANA} does not hold the role LifecycleApprover this action needs`,
    });
    expect((await state.migrations.get(id))?.awaiting).not.toBeNull();
  });

  it("announces local mode on every answer, refusals and reads alike, and logs it once", async () => {
    const { id } = await aMigration();
    const answers = [
      await api("GET", "/api/migrations"),
      await api("GET", path("migration:nobody")),
      await post(path(id, "/pause"), {}),
      await post(path(id, "/approvals"), as(ANA, ROLES.approver), "{"),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 404, 401, 400]);
    for (const answer of answers) expect(answer.headers.get("x-identity-mode")).toBe("local");
    expect(logs.filter((record) => /AUTH_MODE is local/.test(record.msg))).toHaveLength(1);
  });
});

describe("answering a gate", () => {
  it("raises the answer with the wait's nonce at the instance, audits it, and never shows the nonce", async () => {
    const record = await aMigration();
    await waitingInstance(record.id);
    const shown = await api("GET", path(record.id));
    expect(shown.body.awaiting).toEqual({
      gate: "start",
      since: "2026-01-10T09:05:00.000Z",
      evidence: { findings: [] },
      accepts: ["approve", "reject"],
      role: ROLES.approver,
    });
    expect(JSON.stringify(shown.body)).not.toContain(record.awaiting?.nonce);

    const answer = await post(path(record.id, "/approvals"), as(ANA, ROLES.approver), {
      gate: "start",
      decision: "approve",
      comment: "window agreed",
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      id: record.id,
      statusUrl: path(record.id),
      result: "gate start: approve",
    });
    expect(await raised(record.id)).toEqual({
      eventName: MIGRATION_EVENTS.answer,
      event: {
        gate: "start",
        nonce: record.awaiting?.nonce,
        answer: { decision: "approve" },
        by: ANA,
        byId: ANA,
        comment: "window agreed",
        at: answer.body.at,
      },
    });
    const audit = await state.audit.list(record.id);
    expect(
      audit.map(({ stage, actor, action, target, reason, result }) => ({
        stage,
        actor,
        action,
        target,
        reason,
        result,
      })),
    ).toEqual([
      {
        stage: "intent",
        actor: ANA,
        action: "approve",
        target: "gate start",
        reason: "window agreed",
        result: undefined,
      },
      {
        stage: "outcome",
        actor: ANA,
        action: "approve",
        target: "gate start",
        reason: "window agreed",
        result: "succeeded",
      },
    ]);
    // The request's record keeps what the approver was shown, and never the wait's nonce.
    expect(audit[0]?.evidence).toEqual({
      phase: "awaiting-start",
      awaiting: { gate: "start", since: "2026-01-10T09:05:00.000Z", evidence: { findings: [] } },
    });
    expect(JSON.stringify(audit)).not.toContain(record.awaiting?.nonce);
  });

  it("forbids the requester to approve their own migration's gate (403), and audits the refusal", async () => {
    const record = await aMigration();
    const answer = await post(path(record.id, "/approvals"), asRequester(record, ROLES.approver), {
      gate: "start",
      decision: "approve",
    });
    expect(answer.body.error).toEqual({
      status: 403,
      reason: `rule "not the requester": ${OLGA} requested this migration, so someone else must answer its gate "start"`,
    });
    const [, outcome] = await state.audit.list(record.id);
    expect(outcome?.result).toBe(`refused: ${answer.body.error.reason}`);
  });

  it("refuses with 409 what the migration does not await: no wait, another gate, an ended one, a decision not offered", async () => {
    const idle = await aMigration(null, { phase: "creating-pool" });
    const cutover = await aMigration({ gate: "cutover" }, { phase: "awaiting-cutover" });
    const ended = await aMigration(null, { phase: "done", outcome: "rejected" });
    const stuck = await aMigration(
      { gate: "decision", accepts: ["retry", "skip-pod", "rollback"] },
      { phase: "draining" },
    );
    const approve = (id: string) =>
      post(path(id, "/approvals"), as(ANA, ROLES.approver), { gate: "start", decision: "approve" });
    expect((await approve(idle.id)).body.error).toEqual({
      status: 409,
      reason: `migration ${idle.id} awaits no answer now (phase creating-pool)`,
    });
    expect((await approve(cutover.id)).body.error).toEqual({
      status: 409,
      reason: `migration ${cutover.id} awaits gate "cutover", not "start"`,
    });
    expect((await approve(ended.id)).body.error).toEqual({
      status: 409,
      reason: `migration ${ended.id} has ended (rejected): nothing to act on`,
    });
    expect((await post(path(ended.id, "/rollback"), as(BEN, ROLES.operator))).body.error.status).toBe(409);
    const deletePod = await post(path(stuck.id, "/decisions"), as(ANA, ROLES.approver), {
      decision: "delete-pod",
      pod: { namespace: "batch", name: "job-7" },
    });
    expect(deletePod.body.error).toEqual({
      status: 409,
      reason: `gate "decision" accepts retry, skip-pod, rollback, not delete-pod`,
    });
    expect((await approve("migration:nobody")).body.error).toEqual({
      status: 404,
      reason: "no migration migration:nobody",
    });
  });

  it("lets exactly one of two racing approvals through; the other is told who answered", async () => {
    const record = await aMigration();
    await waitingInstance(record.id);
    const [first, second] = await Promise.all(
      [ANA, BEN].map((name) =>
        post(path(record.id, "/approvals"), as(name, ROLES.approver), { gate: "start", decision: "approve" }),
      ),
    );
    const statuses = [first?.status, second?.status].sort();
    expect(statuses).toEqual([202, 409]);
    const winner = first?.status === 202 ? ANA : BEN;
    const loser = first?.status === 202 ? second : first;
    expect(loser?.body.error.reason).toBe(`already answered by ${winner} (approve)`);
    expect((await raised(record.id)).event.by).toBe(winner);
  });

  it("takes back an answer it could not deliver (503), so it can be given again", async () => {
    const record = await aMigration();
    const approve = () =>
      post(path(record.id, "/approvals"), as(ANA, ROLES.approver), { gate: "start", decision: "reject" });
    const undelivered = await approve();
    expect(undelivered.status).toBe(503);
    expect(undelivered.body.error.reason).toBe("the migration could not be reached: try again");
    await waitingInstance(record.id);
    expect((await approve()).status).toBe(202);
    expect((await raised(record.id)).event.answer).toEqual({ decision: "reject" });
  });

  it("carries a stuck drain's decision with the pod named, only one the wait lists, and a resume as the paused gate's answer", async () => {
    const stuck = await aMigration({
      gate: "decision",
      evidence: { node: "aks-batch-0", stuck: [aStuckPod("job-7"), aStuckPod("job-9")] },
      accepts: ["retry", "skip-pod", "delete-pod", "rollback"],
    });
    await waitingInstance(stuck.id);
    const decide = decideOn(stuck.id);
    expect((await decide("delete-pod", "web-1")).body.error).toEqual({
      status: 409,
      reason: "batch/web-1 is not a stuck pod of this wait: delete-pod may name batch/job-7, batch/job-9",
    });
    const decided = await decide("skip-pod", "job-9");
    expect(decided.status).toBe(202);
    expect((await raised(stuck.id)).event).toMatchObject({
      gate: "decision",
      answer: { decision: "skip-pod", pod: { namespace: "batch", name: "job-9" } },
    });

    const paused = await aMigration({ gate: "paused", accepts: ["resume"], role: ROLES.operator });
    await waitingInstance(paused.id);
    const resumed = await post(path(paused.id, "/resume"), as(BEN, ROLES.operator), { comment: "fixed" });
    expect(resumed.status).toBe(202);
    expect((await raised(paused.id)).event).toMatchObject({
      gate: "paused",
      answer: { decision: "resume" },
      by: BEN,
    });
  });

  it("force-deletes only a pod stuck Terminating, and only when asked to: a plain delete-pod of one is refused", async () => {
    const terminating = { ...aStuckPod("db-0"), reason: "terminating-past-grace", detail: "Terminating" };
    const stuck = await aMigration({
      gate: "decision",
      evidence: { node: "aks-batch-0", stuck: [aStuckPod("job-7"), terminating] },
      accepts: ["retry", "skip-pod", "delete-pod", "force-delete-pod", "rollback"],
    });
    await waitingInstance(stuck.id);
    const decide = decideOn(stuck.id);
    expect((await decide("delete-pod", "db-0")).body.error).toEqual({
      status: 409,
      reason:
        "batch/db-0 is stuck terminating-past-grace, which takes skip-pod or force-delete-pod: delete-pod may name batch/job-7",
    });
    expect((await decide("force-delete-pod", "job-7")).body.error).toEqual({
      status: 409,
      reason:
        "batch/job-7 is stuck eviction-blocked, which takes skip-pod or delete-pod: force-delete-pod may name batch/db-0",
    });
    expect((await decide("force-delete-pod", "db-0")).status).toBe(202);
    expect((await raised(stuck.id)).event).toMatchObject({
      answer: { decision: "force-delete-pod", pod: { namespace: "batch", name: "db-0" } },
    });
  });

  it("lets the requester resume their own pause, even where the wait names them as notBy", async () => {
    const paused = await aMigration({ gate: "paused", accepts: ["resume"], role: ROLES.operator });
    expect(paused.awaiting?.notBy).toBe(paused.requestedBy.id);
    await waitingInstance(paused.id);
    const resumed = await post(path(paused.id, "/resume"), asRequester(paused, ROLES.operator), {
      comment: "my pause, over",
    });
    expect(resumed.status).toBe(202);
    expect((await raised(paused.id)).event).toMatchObject({ gate: "paused", by: OLGA });
  });

  it("raises pause and rollback as control events", async () => {
    const record = await aMigration(null, { phase: "draining" });
    await waitingInstance(record.id, MIGRATION_EVENTS.control);
    const rollback = await post(path(record.id, "/rollback"), as(BEN, ROLES.operator), {
      comment: "pods failing",
    });
    expect(rollback.status).toBe(202);
    expect(await raised(record.id)).toEqual({
      eventName: MIGRATION_EVENTS.control,
      event: { action: "rollback", by: BEN, reason: "pods failing", at: rollback.body.at },
    });
  });

  it("stops the node drains the record lists, so a pause is acted on between their rounds", async () => {
    const drain = `migration:aks-prod-eus:batch:drains:drain-${records}`;
    const record = await aMigration(null, { phase: "draining", draining: [drain, `${drain}.gone`] });
    await waitingInstance(record.id, MIGRATION_EVENTS.control);
    await waitingInstance(drain, MIGRATION_EVENTS.stop);
    const paused = await post(path(record.id, "/pause"), as(BEN, ROLES.operator), { comment: "look first" });
    expect(paused.status).toBe(202);
    expect((await raised(record.id)).event).toMatchObject({ action: "pause" });
    // The listed drain that has ended (never started here) is not a failure of the pause.
    expect(await raised(drain)).toEqual({ eventName: MIGRATION_EVENTS.stop, event: { at: paused.body.at } });
  });
});

describe("a cluster's approval policy", () => {
  const GROUP = "7b0f6c2e-1d3a-4c5b-9e8f-0a1b2c3d4e5f";
  const twoApprovers = approvalPolicyOf({ "lifecycle-approvals": "2" }, []);
  const approve = (id: string, headers: Record<string, string>, comment = "") =>
    post(path(id, "/approvals"), headers, { gate: "start", decision: "approve", comment });

  it("opens a two-approver gate on the second distinct approver, naming both; the first is told it waits", async () => {
    const record = await aMigration({}, { approvalPolicy: twoApprovers });
    await waitingInstance(record.id);
    const first = await approve(record.id, as(ANA, ROLES.approver), "looks fine");
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      result: "gate start: approve: approval 1 of 2 recorded; the gate opens on another approver's approval",
      approvalsRequired: 2,
    });
    const shown = await api("GET", path(record.id));
    expect(shown.body.approvalPolicy).toEqual(twoApprovers);
    expect(shown.body.awaiting.approvals).toEqual([{ by: ANA, at: first.body.at, comment: "looks fine" }]);
    expect((await host.getClient().getStatus(record.id)).runtimeStatus).toBe("Running");

    const replay = await approve(record.id, as(ANA, ROLES.approver));
    expect(replay.body.error).toEqual({
      status: 409,
      reason: `rule "two approvers": ${ANA} has approved gate "start" already; it opens on another approver's approval`,
    });
    const second = await approve(record.id, as(BEN, ROLES.approver), "agreed");
    expect(second.status).toBe(202);
    expect(second.body.result).toBe("gate start: approve");
    const { event } = await raised(record.id);
    expect(event).toMatchObject({
      by: BEN,
      byId: BEN,
      approvedBy: [
        { id: ANA, name: ANA },
        { id: BEN, name: BEN },
      ],
      comment: "agreed",
    });
    const results = (await state.audit.list(record.id)).filter((entry) => entry.stage === "outcome");
    expect(results.map((entry) => [entry.actor, entry.result])).toEqual([
      [ANA, "succeeded: approval 1 of 2 recorded; the gate opens on another approver's approval"],
      [ANA, `refused: ${replay.body.error.reason}`],
      [BEN, "succeeded"],
    ]);
    // Who acted by id as well as by name, and who opened the gate together.
    expect(results.every((entry) => entry.actorId === entry.actor)).toBe(true);
    expect(results.at(-1)?.evidence).toEqual({
      approvedBy: [
        { id: ANA, name: ANA },
        { id: BEN, name: BEN },
      ],
    });
  });

  it("lets two racing approvers open a two-approver gate once, both told it succeeded", async () => {
    const record = await aMigration({}, { approvalPolicy: twoApprovers });
    await waitingInstance(record.id);
    const answers = await Promise.all([ANA, BEN].map((name) => approve(record.id, as(name, ROLES.approver))));
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    const { event } = await raised(record.id);
    expect(event.approvedBy.map((approver: Json) => approver.name).sort()).toEqual([ANA, BEN]);
  });

  it("takes one approver's rejection at a two-approver gate", async () => {
    const record = await aMigration({}, { approvalPolicy: twoApprovers });
    await waitingInstance(record.id);
    const rejection = await post(path(record.id, "/approvals"), as(ANA, ROLES.approver), {
      gate: "start",
      decision: "reject",
      comment: "not this week",
    });
    expect(rejection.body.result).toBe("gate start: reject");
    expect((await raised(record.id)).event).toMatchObject({ by: ANA, answer: { decision: "reject" } });
  });

  it("lets only members of the cluster's approver groups approve, and says which rule refused", async () => {
    const record = await aMigration(
      {},
      { approvalPolicy: approvalPolicyOf({ "lifecycle-approvers": GROUP }, []) },
    );
    await waitingInstance(record.id);
    const outsider = await approve(record.id, asMember(ANA, ["another-group"], ROLES.approver));
    expect(outsider.body.error).toEqual({
      status: 403,
      reason: `rule "approver groups": ${ANA} is in none of the groups cluster tag lifecycle-approvers names (${GROUP})`,
    });
    const member = await approve(record.id, asMember(BEN, [GROUP], ROLES.approver));
    expect(member.status).toBe(202);
    expect((await raised(record.id)).event.by).toBe(BEN);
  });
});

describe("reading migrations", () => {
  it("lists them newest first by filter, in the API's shape, and refuses unknown filters", async () => {
    const ended = await aMigration(null, {
      phase: "done",
      outcome: "rolled-back",
      requestedAt: "2027-01-01T00:00:00.000Z",
    });
    const active = await aMigration(null, { phase: "draining", requestedAt: "2027-01-02T00:00:00.000Z" });
    const list = async (query: string) => (await api("GET", `/api/migrations?${query}`)).body;
    const rolledBack = await list("outcome=rolled-back&cluster=aks-prod-eus&pool=batch");
    expect(rolledBack.migrations.map((m: Json) => m.id)).toEqual([ended.id]);
    expect(Object.keys(rolledBack.migrations[0]).sort()).toEqual(
      [
        "awaiting",
        "blockers",
        "cluster",
        "clusterId",
        "history",
        "id",
        "nodes",
        "options",
        "outcome",
        "phase",
        "pool",
        "requestedAt",
        "requestedBy",
        "targetOsSku",
        "updatedAt",
      ].sort(),
    );
    expect(rolledBack.migrations[0].requestedBy).toEqual({ id: "0c6f-operator", name: OLGA });
    const activeIds = (await list("outcome=active")).migrations.map((m: Json) => m.id);
    expect(activeIds[0]).toBe(active.id);
    expect(activeIds).not.toContain(ended.id);
    expect((await api("GET", "/api/migrations?outcome=done")).body.error.reason).toBe(
      'outcome "done" is not one of succeeded, rolled-back, rejected, expired, failed, active',
    );
    expect((await api("GET", "/api/migrations?state=active")).status).toBe(400);
  });
});

describe("a migration's audit log", () => {
  it("returns the chain in order with its verification, and 404 for an unknown migration", async () => {
    const record = await aMigration();
    await post(path(record.id, "/approvals"), asRequester(record, ROLES.approver), {
      gate: "start",
      decision: "approve",
    });
    const shown = await api("GET", path(record.id, "/audit"));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: record.id, count: 2, verification: { ok: true } });
    expect(shown.body.records.map((r: Json) => [r.sequence, r.stage, r.action])).toEqual([
      [1, "intent", "approve"],
      [2, "outcome", "approve"],
    ]);
    expect(shown.body.records[1].previousHash).toBe(shown.body.records[0].hash);
    expect(await api("GET", path("migration:nobody", "/audit"))).toMatchObject({
      status: 404,
      body: { error: { status: 404, reason: "no migration migration:nobody" } },
    });
    expect((await api("GET", `${path(record.id, "/audit")}?from=1`)).status).toBe(400);
  });
});

describe("bad bodies", () => {
  it("answers 400 naming the field", async () => {
    const { id } = await aMigration();
    const approver = as(ANA, ROLES.approver);
    const operator = as(BEN, ROLES.operator);
    const reason = async (route: string, headers: Record<string, string>, body: unknown) => {
      const answer = await post(route, headers, body);
      expect(answer.status).toBe(400);
      return answer.body.error.reason;
    };
    expect(await reason(path(id, "/approvals"), approver, "{not json")).toBe("the body is not JSON");
    expect(await reason(path(id, "/approvals"), approver, { gate: "start", decision: "yes" })).toBe(
      'decision: Invalid option: expected one of "approve"|"reject", got "yes"',
    );
    expect(
      await reason(path(id, "/approvals"), approver, { gate: "start", decision: "approve", by: OLGA }),
    ).toBe("(body): unknown field(s) by");
    expect(await reason(path(id, "/decisions"), approver, { decision: "skip-pod" })).toBe(
      "pod: skip-pod needs the pod, {namespace, name}",
    );
    expect(
      await reason("/api/migrations", operator, {
        cluster: "aks-prod-eus",
        pool: 5,
        targetOsSku: "AzureLinux3",
      }),
    ).toMatch(/^pool: /);
    expect(
      await reason("/api/migrations", operator, {
        cluster: "aks-prod-eus",
        pool: "batch",
        targetOsSku: "AzureLinux3",
        options: { batchSize: 0 },
      }),
    ).toBe('options.batchSize must be "auto" or a whole number from 1 to 10, not 0');
  });
});

describe("starting a migration", () => {
  const twin = (subscription: string) =>
    aCluster(
      {
        name: "aks-twin",
        subscriptionId: subscription,
        id: `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-twin`,
      },
      [aPool({ name: "batch" })],
    );
  const unique = aCluster({ name: "aks-prod-eus" }, [aPool({ name: "batch" })]);

  beforeAll(async () => {
    const now = new Date("2026-01-10T02:00:00Z");
    await state.inventory.beginScan("2026-01-10", now.toISOString());
    for (const cluster of [unique, twin("sub-a"), twin("sub-b")]) {
      await state.inventory.recordCluster("2026-01-10", cluster, poolSnapshots(cluster, now));
    }
    await state.inventory.finishScan("2026-01-10", { finishedAt: now.toISOString(), incompleteReasons: [] });
  });

  const start = (cluster: string, pool = "batch") =>
    post("/api/migrations", as(BEN, ROLES.operator), { cluster, pool, targetOsSku: "AzureLinux3" });

  it("answers a plan ARM cannot be asked for (no token for it here) with 503 and the reason, not a 500", async () => {
    const plan = await post("/api/migrations/plan", as(BEN, ROLES.operator), {
      cluster: unique.id,
      pool: "batch",
      targetOsSku: "AzureLinux3",
    });
    expect(plan.status).toBe(503);
    expect(plan.headers.get("retry-after")).toBe("30");
    expect(plan.body.error.reason).toMatch(/^ARM could not be reached to plan: /);
    expect(plan.body.error.retryable).toBe(true);
  });

  it("starts one per pool, by name through the inventory, as the caller the header names", async () => {
    const id = migrationInstanceId(unique.id, "batch", 1);
    const started = await start("aks-prod-eus");
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ id, statusUrl: path(id) });
    const instance = await host.getClient().getStatus(id);
    expect(instance.input).toMatchObject({
      migrationId: id,
      clusterId: unique.id,
      pool: "batch",
      targetOsSku: "AzureLinux3",
      requestedBy: { id: BEN, name: BEN, roles: [ROLES.operator], groups: [], identityProvider: "local" },
      options: { batchSize: "auto", newPoolGrowth: "with-drain", oldPoolShrink: "with-drain" },
    });
    const [intent, outcome] = (await state.audit.list(id)).filter((r) => r.action === "request-migration");
    expect(intent).toMatchObject({ stage: "intent", actor: BEN, target: "aks-prod-eus/batch" });
    expect(intent?.evidence).toMatchObject({ clusterId: unique.id, options: { batchSize: "auto" } });
    expect(outcome).toMatchObject({ stage: "outcome", actor: BEN, result: "succeeded" });
    // Once the workflow has recorded it (its first step), a second start is refused as under way.
    await vi.waitFor(async () => expect(await state.migrations.get(id)).toBeDefined(), { timeout: 10_000 });
    const again = await start(unique.id);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ id, statusUrl: path(id) });
    expect(again.body.error.reason).toBe(`pool batch is being migrated: see ${path(id)}`);
  });

  it("answers 404 for a name the inventory does not know and 409 listing the ids of an ambiguous one", async () => {
    expect((await start("aks-nowhere")).body.error).toEqual({
      status: 404,
      reason:
        "the inventory knows no cluster named aks-nowhere with a pool batch: scan the fleet, or name the cluster by its ARM id",
    });
    expect((await start("aks-twin")).body.error).toEqual({
      status: 409,
      reason: "2 clusters named aks-twin have a pool batch: name the cluster by its ARM id",
      clusterIds: [twin("sub-a").id, twin("sub-b").id],
    });
  });

  it("starts the next attempt when the migration without an outcome has a workflow that ended, and refuses answers to it", async () => {
    const clusterId = twin("sub-a").id;
    const stale = await aMigration(
      {},
      { id: migrationInstanceId(clusterId, "batch", 1), clusterId, cluster: "aks-twin", pool: "batch" },
    );
    // Its workflow was stopped before it could record an outcome.
    await waitingInstance(stale.id);
    await host.getClient().terminate(stale.id, "stopped by hand");
    await host.waitForInstance(stale.id, { statuses: ["Terminated"] });

    const ended = { status: 409, reason: "the migration's workflow has ended (Terminated)" };
    const approve = await post(path(stale.id, "/approvals"), as(ANA, ROLES.approver), {
      gate: "start",
      decision: "approve",
    });
    expect(approve.body.error).toEqual(ended);
    expect((await post(path(stale.id, "/pause"), as(BEN, ROLES.operator))).body.error).toEqual(ended);

    const next = migrationInstanceId(clusterId, "batch", 2);
    const started = await start(clusterId);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({
      id: next,
      statusUrl: path(next),
      notes: [
        `migration ${stale.id}'s workflow ended (Terminated) without recording an outcome: this is attempt 2`,
      ],
    });
    expect((await host.getClient().getStatus(next)).input).toMatchObject({ migrationId: next, clusterId });
  });
});
