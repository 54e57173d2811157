// The rollout's decisions: what starts next under the in-flight limit, when the line stops (a failed or
// rolled-back pool at once, rejected and expired ones past the wave's threshold), and what an operator's
// resume, skip or retry does to it; spend and slack from the migrations' summaries; who may answer a
// rollout's wait, and why not.

import { describe, expect, it } from "vitest";
import { ROLES } from "../../../shared/domain/access/principal.ts";
import { type PlannedMigration, planRollout } from "../../../shared/domain/rollout/rollout-plan.ts";
import { DEFAULT_ROLLOUT_POLICY } from "../../../shared/domain/rollout/rollout-policy.ts";
import {
  answerRefusal,
  applyLineDecision,
  lineStop,
  newRolloutRecord,
  nextToStart,
  type PoolProgress,
  type RolloutAwaiting,
  type RolloutOptions,
  type RolloutRecord,
  recordPoolEnd,
  rolloutOffers,
  rolloutSpend,
  type WaveProgress,
  waveFinished,
} from "../../../shared/domain/rollout/rollout-record.ts";
import { aCluster } from "../../support/pool-fixtures.ts";
import { inputOf, ubuntu2204 } from "./rollout-fleets.ts";

const OPERATOR = { id: "op-1", name: "ana@contoso.com", roles: [], groups: [], identityProvider: "local" };

