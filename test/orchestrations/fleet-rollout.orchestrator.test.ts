// fleet-rollout on the orchestration harness: the real rollout and pool-migration orchestrators through
// the real durable-functions replay over weeks of virtual time, fake activities (each pool's migration
// an in-place update whose gate "start" a person approves), and operators played by a script that
// answers the rollout's waits when its record says it waits (as the HTTP side would: nonce from the record).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DurableClient } from "durable-functions";
import { describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { EventType } from "../../local/host/durable-history.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import {
  type CheckRolloutPoolInput,
  type FleetRolloutInput,
  ROLLOUT_EVENTS,
  type RolloutAnswerEvent,
} from "../../orchestrations/contracts/fleet-rollout.contract.ts";
import { migrationInstanceId } from "../../orchestrations/contracts/instance-ids.ts";
import {
  type GateAnswerEvent,
  MIGRATION_EVENTS,
} from "../../orchestrations/contracts/pool-migration.contract.ts";
import type { MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import { applyRecordChange } from "../../shared/domain/migration/record-changes.ts";
import type { AuditRecord } from "../../shared/domain/ports/migrations.ts";
import { planRollout, type RolloutPlan } from "../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY, type RolloutPolicy } from "../../shared/domain/rollout/rollout-policy.ts";
import {
  applyRolloutChange,
  type RolloutChange,
  type RolloutDecision,
  type RolloutOptions,
  type RolloutRecord,
} from "../../shared/domain/rollout/rollout-record.ts";
import { type ActivityFakes, fakeActivities } from "../support/activity-fakes.ts";
import { aMigrationPlan } from "../support/migration-fixtures.ts";
import { useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { aCluster } from "../support/pool-fixtures.ts";
import { inputOf, ubuntu2204 } from "../unit/rollout/rollout-fleets.ts";

const harness = useOrchestrationHarness({ start: "2026-01-05T09:00:00Z" });

const REQUESTER = {
  id: "oid-rita",
  name: "rita@contoso.com",
  roles: ["LifecycleOperator" as const],
  groups: [],
  identityProvider: "aad",
};

/** Clusters c0, c1, ... each with the named pools; one cluster a wave unless the policy says otherwise. */
function planOf(pools: string[][], policy: Partial<RolloutPolicy> = {}): RolloutPlan {
  const clusters = pools.map((names, n) =>
    aCluster(
      { name: `c${n}` },
      names.map((name) => ubuntu2204(name)),
    ),
  );
  return planRollout(
    inputOf("2026-01-05", clusters, {
      ...DEFAULT_ROLLOUT_POLICY,
      maxClustersPerWave: 1,
      maxPoolsInFlight: 2,
      ...policy,
    }),
  );
}

let rollouts = 0;

function inputFor(plan: RolloutPlan, options: Partial<RolloutOptions> = {}): FleetRolloutInput {
  return {
    rolloutId: `rollout:test${++rollouts}`,
    plan,
    options: { failureThreshold: 1, waveGate: false, maxPoolsInFlight: 2, ...options },
    requestedBy: REQUESTER,
    requestedAt: "2026-01-05T09:00:00.000Z",
  };
}

type Answer = { decision: RolloutDecision; note?: string; by?: string; byId?: string };

interface WorldOptions {
  /** Pools ("c1/apps") whose preflight fails, for their first n attempts. */
  failing?: Record<string, number>;
  /** Pools whose gate "start" people reject. */
  rejected?: string[];
  /** Clusters whose check says skip, and why. */
  skip?: Record<string, string>;
  /** Audit records whose append keeps failing (the store unreachable for good). */
  auditFails?: (record: AuditRecord) => boolean;
  /** Clusters whose check throws (ARM unreachable) its first n times, retries included. */
  unreachable?: Record<string, number>;
  /** Pools the check reports as unplanned, by cluster. */
  unplanned?: Record<string, string[]>;
  /** The Durable client people's answers go through: the harness's unless given. */
  client?: () => DurableClient;
  /** Answers to the rollout's waits by kind: for each wait in turn, the answers people send it. */
  answers?: Partial<Record<"stop-the-line" | "wave-gate", Answer[][]>>;
}

function world(options: WorldOptions = {}) {
  const client = options.client ?? (() => harness.client);
  const rolloutRecords: RolloutRecord[] = [];
  const migrations = new Map<string, MigrationRecord>();
  const answered = new Set<string>();
  const attempts = new Map<string, number>();
  const audit: AuditRecord[] = [];
  const notices: string[] = [];
  const checks: CheckRolloutPoolInput[] = [];
  const changes: RolloutChange[] = [];
  const keyOf = (clusterId: string, pool: string) =>
    `${clusterId.slice(clusterId.lastIndexOf("/") + 1)}/${pool}`;
  const fakes: ActivityFakes = {
    "save-rollout": async (change) => {
      changes.push(change);
      const record = applyRolloutChange(rolloutRecords.at(-1), structuredClone(change));
      if (!record) return null;
      rolloutRecords.push(record);
      const awaiting = record.awaiting;
      if (!awaiting || answered.has(awaiting.nonce)) return null;
      answered.add(awaiting.nonce);
      const [instance] = await harness.running("fleet-rollout");
      for (const [n, next] of (options.answers?.[awaiting.kind]?.shift() ?? []).entries()) {
        const event: RolloutAnswerEvent = {
          nonce: awaiting.nonce,
          decision: next.decision,
          note: next.note ?? "",
          by: next.by ?? "omar@contoso.com",
          byId: next.byId ?? "oid-omar",
          at: new Date(Date.parse(record.updatedAt) + n).toISOString(),
        };
        await client().raiseEvent(instance as string, ROLLOUT_EVENTS.answer, event);
      }
      return null;
    },
    "record-audit": (record) => {
      if (options.auditFails?.(record)) throw new Error("the audit store is unreachable");
      audit.push(record);
      return null;
    },
    "notify-rollout": ({ id }) => {
      notices.push(id);
      return null;
    },
    "notify-migration": () => null,
    "check-rollout-pool": (input) => {
      const { clusterId, pool } = input;
      checks.push(input);
      const cluster = clusterId.slice(clusterId.lastIndexOf("/") + 1);
      const unreachable = options.unreachable?.[cluster] ?? 0;
      if (unreachable > 0) {
        (options.unreachable as Record<string, number>)[cluster] = unreachable - 1;
        throw new Error(`${cluster}: ARM answered 503`);
      }
      const unplanned = (options.unplanned?.[cluster] ?? []).map((name) => ({ pool: name, why: "new" }));
      const why = options.skip?.[cluster];
      if (why) return { kind: "skip", why, unplanned };
      const attempt = (attempts.get(keyOf(clusterId, pool)) ?? 0) + 1;
      attempts.set(keyOf(clusterId, pool), attempt);
      return { kind: "ready", attempt, unplanned };
    },
    "plan-migration": ({ clusterId, pool, targetOsSku }) => {
      const key = keyOf(clusterId, pool);
      const failures = options.failing?.[key] ?? 0;
      if ((attempts.get(key) ?? 0) <= failures) throw new Error(`${key}: the API server refused`);
      const { newPool: _none, ...plan } = aMigrationPlan({
        clusterId,
        pool,
        targetOsSku,
        strategy: { chosen: "in-place", reasons: ["a test"] },
      });
      return plan;
    },
    "save-migration": async (change) => {
      const record = applyRecordChange(migrations.get(change.id), change) as MigrationRecord;
      migrations.set(change.id, record);
      const awaiting = record.awaiting;
      if (!awaiting || answered.has(awaiting.nonce)) return null;
      answered.add(awaiting.nonce);
      const reject = options.rejected?.includes(`${record.cluster}/${record.pool}`);
      const event: GateAnswerEvent = {
        gate: awaiting.gate,
        nonce: awaiting.nonce,
        answer: { decision: reject ? "reject" : "approve" },
        by: "ana@contoso.com",
        byId: "oid-ana",
        comment: "",
        at: record.updatedAt,
      };
      await client().raiseEvent(record.id, MIGRATION_EVENTS.answer, event);
      return null;
    },
    "request-pool-change": () => ({ kind: "accepted", operation: "op-1" }),
    "poll-pool": () => ({ status: "succeeded" }),
    "validate-pool": ({ pool, targetOsSku }) => ({
      ok: true,
      settled: true,
      nodes: [{ name: `${pool}-0`, ready: true, osSku: targetOsSku, quarantined: false }],
      daemonSets: [],
      problems: [],
    }),
  };
  const last = () => rolloutRecords.at(-1) as RolloutRecord;
  const poolsOf = () => last().waves.flatMap((wave) => wave.pools);
  return { fakes, rolloutRecords, audit, notices, checks, changes, last, poolsOf };
}

describe("fleet-rollout", () => {
  it("runs the waves in order on their days, each pool under its migration's own instance id", async () => {
    const plan = planOf([["apps"], ["apps"], ["apps", "jobs"]]);
    expect(plan.waves).toHaveLength(3);
    const { fakes, last, audit, notices, rolloutRecords, changes } = world();
    const input = inputFor(plan);
    const run = await harness.run("fleet-rollout", input, fakes);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output).toEqual({ status: "done", succeeded: 4, unsuccessful: 0, skipped: 0 });
    const expectedIds = plan.waves.flatMap((wave) =>
      wave.migrations.map((m) => migrationInstanceId(m.clusterId, m.pool, 1)),
    );
    expect(run.subOrchestrations().filter((id) => !id.includes(":drain"))).toEqual(expectedIds);
    expect(last()).toMatchObject({ status: "done", awaiting: null });
    // No wave's first migration started before the wave's day.
    for (const wave of plan.waves) {
      const started = rolloutRecords.find((record) =>
        record.history.some((line) => line.event === `wave ${wave.index} starts`),
      ) as RolloutRecord;
      expect(Date.parse(started.updatedAt)).toBeGreaterThanOrEqual(Date.parse(wave.start));
    }
    // Every migration audited before and after under the rollout's id; every communication sent once.
    const starts = audit.filter((record) => record.action === "start-migration");
    for (const id of expectedIds) {
      const stages = starts.filter((record) => record.id.includes(id)).map((record) => record.stage);
      expect(stages).toEqual(["intent", "outcome"]);
    }
    expect(new Set(audit.map((record) => record.migrationId))).toEqual(new Set([input.rolloutId]));
    expect(notices.filter((id) => id.includes(":communication:"))).toEqual(
      plan.communications.map((c) => `${input.rolloutId}:communication:${c.wave}:${c.kind}`),
    );
    // Each save sends what changed: the plan with the first only, every history line once.
    expect(changes.filter((change) => "plan" in change.set).map((change) => change.revision)).toEqual([1]);
    expect(changes.flatMap((change) => change.append)).toEqual(last().history);
    // Revisions only go up.
    const revisions = rolloutRecords.map((record) => record.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
  });

  it("stops the line when a pool fails: the running one finishes, none starts, and a resume goes on with the lesson kept", async () => {
    const plan = planOf([["apps"], ["apps", "jobs", "web"], ["apps"]]);
    const { fakes, last, rolloutRecords, poolsOf } = world({
      failing: { "c1/apps": 1 },
      answers: { "stop-the-line": [[{ decision: "resume", note: "apps needs its PDB fixed first" }]] },
    });
    const run = await harness.run("fleet-rollout", inputFor(plan, { maxPoolsInFlight: 2 }), fakes);
    expect(run.output).toEqual({ status: "done", succeeded: 4, unsuccessful: 1, skipped: 0 });
    const stopped = rolloutRecords.find((record) => record.status === "stopped") as RolloutRecord;
    expect(stopped.awaiting).toMatchObject({
      kind: "stop-the-line",
      wave: 1,
      accepts: ["resume", "skip", "retry"],
      reason: "c1/apps failed",
    });
    // When the line stopped, jobs (in flight with apps) had finished and web had not started.
    const wave1 = stopped.waves[1]?.pools.map((pool) => [pool.pool, pool.status]);
    expect(wave1).toEqual([
      ["apps", "failed"],
      ["jobs", "succeeded"],
      ["web", "pending"],
    ]);
    expect(last().lessons).toEqual([
      expect.objectContaining({ note: "apps needs its PDB fixed first", by: "omar@contoso.com" }),
    ]);
    expect(poolsOf().map((pool) => pool.status)).toEqual([
      "succeeded",
      "failed",
      "succeeded",
      "succeeded",
      "succeeded",
    ]);
  });

  it("retries the failed pool with the same target under its next attempt's id, or skips it", async () => {
    const plan = planOf([["apps"], ["apps"]]);
    const retried = world({
      failing: { "c1/apps": 1 },
      answers: { "stop-the-line": [[{ decision: "retry" }]] },
    });
    const run = await harness.run("fleet-rollout", inputFor(plan), retried.fakes);
    expect(run.output).toEqual({ status: "done", succeeded: 2, unsuccessful: 0, skipped: 0 });
    const clusterId = plan.waves[1]?.migrations[0]?.clusterId as string;
    expect(run.subOrchestrations().filter((id) => id.startsWith("migration:c1"))).toEqual([
      migrationInstanceId(clusterId, "apps", 1),
      migrationInstanceId(clusterId, "apps", 2),
    ]);
    expect(retried.poolsOf()[1]).toMatchObject({
      status: "succeeded",
      attempt: 2,
      targetOsSku: plan.waves[1]?.migrations[0]?.targetOsSku,
    });
    // The retry's look at the pool knows attempt 1's workflow ended, whatever its record says.
    expect(
      retried.checks.filter((check) => check.clusterId === clusterId).map((c) => c.endedMigrations),
    ).toEqual([[], [migrationInstanceId(clusterId, "apps", 1)]]);

    const skipped = world({
      failing: { "c0/apps": 1 },
      answers: { "stop-the-line": [[{ decision: "skip" }]] },
    });
    const second = await harness.run("fleet-rollout", inputFor(plan), skipped.fakes);
    expect(second.output).toEqual({ status: "done", succeeded: 1, unsuccessful: 0, skipped: 1 });
    expect(skipped.poolsOf()[0]?.status).toBe("skipped");
  });

  it("lets a wave absorb rejected pools up to its threshold, and stops past it", async () => {
    const plan = planOf([["apps", "jobs", "web"]]);
    const rejected = ["c0/apps", "c0/jobs"];
    const tolerant = world({ rejected: rejected.slice(0, 1) });
    const first = await harness.run("fleet-rollout", inputFor(plan, { failureThreshold: 1 }), tolerant.fakes);
    expect(first.output).toEqual({ status: "done", succeeded: 2, unsuccessful: 1, skipped: 0 });
    expect(tolerant.rolloutRecords.some((record) => record.status === "stopped")).toBe(false);

    const strict = world({ rejected, answers: { "stop-the-line": [[{ decision: "resume", note: "ok" }]] } });
    const second = await harness.run("fleet-rollout", inputFor(plan, { failureThreshold: 1 }), strict.fakes);
    expect(second.output.unsuccessful).toBe(2);
    const stopped = strict.rolloutRecords.find((record) => record.status === "stopped") as RolloutRecord;
    expect(stopped.awaiting?.reason).toMatch(/^2 pools of wave 0 ended without success \(threshold 1\)/);
  });

  it("skips a stopped cluster and reports new pools without adding them, and the rollout goes on", async () => {
    const plan = planOf([["apps"], ["apps"], ["apps"]]);
    const { fakes, last } = world({ skip: { c1: "cluster c1 is stopped" }, unplanned: { c2: ["gpu"] } });
    const run = await harness.run("fleet-rollout", inputFor(plan), fakes);
    expect(run.output).toEqual({ status: "done", succeeded: 2, unsuccessful: 0, skipped: 1 });
    expect(last().skippedClusters).toEqual([
      expect.objectContaining({ cluster: "c1", wave: 1, why: "cluster c1 is stopped" }),
    ]);
    expect(last().newPools).toEqual([expect.objectContaining({ pool: "gpu", why: "new" })]);
    expect(run.subOrchestrations().some((id) => id.startsWith("migration:c1"))).toBe(false);
  });

  it("stops the line when ARM stays unreachable past the check's retries; a retry looks again and goes on", async () => {
    const plan = planOf([["apps"], ["apps"]]);
    const { fakes, rolloutRecords, poolsOf, audit } = world({
      unreachable: { c1: 3 },
      answers: { "stop-the-line": [[{ decision: "retry" }]] },
    });
    const run = await harness.run("fleet-rollout", inputFor(plan), fakes);
    expect(run.output).toEqual({ status: "done", succeeded: 2, unsuccessful: 0, skipped: 0 });
    const stopped = rolloutRecords.find((record) => record.status === "stopped") as RolloutRecord;
    expect(stopped.waves[1]?.pools[0]).toMatchObject({
      status: "failed",
      note: expect.stringMatching(/^the look at its cluster failed: .*503/),
    });
    expect(poolsOf().map((pool) => pool.status)).toEqual(["succeeded", "succeeded"]);
    expect(audit.filter((record) => record.action === "check-pool")).toEqual([
      expect.objectContaining({ result: "failed: the line stops", target: "c1/apps" }),
    ]);
  });

  it("ends failed, saying why, when a step fails past its retries; no wait is left open", async () => {
    const plan = planOf([["apps"], ["apps"]]);
    const { fakes, last, audit } = world({
      auditFails: (record) => record.action === "start-migration" && record.target === "c1/apps",
    });
    const run = await harness.run("fleet-rollout", inputFor(plan), fakes);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output).toEqual({ status: "failed", succeeded: 1, unsuccessful: 0, skipped: 0 });
    expect(last()).toMatchObject({ status: "failed", awaiting: null });
    expect(last().history.at(-1)?.event).toMatch(
      /^the rollout could not go on: .*the audit store is unreachable$/,
    );
    expect(audit.at(-1)).toMatchObject({ action: "start-rollout", stage: "outcome", result: "failed" });
  });

  it("waits at each wave's gate for an approver who is not the requester", async () => {
    const plan = planOf([["apps"], ["apps"]]);
    const { fakes, rolloutRecords } = world({
      answers: {
        "wave-gate": [
          [
            { decision: "approve", by: REQUESTER.name, byId: REQUESTER.id },
            { decision: "approve", note: "go" },
            { decision: "approve", note: "me too", by: "zoe@contoso.com", byId: "oid-zoe" },
          ],
          [{ decision: "approve", note: "go" }],
        ],
      },
    });
    const run = await harness.run("fleet-rollout", inputFor(plan, { waveGate: true }), fakes);
    expect(run.output.succeeded).toBe(2);
    const history = (rolloutRecords.at(-1) as RolloutRecord).history.map((line) => line.event);
    expect(history).toContain("wave-gate: an answer by the requester is not counted");
    expect(history.filter((line) => line.startsWith("wave-gate of wave")).length).toBe(2);
    // Zoe answered the same wait a moment after: noted, not acted on.
    expect(history).toContain("approve by zoe@contoso.com came to no open wait: not acted on");
  });
});

describe("fleet-rollout across a host restart", () => {
  const HARNESS_APP = new URL("../support/orchestration-harness-app.ts", import.meta.url).pathname;

  it("keeps waiting on a wave's start weeks away (a timer longer than the backend's) and runs the wave when due", async () => {
    const plan = planOf([["apps"], ["apps"]], { cadenceDays: 28 });
    const waveStart = Date.parse(plan.waves[1]?.start as string);
    const dataDir = mkdtempSync(join(tmpdir(), "rollout-restart-"));
    const options = (virtualStart: number) =>
      ({ app: HARNESS_APP, port: 0, dataDir, clock: "virtual", virtualStart, logLevel: "none" }) as const;
    let host: RunningHost = await startHost(options(Date.parse("2026-01-05T09:00:00Z")));
    try {
      const { fakes, rolloutRecords } = world({ client: () => host.getClient() });
      fakeActivities.reset(fakes, { now: () => host.clock.now(), customStatus: async () => null });
      const id = "rollout:restart";
      const clock = host.clock as VirtualClock;
      clock.pause();
      await host.getClient().startNew("fleet-rollout", { instanceId: id, input: inputFor(plan) });
      // Time stepped by hand until wave 0 is done and only the wait for wave 1 is left.
      const waveZeroDone = () => rolloutRecords.at(-1)?.waves[0]?.status === "done";
      while (!waveZeroDone()) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const due = clock.nextDueAt;
        if (clock.openHolds === 0 && due !== undefined && due < waveStart) await clock.advanceTo(due);
      }
      const stoppedAt = clock.now();
      expect(waveStart - stoppedAt).toBeGreaterThan(6 * 86_400_000);
      await host.stop();

      host = await startHost(options(stoppedAt));
      const status = await host.waitForInstance(id);
      expect(status.runtimeStatus).toBe("Completed");
      expect(status.output).toEqual({ status: "done", succeeded: 2, unsuccessful: 0, skipped: 0 });
      const started = rolloutRecords.find((record) =>
        record.history.some((line) => line.event === "wave 1 starts"),
      ) as RolloutRecord;
      expect(Date.parse(started.updatedAt)).toBeGreaterThanOrEqual(waveStart);
      // durable-functions waited in pieces no longer than the backend's longest timer.
      const timers = host.history(id).filter((event) => event.EventType === EventType.TimerCreated);
      expect(timers.length).toBeGreaterThan(1);
    } finally {
      await host.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