function aWave(pools: number): WaveProgress {
  return {
    index: 1,
    start: "2026-02-02T00:00:00.000Z",
    status: "running",
    pools: Array.from({ length: pools }, (_, n) => ({
      cluster: `c${n}`,
      clusterId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c${n}`,
      pool: "apps",
      targetOsSku: "AzureLinux",
      status: "pending" as const,
      migrationId: null,
      attempt: null,
      overlapNodeHours: null,
      cost: null,
      forecastCost: 10,
      deadline: "2027-03-31",
      slackDays: 400,
    })),
  };
}

function poolOf(wave: WaveProgress, n: number): PoolProgress {
  const pool = wave.pools[n];
  if (!pool) throw new Error(`wave ${wave.index} has no pool ${n}`);
  return pool;
}

const options = (overrides: Partial<RolloutOptions> = {}): RolloutOptions => ({
  failureThreshold: 1,
  waveGate: false,
  maxPoolsInFlight: 2,
  ...overrides,
});

describe("what starts next", () => {
  it("fills the in-flight limit with pending pools in plan order, and no more", () => {
    const wave = aWave(5);
    expect(nextToStart(wave, options()).map((pool) => pool.cluster)).toEqual(["c0", "c1"]);
    poolOf(wave, 0).status = "running";
    expect(nextToStart(wave, options()).map((pool) => pool.cluster)).toEqual(["c1"]);
    poolOf(wave, 1).status = "running";
    expect(nextToStart(wave, options())).toEqual([]);
    poolOf(wave, 0).status = "succeeded";
    expect(nextToStart(wave, options()).map((pool) => pool.cluster)).toEqual(["c2"]);
  });

  it("starts nothing while the line is stopped, and the wave is not finished", () => {
    const wave = aWave(3);
    poolOf(wave, 0).status = "rolled-back";
    expect(lineStop(wave, options())).toMatchObject({
      reason: "c0/apps rolled-back",
      pool: { cluster: "c0" },
    });
    expect(nextToStart(wave, options())).toEqual([]);
    poolOf(wave, 1).status = "succeeded";
    poolOf(wave, 2).status = "succeeded";
    expect(waveFinished(wave, options())).toBe(false);
  });
});

describe("the failure threshold", () => {
  it("lets a wave absorb rejected and expired pools up to it, and stops past it", () => {
    const wave = aWave(4);
    poolOf(wave, 0).status = "rejected";
    expect(lineStop(wave, options({ failureThreshold: 1 }))).toBeUndefined();
    expect(lineStop(wave, options({ failureThreshold: 0 }))?.reason).toMatch(/threshold 0/);
    poolOf(wave, 1).status = "expired";
    expect(lineStop(wave, options({ failureThreshold: 1 }))?.reason).toBe(
      "2 pools of wave 1 ended without success (threshold 1): c0/apps rejected, c1/apps expired",
    );
  });

  it("never absorbs a failed pool, whatever it is", () => {
    const wave = aWave(2);
    poolOf(wave, 1).status = "failed";
    expect(lineStop(wave, options({ failureThreshold: 10 }))?.pool?.cluster).toBe("c1");
  });
});

describe("an operator's answer to a stopped line", () => {
  it("resume: the failures stay as they ended, and no longer stop the line", () => {
    const wave = aWave(3);
    poolOf(wave, 0).status = "failed";
    applyLineDecision(wave, "resume", undefined, "learned");
    expect(poolOf(wave, 0).status).toBe("failed");
    expect(lineStop(wave, options())).toBeUndefined();
    expect(nextToStart(wave, options()).map((pool) => pool.cluster)).toEqual(["c1", "c2"]);
    // A later failure stops it again.
    poolOf(wave, 1).status = "rolled-back";
    expect(lineStop(wave, options())?.pool?.cluster).toBe("c1");
  });

  it("skip: the failed pool is skipped, the rest goes on", () => {
    const wave = aWave(2);
    poolOf(wave, 0).status = "failed";
    applyLineDecision(
      wave,
      "skip",
      { clusterId: poolOf(wave, 0).clusterId.toUpperCase(), pool: "apps" },
      "later",
    );
    expect(poolOf(wave, 0)).toMatchObject({ status: "skipped", note: "skipped after failing: later" });
    expect(nextToStart(wave, options()).map((pool) => pool.cluster)).toEqual(["c1"]);
  });

  it("retry: the failed pool is pending again, for its next attempt", () => {
    const wave = aWave(1);
    Object.assign(poolOf(wave, 0), {
      status: "rolled-back",
      migrationId: "migration:c0:apps:h:1",
      attempt: 1,
    });
    applyLineDecision(wave, "retry", poolOf(wave, 0), "");
    expect(poolOf(wave, 0)).toMatchObject({
      status: "pending",
      migrationId: null,
      targetOsSku: "AzureLinux",
    });
    expect(nextToStart(wave, options())).toHaveLength(1);
    expect(waveFinished(wave, options())).toBe(false);
  });
});

describe("a rollout record from a plan", () => {
  const plan = planRollout(
    inputOf(
      "2026-01-05",
      [aCluster({ name: "tools" }, [ubuntu2204("apps")]), aCluster({ name: "search" }, [ubuntu2204("web")])],
      { ...DEFAULT_ROLLOUT_POLICY, maxClustersPerWave: 1, maxPoolsInFlight: 1 },
    ),
  );

  it("has a wave per planned wave, every pool pending with its forecast and slack", () => {
    const record = newRolloutRecord("rollout:x", plan, options(), OPERATOR, "2026-01-05T09:00:00.000Z");
    expect(record.waves.map((wave) => wave.pools.map((pool) => pool.pool))).toEqual(
      plan.waves.map((wave) => wave.migrations.map((m) => m.pool)),
    );
    const planned = plan.waves[0]?.migrations[0] as PlannedMigration;
    expect(poolOf(record.waves[0] as WaveProgress, 0)).toMatchObject({
      status: "pending",
      forecastCost: planned.cost,
      slackDays: planned.slackDays,
      deadline: planned.deadline,
    });
    expect(record).toMatchObject({ status: "running", revision: 0, awaiting: null });
  });

  it("sums what ended migrations cost against their forecast, and the least slack", () => {
    const record = newRolloutRecord("rollout:x", plan, options(), OPERATOR, "2026-01-05T09:00:00.000Z");
    const pool = poolOf(record.waves[0] as WaveProgress, 0);
    recordPoolEnd(
      pool,
      "succeeded",
      { overlapNodeHours: 6, cost: { kind: "known", amount: 4.5, currency: "USD" } },
      new Date("2027-03-21T12:00:00Z"),
    );
    expect(pool).toMatchObject({ status: "succeeded", cost: 4.5, overlapNodeHours: 6, slackDays: 9 });
    expect(rolloutSpend(record)).toEqual({
      forecast: plan.forecast.total.cost,
      actual: 4.5,
      forecastOfEnded: pool.forecastCost ?? 0,
      overlapNodeHours: 6,
      minSlackDays: 9,
    });
  });
  it("adds a retried pool's attempts up, and counts the priced part of a partly priced cost", () => {
    const record = newRolloutRecord("rollout:x", plan, options(), OPERATOR, "2026-01-05T09:00:00.000Z");
    const pool = poolOf(record.waves[0] as WaveProgress, 0);
    const endedAt = new Date("2027-03-21T12:00:00Z");
    recordPoolEnd(pool, "failed", { overlapNodeHours: 2, cost: { kind: "known", amount: 50 } }, endedAt);
    recordPoolEnd(
      pool,
      "succeeded",
      { overlapNodeHours: 3, cost: { kind: "unknown", unknownVmSizes: ["Standard_X"], knownPart: 40 } },
      endedAt,
    );
    expect(pool).toMatchObject({ status: "succeeded", cost: 90, overlapNodeHours: 5 });
    expect(rolloutSpend(record)).toMatchObject({ actual: 90, overlapNodeHours: 5 });
  });
});

describe("what a person may answer at a rollout's wait", () => {
  const REQUESTER = { ...OPERATOR, id: "req-1", name: "rita@contoso.com", roles: [ROLES.operator] };
  const APPROVER = { ...OPERATOR, id: "ap-1", name: "ben@contoso.com", roles: [ROLES.approver] };

  function waitingAt(kind: RolloutAwaiting["kind"]): RolloutRecord {
    const plan = { waves: [], forecast: { total: { cost: 0 } }, currency: "USD" } as never;
    const record = newRolloutRecord("rollout:x", plan, options(), REQUESTER, "2026-01-05T09:00:00.000Z");
    const gate = kind === "wave-gate";
    record.awaiting = {
      kind,
      wave: 1,
      nonce: "n",
      since: "2026-01-12T00:00:00.000Z",
      reason: gate ? "wave 1 is due" : "c1/apps failed",
      accepts: gate ? ["approve"] : ["resume", "skip", "retry"],
      role: gate ? ROLES.approver : ROLES.operator,
      notBy: gate ? REQUESTER.id : "",
    };
    return record;
  }

  it("offers a stopped line's answers to operators, the requester too, and tells an approver the role", () => {
    const stopped = waitingAt("stop-the-line");
    expect(rolloutOffers(stopped, REQUESTER).map((offer) => offer.allowed)).toEqual([true, true, true]);
    expect(rolloutOffers(stopped, APPROVER)).toEqual(
      ["resume", "skip", "retry"].map((action) => ({
        action,
        allowed: false,
        reason: "ben@contoso.com does not hold the role LifecycleOperator this action needs",
      })),
    );
  });

  it("offers a wave gate to an approver who is not the requester; an application never approves", () => {
    const gated = waitingAt("wave-gate");
    expect(rolloutOffers(gated, APPROVER)).toEqual([{ action: "approve", allowed: true }]);
    const own = { ...REQUESTER, roles: [ROLES.approver] };
    expect(rolloutOffers(gated, own)).toEqual([
      { action: "approve", allowed: false, reason: answerRefusal(gated, "approve", own)?.reason },
    ]);
    expect(rolloutOffers(gated, own)[0]).toMatchObject({
      reason: expect.stringMatching(/requested this rollout/),
    });
    expect(rolloutOffers(gated, { ...APPROVER, application: true })[0]).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/^rule "people approve"/),
    });
  });

  it("offers nothing while nothing waits", () => {
    const running = { ...waitingAt("wave-gate"), awaiting: null };
    expect(rolloutOffers(running, APPROVER)).toEqual([]);
  });
});
