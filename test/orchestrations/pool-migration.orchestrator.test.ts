// pool-migration and node-drain on the orchestration harness: the real orchestrators through the real
// durable-functions replay, fake activities, and people played by a script that answers each gate when
// the migration's record says it waits for it (as the HTTP side would: gate and nonce from the record).

import { describe, expect, it } from "vitest";
import type {
  GateAnswerEvent,
  PoolMigrationInput,
} from "../../orchestrations/contracts/pool-migration.contract.ts";
import { MIGRATION_EVENTS } from "../../orchestrations/contracts/pool-migration.contract.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import { approvalPolicyOf } from "../../shared/domain/access/approval-policy.ts";
import { CUT_RULES } from "../../shared/domain/migration/drain-batches.ts";
import type { NodePod } from "../../shared/domain/migration/drain-progress.ts";
import type { MigrationOptions } from "../../shared/domain/migration/migration-options.ts";
import type { MigrationPlan } from "../../shared/domain/migration/migration-plan.ts";
import type {
  GateDecision,
  GateName,
  MigrationRecord,
} from "../../shared/domain/migration/migration-record.ts";
import type { PoolSurvey } from "../../shared/domain/migration/pool-survey.ts";
import { applyRecordChange, type RecordChange } from "../../shared/domain/migration/record-changes.ts";
import type { EvictionOutcome } from "../../shared/domain/ports/node-operations.ts";
import { evictPod } from "../../shared/migration/node-drain.ts";
import { type ActivityFakes, wrapFake } from "../support/activity-fakes.ts";
import { aMigrationInput, aMigrationPlan } from "../support/migration-fixtures.ts";
import { useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { useSqliteFiles } from "../support/state-stores.ts";

const harness = useOrchestrationHarness();
const sqlite = useSqliteFiles();

const CLUSTER_ID =
  "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-prod";
const OLD_NODES = ["aks-batch-0", "aks-batch-1"];
const planOf = (overrides: Partial<MigrationPlan> = {}) =>
  aMigrationPlan({
    clusterId: CLUSTER_ID,
    cluster: "aks-prod",
    pool: "batch",
    drainOrder: OLD_NODES,
    ...overrides,
  });
const NEW_NODES = ["aks-batchal3-0", "aks-batchal3-1"];

let migrations = 0;

/** The seed's procedure, which most tests here follow: node by node, the old pool kept whole to the end. */
const NODE_BY_NODE = { batchSize: 1, newPoolGrowth: "up-front", oldPoolShrink: "at-end" } as const;

function inputOf(options: Partial<MigrationOptions> = {}): PoolMigrationInput {
  return aMigrationInput(`migration:aks-prod:batch:test${++migrations}`, CLUSTER_ID, {
    ...NODE_BY_NODE,
    retentionSeconds: 3600,
    ...options,
  });
}

/** A look at the cluster now (the harness's virtual time) with no signal. */
const healthy = () => ({
  at: new Date(harness.clock.now()).toISOString(),
  notReadyNodes: [],
  restartsByNode: {},
  pendingPods: [],
  failingDaemonSetPods: [],
});

function pod(name: string, extra: Partial<NodePod> = {}): NodePod {
  return {
    ref: { namespace: "batch", name, uid: `uid-${name}` },
    verdict: "okay",
    reason: "evictable",
    gracePeriodSeconds: 30,
    protectedByBudget: true,
    unmanaged: false,
    ...extra,
  };
}

/** A pool as the cordon surveys it: no budget in the way unless a test says so. */
function surveyOf(drainOrder: string[], extra: Partial<PoolSurvey> = {}): PoolSurvey {
  return {
    drainOrder,
    budgets: { perNode: {}, allowed: {} },
    count: drainOrder.length,
    mode: "User",
    controllers: [],
    watchesRetention: true,
    ...extra,
  };
}

type Script = Partial<Record<GateName, (GateDecision & { by?: string; comment?: string })[]>>;

/**
 * A cluster with two old nodes, one pod each, whose evictions succeed; people answer gates from
 * `script` (each answer once, in order; an empty list leaves the gate unanswered).
 */
function world(script: Script, records: MigrationRecord[] = []) {
  const podsOn = new Map<string, NodePod[]>(OLD_NODES.map((node, i) => [node, [pod(`worker-${i}`)]]));
  const answered = new Set<string>();
  let current: MigrationRecord | undefined;
  const hooks = {
    /** What people do when the record is saved: answer a gate it awaits, from the script. */
    onRecord: async (record: MigrationRecord): Promise<null> => {
      const awaiting = record.awaiting;
      if (!awaiting || answered.has(awaiting.nonce)) return null;
      answered.add(awaiting.nonce);
      const next = script[awaiting.gate]?.shift();
      if (!next) return null;
      const { by = "ana@contoso.com", comment = "ok", ...answer } = next;
      const event: GateAnswerEvent = {
        gate: awaiting.gate,
        nonce: awaiting.nonce,
        answer,
        by,
        byId: by,
        comment,
        at: record.updatedAt,
      };
      const [instance] = await harness.running("pool-migration");
      await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, event);
      return null;
    },
  };
  const fakes: ActivityFakes = {
    "plan-migration": () => planOf(),
    "survey-pool": ({ pool }) =>
      pool === "batch"
        ? surveyOf(OLD_NODES, { autoscaler: { minCount: 1, maxCount: 4 } })
        : surveyOf(NEW_NODES),
    "save-migration": async (change) => {
      current = applyRecordChange(current, change) ?? current;
      const record = structuredClone(current) as MigrationRecord;
      records.push(record);
      return hooks.onRecord(record);
    },
    "record-audit": () => null,
    "notify-migration": () => null,
    "request-pool-change": () => ({ kind: "accepted", operation: "op-1" }),
    "poll-pool": () => ({ status: "succeeded" }),
    "validate-pool": () => ({
      ok: true,
      settled: true,
      nodes: NEW_NODES.map((name) => ({ name, ready: true, osSku: "AzureLinux3", quarantined: false })),
      daemonSets: [],
      problems: [],
    }),
    "set-taints": (input) => ({ changed: input.nodes.length }),
    "scale-workloads": () => null,
    "workloads-ready": () => ({ ready: true, notReady: [] }),
    "observe-health": () => healthy(),
    "node-pods": ({ node }) => podsOn.get(node) ?? [],
    "evict-pod": ({ node, pod: ref }) => {
      podsOn.set(
        node,
        (podsOn.get(node) ?? []).filter((p) => p.ref.name !== ref.name),
      );
      return { kind: "evicted" };
    },
    "delete-pod": ({ pod: ref }) => {
      for (const [node, pods] of podsOn)
        podsOn.set(
          node,
          pods.filter((p) => p.ref.name !== ref.name),
        );
      return "deleted";
    },
    "account-migration": ({ overlapNodeHours }) => ({ cost: { nodeHours: overlapNodeHours } }),
  };
  return { fakes, hooks, podsOn, records };
}

/** The state store refuses every save for `forMs` from the save that first records aks-batch-0 drained. */
function storeDownOnceDrained(fakes: ActivityFakes, records: MigrationRecord[], forMs: number) {
  const save = fakes["save-migration"] as NonNullable<ActivityFakes["save-migration"]>;
  let downUntil: number | undefined;
  let refused = 0;
  fakes["save-migration"] = async (change) => {
    if (downUntil !== undefined && harness.clock.now() < downUntil) {
      refused += 1;
      throw new Error("Table Storage: 503");
    }
    const answer = await save(change);
    if (
      downUntil === undefined &&
      records.at(-1)?.history.some((h) => h.event.startsWith("drained aks-batch-0"))
    )
      downUntil = harness.clock.now() + forMs;
    return answer;
  };
  return { downUntil: () => downUntil, refused: () => refused };
}

const approveAll: () => Script = () => ({
  start: [{ decision: "approve" }],
  cutover: [{ decision: "approve" }],
});

describe("pool-migration", () => {
  it("goes from plan to the old pool deleted, every phase in order, each save a higher revision", async () => {
    const { fakes, records } = world(approveAll());
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.outcome).toBe("succeeded");
    const phases = [...new Set(records.map((r) => r.phase))];
    expect(phases).toEqual([
      "preflight",
      "awaiting-start",
      "creating-pool",
      "validating",
      "awaiting-cutover",
      "cordoning",
      "draining",
      "retention",
      "deleting-old-pool",
      "closing",
      "done",
    ]);
    const revisions = records.map((r) => r.revision);
    expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
    expect(new Set(revisions).size).toBe(revisions.length);
    const last = records.at(-1) as MigrationRecord;
    expect(last).toMatchObject({ outcome: "succeeded", nodes: { drained: 2, total: 2 }, awaiting: null });
    expect(
      run.callsOf("request-pool-change").map((c) => (c.input as { request: { kind: string } }).request.kind),
    ).toEqual([
      "create",
      "update", // the old pool's autoscaler off
      "delete",
    ]);
    expect(run.callsOf("evict-pod")).toHaveLength(2);
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "drain-1",
    ]);
    // The retention window passed on a durable timer before the delete.
    const retention = records.find((r) => r.phase === "retention") as MigrationRecord;
    const deleting = records.find((r) => r.phase === "deleting-old-pool") as MigrationRecord;
    expect(Date.parse(deleting.updatedAt) - Date.parse(retention.updatedAt)).toBeGreaterThanOrEqual(3600_000);
    expect(run.output.summary.phaseSeconds.retention).toBeGreaterThanOrEqual(3600);
    // Each save sends what changed: the request's fields once, history lines once.
    const changes = run.callsOf("save-migration").map((c) => c.input as RecordChange);
    expect(Object.keys(changes[0]?.set ?? {})).toEqual(
      expect.arrayContaining(["options", "requestedBy", "phase"]),
    );
    expect(changes.slice(1).some((c) => "options" in c.set || "requestedBy" in c.set)).toBe(false);
    const sentLines = changes.flatMap((c) => c.append);
    expect(sentLines).toEqual((records.at(-1) as MigrationRecord).history);
  });

  it("rides out a state store down for two minutes in the middle of the drain, its saves waiting", async () => {
    const { fakes, records } = world(approveAll());
    const store = storeDownOnceDrained(fakes, records, 2 * 60_000);
    const run = await harness.run("pool-migration", inputOf(NODE_BY_NODE), fakes);
    expect(store.refused()).toBeGreaterThan(0);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.outcome).toBe("succeeded");
    expect(records.at(-1)).toMatchObject({ phase: "done", outcome: "succeeded" });
  });

  it("rolls back through a state store down for an hour, and saves the migration's end once it is back", async () => {
    const { fakes, records } = world(approveAll());
    const store = storeDownOnceDrained(fakes, records, 60 * 60_000);
    const run = await harness.run("pool-migration", inputOf(NODE_BY_NODE), fakes);
    expect(store.refused()).toBeGreaterThan(0);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.outcome).toBe("failed");
    // The cluster's changes undone while the record could not say so.
    expect(run.callsOf("set-taints").at(-1)?.input).toMatchObject({ nodes: OLD_NODES, present: false });
    const last = records.at(-1) as MigrationRecord;
    expect(last).toMatchObject({ phase: "done", outcome: "failed" });
    // Every line is saved once the store is back: the rollback's among them.
    const events = last.history.map((h) => h.event);
    expect(events.some((e) => e.startsWith("rolling back: draining failed"))).toBe(true);
    expect(events.some((e) => e.startsWith("rolled back:"))).toBe(true);
    expect(Date.parse(last.updatedAt)).toBeGreaterThanOrEqual(store.downUntil() as number);
  });

  it("says how long the old pool is kept in the unit a person reads", async () => {
    const { fakes, records } = world(approveAll());
    await harness.run("pool-migration", inputOf({ retentionSeconds: 600 }), fakes);
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history).toContain("keeping batch for 10 min for a rollback, its health watched");
  });

  it("ignores an answer with another nonce or for another gate, and opens on the one it waits for", async () => {
    const records: MigrationRecord[] = [];
    const { fakes, hooks } = world({ cutover: [{ decision: "approve" }] }, records);
    const save = hooks.onRecord;
    let sentStale = false;
    hooks.onRecord = async (record) => {
      if (record.awaiting?.gate === "start" && !sentStale) {
        sentStale = true;
        const [instance] = await harness.running("pool-migration");
        const base = {
          by: "ana@contoso.com",
          comment: "",
          at: record.updatedAt,
          answer: { decision: "approve" as const },
        };
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, {
          ...base,
          gate: "start",
          nonce: "stale",
        });
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, {
          ...base,
          gate: "cutover",
          nonce: record.awaiting.nonce,
        });
        // Only then the right one.
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, {
          ...base,
          gate: "start",
          nonce: record.awaiting.nonce,
        });
      }
      return save(record);
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const history = (records.at(-1) as MigrationRecord).history;
    const startAnswers = history.filter((h) => h.event.startsWith("gate start: approve"));
    expect(startAnswers).toHaveLength(1);
    // The early cutover answer carried the start gate's nonce: it did not open the cutover gate either.
    expect(records.some((r) => r.awaiting?.gate === "cutover")).toBe(true);
  });

  it("ends as rejected when the start gate is rejected, having changed nothing", async () => {
    const { fakes } = world({ start: [{ decision: "reject", comment: "not this week" }] });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rejected");
    expect(run.callsOf("request-pool-change")).toHaveLength(0);
    expect(run.callsOf("set-taints")).toHaveLength(0);
  });

  it("reminds once past the gate's timeout, then expires at the hard limit", async () => {
    const { fakes } = world({});
    const run = await harness.run(
      "pool-migration",
      inputOf({ gateTimeoutSeconds: 3600, gateExpirySeconds: 7200 }),
      fakes,
    );
    expect(run.output.outcome).toBe("expired");
    expect(run.callsOf("notify-migration")).toHaveLength(1);
    const reminder = run.callsOf("notify-migration")[0] as { startedAt: number };
    const expired = run.calls.at(-1) as { startedAt: number };
    expect(expired.startedAt - reminder.startedAt).toBeGreaterThanOrEqual(3600_000);
  });

  it("holds blocking findings at gate override and records the override with them", async () => {
    const { fakes, records } = world({
      ...approveAll(),
      override: [{ decision: "approve", by: "olga@contoso.com", comment: "accepted risk" }],
    });
    fakes["plan-migration"] = () =>
      planOf({
        blocked: true,
        findings: [{ code: "bare-pod", severity: "blocking", detail: "batch/debug has no controller" }],
      });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(records.find((r) => r.awaiting?.gate === "override")?.awaiting?.evidence).toEqual({
      findings: [{ code: "bare-pod", severity: "blocking", detail: "batch/debug has no controller" }],
    });
    expect(run.callsOf("record-audit")[0]?.input).toMatchObject({
      action: "override",
      actor: "olga@contoso.com",
      reason: "accepted risk",
    });
    expect(run.output.summary.overrides).toEqual([
      "bare-pod: batch/debug has no controller (overridden by olga@contoso.com)",
    ]);
  });

  it("waits and asks again while ARM answers 409, then polls the operation it accepted", async () => {
    const { fakes } = world(approveAll());
    let creates = 0;
    let polls = 0;
    fakes["request-pool-change"] = ({ request }) => {
      if (request.kind === "create" && ++creates <= 2)
        return { kind: "busy", retryAfterSeconds: 30, reason: "OperationNotAllowed" };
      return { kind: "accepted", operation: `op-${request.kind}` };
    };
    fakes["poll-pool"] = ({ operation }) =>
      operation === "op-create" && ++polls < 3
        ? { status: "running", retryAfterSeconds: 20 }
        : { status: "succeeded" };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(creates).toBe(3);
    expect(polls).toBe(3);
    const steps = run.callsOf("request-pool-change").map((c) => (c.input as { step: string }).step);
    expect(steps.slice(0, 3)).toEqual(["create-pool:0", "create-pool:1", "create-pool:2"]);
  });

  it("rolls back before anything moved when validation fails: the new pool is deleted, the old one untouched", async () => {
    const { fakes } = world(approveAll());
    fakes["validate-pool"] = () => ({
      ok: false,
      settled: true,
      nodes: NEW_NODES.map((name) => ({ name, ready: true, osSku: "AzureLinux3", quarantined: false })),
      daemonSets: [
        {
          namespace: "security",
          name: "runtime-guard",
          expected: 2,
          ready: 0,
          failing: ["runtime-guard-x: CrashLoopBackOff"],
        },
      ],
      problems: ["daemonset security/runtime-guard fails on the new nodes"],
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    const kinds = run
      .callsOf("request-pool-change")
      .map((c) => (c.input as { request: { kind: string; pool?: string } }).request);
    expect(kinds).toEqual([
      expect.objectContaining({ kind: "create" }),
      { kind: "delete", pool: "batchal3" },
    ]);
    expect(run.callsOf("set-taints")).toHaveLength(0);
    expect(run.callsOf("evict-pod")).toHaveLength(0);
    expect(run.output.summary.rolledBack?.reason).toContain("runtime-guard");
  });

  it("asks a person about a stuck drain, and goes on with the pod skipped", async () => {
    const { fakes, records } = world({
      ...approveAll(),
      decision: [{ decision: "skip-pod", pod: { namespace: "batch", name: "worker-0" } }],
    });
    const evict = fakes["evict-pod"];
    fakes["evict-pod"] = (input) =>
      input.pod.name === "worker-0"
        ? { kind: "refused", status: 500, reason: "more than one PodDisruptionBudget" }
        : (evict as NonNullable<typeof evict>)(input);
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const decision = records.find((r) => r.awaiting?.gate === "decision");
    expect(decision?.awaiting?.evidence).toMatchObject({
      node: "aks-batch-0",
      stuck: [{ pod: { name: "worker-0" }, reason: "refused" }],
    });
    expect(decision?.blockers[0]).toContain("worker-0");
    expect(run.callsOf("notify-migration")).toHaveLength(1);
    expect(run.callsOf("delete-pod")).toHaveLength(0);
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "drain-0.1",
      "drain-1",
    ]);
  });

  it("retries a 429 on durable timers up to the deadline and never turns it into a delete", async () => {
    const { fakes, records } = world({
      ...approveAll(),
      decision: [{ decision: "rollback", comment: "the budget is wrong" }],
    });
    fakes["evict-pod"] = () => ({
      kind: "blocked",
      retryAfterSeconds: 10,
      reason: "Cannot evict pod as it would violate the pod's disruption budget.",
    });
    const run = await harness.run("pool-migration", inputOf({ drainTimeoutSeconds: 600 }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.callsOf("delete-pod")).toHaveLength(0);
    const evictions = run.callsOf("evict-pod");
    expect(evictions.length).toBeGreaterThan(3);
    // Evicted again and again until the deadline, then a person is asked (only then).
    const asked = records.find((r) => r.awaiting?.gate === "decision")?.awaiting;
    expect(Date.parse(asked?.since ?? "") - (evictions[0]?.startedAt ?? 0)).toBeGreaterThanOrEqual(600_000);
    expect(evictions.every((call) => call.startedAt < Date.parse(asked?.since ?? ""))).toBe(true);
    expect(asked?.evidence).toMatchObject({
      stuck: [{ reason: "blocked-past-deadline", protectedByBudget: true }],
    });
  });

  it("waits a throttled eviction's Retry-After and keeps the round's other outcomes: throttling is no budget's block", async () => {
    const { fakes, podsOn, records } = world({
      ...approveAll(),
      decision: [{ decision: "skip-pod", pod: { namespace: "batch", name: "audit-0" } }],
    });
    podsOn.get("aks-batch-0")?.push(pod("audit-0"));
    const evict = fakes["evict-pod"] as NonNullable<ActivityFakes["evict-pod"]>;
    let throttled = false;
    fakes["evict-pod"] = (input): EvictionOutcome => {
      if (input.pod.name === "audit-0") return { kind: "refused", status: 403, reason: "forbidden" };
      if (input.pod.name === "worker-0" && !throttled) {
        throttled = true;
        return { kind: "throttled", retryAfterSeconds: 30 };
      }
      return evict(input) as EvictionOutcome;
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const evictionsOf = (name: string) =>
      run.callsOf("evict-pod").filter((c) => (c.input as { pod: { name: string } }).pod.name === name);
    const worker0 = evictionsOf("worker-0");
    expect(worker0).toHaveLength(2);
    expect((worker0[1]?.startedAt ?? 0) - (worker0[0]?.startedAt ?? 0)).toBeGreaterThanOrEqual(30_000);
    // The sibling refused in the throttled round is reported, and only it: the throttled pod is not held.
    expect(records.find((r) => r.awaiting?.gate === "decision")?.awaiting?.evidence).toEqual({
      node: "aks-batch-0",
      stuck: [expect.objectContaining({ pod: { namespace: "batch", name: "audit-0" }, reason: "refused" })],
    });
    expect(evictionsOf("audit-0")).toHaveLength(1);
  });

  it("rolls back on a health signal that persists: the taint comes off, the autoscaler back, pods drained back", async () => {
    const { fakes } = world(approveAll());
    let looks = 0;
    fakes["observe-health"] = () => {
      looks += 1;
      return looks < 2 ? healthy() : { ...healthy(), notReadyNodes: ["aks-batchal3-1"] };
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    const taints = run.callsOf("set-taints").map((c) => c.input as { nodes: string[]; present: boolean });
    expect(taints).toEqual([
      expect.objectContaining({ nodes: OLD_NODES, present: true }),
      expect.objectContaining({ nodes: NEW_NODES, present: true }),
      expect.objectContaining({ nodes: OLD_NODES, present: false }),
    ]);
    const pools = run.callsOf("request-pool-change").map((c) => (c.input as { request: unknown }).request);
    expect(pools).toEqual([
      expect.objectContaining({ kind: "create" }),
      {
        kind: "update",
        pool: "batch",
        changes: { enableAutoScaling: false, minCount: null, maxCount: null },
      },
      { kind: "update", pool: "batch", changes: { enableAutoScaling: true, minCount: 1, maxCount: 4 } },
      { kind: "delete", pool: "batchal3" },
    ]);
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "back1-0",
      "back1-1",
    ]);
    expect(run.output.summary.rolledBack?.reason).toContain("aks-batchal3-1");
  });

  /** From the second look on, a new pod Pending past its grace every 4 minutes, for two hours. */
  function flapping(fakes: ActivityFakes) {
    let looks = 0;
    let from: number | undefined;
    fakes["observe-health"] = () => {
      looks += 1;
      if (looks < 2) return healthy();
      from ??= harness.clock.now();
      const into = harness.clock.now() - from;
      // None lasts the 5 minutes to persist.
      if (into >= 2 * 3600_000) return healthy();
      const pod = `batch/flapping-${Math.floor(into / 240_000)}`;
      return {
        ...healthy(),
        pendingPods: [{ pod, since: new Date(harness.clock.now() - 150_000).toISOString() }],
      };
    };
  }

  it("rolls back when signals keep coming at the health gate, each clearing in time but never all at once", async () => {
    const { fakes } = world(approveAll());
    flapping(fakes);
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.reason).toMatch(/signals have held the health gate for 15 min/);
  });

  it("waits out signals that keep coming at the gate for a survey stored before that rule (an older history)", async () => {
    const { fakes } = world(approveAll());
    flapping(fakes);
    wrapFake(fakes, "survey-pool", async (input, survey) => {
      const { watchesRetention: _, ...older } = await survey(input);
      return older;
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
  });

  it("does not count a pod Pending that was created during the retention window: not the migration's doing", async () => {
    const setup = world(approveAll());
    const watch = notReadyInRetention(setup, "aks-batchal3-1", Number.POSITIVE_INFINITY, 0);
    const observe = setup.fakes["observe-health"] as NonNullable<ActivityFakes["observe-health"]>;
    setup.fakes["observe-health"] = async (input) => {
      const look = await observe(input);
      const into = harness.clock.now() - watch.retentionFrom();
      if (!(into >= 10 * 60_000)) return look;
      // Someone's new deployment, unschedulable, from 10 minutes into the window.
      const since = new Date(watch.retentionFrom() + 10 * 60_000).toISOString();
      return { ...look, pendingPods: [{ pod: "other/unschedulable", since }] };
    };
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 3600 }), setup.fakes);
    expect(run.output.outcome).toBe("succeeded");
  });

  it("rolls back through an audit store down for five minutes: the old nodes' taint comes off once it is back", async () => {
    const { fakes } = world(approveAll());
    let looks = 0;
    fakes["observe-health"] = () => {
      looks += 1;
      return looks < 2 ? healthy() : { ...healthy(), notReadyNodes: ["aks-batchal3-1"] };
    };
    let downUntil: number | undefined;
    wrapFake(fakes, "set-taints", (input, setTaints) => {
      if (input.present) return setTaints(input);
      downUntil ??= harness.clock.now() + 5 * 60_000;
      if (harness.clock.now() < downUntil) throw new Error("audit store: 503");
      return setTaints(input);
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.restored).toContain("taint removed from 2 old nodes");
  });

  it("lets a signal that clears within its grace time go on", async () => {
    const { fakes } = world(approveAll());
    let looks = 0;
    fakes["observe-health"] = () => {
      looks += 1;
      return looks === 2
        ? {
            ...healthy(),
            pendingPods: [
              { pod: "batch/worker-0b", since: new Date(harness.clock.now() - 180_000).toISOString() },
            ],
          }
        : healthy();
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(looks).toBeGreaterThan(3);
  });

  it("rolls back when asked during the retention window, while the old pool still serves", async () => {
    const { fakes, hooks } = world(approveAll());
    const save = hooks.onRecord;
    let asked = false;
    hooks.onRecord = async (record) => {
      if (record.phase === "retention" && !asked) {
        asked = true;
        const [instance] = await harness.running("pool-migration");
        const control = {
          action: "rollback",
          by: "oscar@contoso.com",
          reason: "error rate up",
          at: record.updatedAt,
        };
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.control, control);
      }
      return save(record);
    };
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 4 * 3600 }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.reason).toBe("error rate up");
    const pools = run
      .callsOf("request-pool-change")
      .map((c) => (c.input as { request: { kind: string; pool?: string } }).request);
    expect(pools.filter((r) => r.kind === "delete")).toEqual([{ kind: "delete", pool: "batchal3" }]);
    expect(run.callsOf("set-taints").at(-1)?.input).toMatchObject({
      nodes: OLD_NODES,
      present: false,
      actor: "oscar@contoso.com",
    });
    // Cut short: far less than the four hours of retention passed.
    expect(run.output.summary.phaseSeconds.retention ?? 0).toBeLessThan(3600);
  });

  /** Looks at the cluster find `node` NotReady from `from` to `until` ms into the retention window. */
  function notReadyInRetention(setup: ReturnType<typeof world>, node: string, from: number, until: number) {
    const save = setup.hooks.onRecord;
    let retentionFrom: number | undefined;
    setup.hooks.onRecord = async (record: MigrationRecord) => {
      if (record.phase === "retention") retentionFrom ??= harness.clock.now();
      return save(record);
    };
    /** When each look from the retention window's start on was taken, in ms into it. */
    const looks: number[] = [];
    setup.fakes["observe-health"] = () => {
      if (retentionFrom === undefined) return healthy();
      const into = harness.clock.now() - retentionFrom;
      looks.push(into);
      return into >= from && into < until ? { ...healthy(), notReadyNodes: [node] } : healthy();
    };
    return { looks, retentionFrom: () => retentionFrom as number };
  }

  it("rolls back on a signal that appears and persists during the retention window", async () => {
    const setup = world(approveAll());
    notReadyInRetention(setup, "aks-batchal3-1", 20 * 60_000, Number.POSITIVE_INFINITY);
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 4 * 3600 }), setup.fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.reason).toMatch(
      /health signal persisted: node aks-batchal3-1 is NotReady/,
    );
    const deletes = run
      .callsOf("request-pool-change")
      .map((c) => (c.input as { request: { kind: string; pool?: string } }).request)
      .filter((r) => r.kind === "delete");
    expect(deletes).toEqual([{ kind: "delete", pool: "batchal3" }]);
    // Seen at the next look (every 15 minutes), followed every 30 s, rolled back once it persisted 5 minutes.
    expect(run.output.summary.phaseSeconds.retention ?? 0).toBeLessThanOrEqual(30 * 60 + 5 * 60 + 60);
  });

  it("deletes the old pool only once a signal seen at the retention window's end has cleared", async () => {
    const setup = world(approveAll());
    const hour = 3600_000;
    const watch = notReadyInRetention(setup, "aks-batchal3-1", hour - 60_000, hour + 3 * 60_000);
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 3600 }), setup.fakes);
    expect(run.output.outcome).toBe("succeeded");
    const deleteOld = run
      .callsOf("request-pool-change")
      .find(
        (c) =>
          (c.input as { request: { kind: string; pool?: string } }).request.pool === "batch" &&
          (c.input as { request: { kind: string } }).request.kind === "delete",
      );
    expect(deleteOld?.startedAt).toBeGreaterThanOrEqual(watch.retentionFrom() + hour + 3 * 60_000);
    // A look every 15 minutes through the hour, then every 30 s until the signal cleared.
    expect(watch.looks.filter((into) => into < hour)).toEqual(
      [15, 30, 45].map((minutes) => minutes * 60_000),
    );
    expect(watch.looks.filter((into) => into >= hour && into <= hour + 3 * 60_000).length).toBeGreaterThan(5);
  });

  it("asks a person once about a signal that persists through retention, and again once it came back", async () => {
    const setup = world({ ...approveAll(), decision: [{ decision: "retry" }, { decision: "retry" }] });
    const watch = notReadyInRetention(setup, "aks-batchal3-1", 10 * 60_000, 60 * 60_000);
    // NotReady again from the second hour on, once it had cleared: a new signal for the person.
    const observe = setup.fakes["observe-health"] as NonNullable<ActivityFakes["observe-health"]>;
    setup.fakes["observe-health"] = async (input) => {
      const look = await observe(input);
      const into = harness.clock.now() - watch.retentionFrom();
      return into >= 2 * 3600_000 ? { ...look, notReadyNodes: ["aks-batchal3-1"] } : look;
    };
    const run = await harness.run(
      "pool-migration",
      inputOf({ retentionSeconds: 4 * 3600, rollback: "approval" }),
      setup.fakes,
    );
    expect(run.output.outcome).toBe("succeeded");
    const gates = setup.records.flatMap((r) => (r.awaiting?.gate === "decision" ? [r.awaiting.nonce] : []));
    expect(new Set(gates).size).toBe(2);
  });

  it("looks again when a look at the health signals fails in the retention window, rather than rolling back", async () => {
    const setup = world(approveAll());
    const watch = notReadyInRetention(setup, "aks-batchal3-1", Number.POSITIVE_INFINITY, 0);
    const observe = setup.fakes["observe-health"] as NonNullable<ActivityFakes["observe-health"]>;
    setup.fakes["observe-health"] = async (input) => {
      const into = harness.clock.now() - watch.retentionFrom();
      // The API server unreachable for two minutes, 15 minutes in.
      if (into >= 15 * 60_000 && into < 17 * 60_000) throw new Error("the API server is unreachable");
      return observe(input);
    };
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 3600 }), setup.fakes);
    expect(run.output.outcome).toBe("succeeded");
    const events = (setup.records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(events.some((e) => e.startsWith("a look at the health signals failed"))).toBe(true);
  });

  it("keeps the bare retention wait for a survey stored before the watch (an older history replays it)", async () => {
    const setup = world(approveAll());
    const watch = notReadyInRetention(setup, "aks-batchal3-1", 0, Number.POSITIVE_INFINITY);
    wrapFake(setup.fakes, "survey-pool", async (input, survey) => {
      const { watchesRetention: _, ...older } = await survey(input);
      return older;
    });
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 3600 }), setup.fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(watch.looks.filter((into) => into < 3600_000)).toEqual([]);
  });

  it("drains nodes pods landed on one at a time before the pool's delete: no budget was counted for those pods", async () => {
    const { fakes, hooks, podsOn } = world(approveAll());
    const save = hooks.onRecord;
    let landed = false;
    hooks.onRecord = async (record) => {
      if (record.phase === "retention" && !landed) {
        landed = true;
        podsOn.get("aks-batch-0")?.push(pod("tolerant-0"));
        podsOn.get("aks-batch-1")?.push(pod("tolerant-1"));
      }
      return save(record);
    };
    const events: string[] = [];
    wrapFake(fakes, "evict-pod", (input, evict) => {
      events.push(`evict ${input.pod.name}`);
      return evict(input);
    });
    wrapFake(fakes, "node-pods", async (input, pods) => {
      const found = await pods(input);
      if (found.length === 0) events.push(`empty ${input.node}`);
      return found;
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const children = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(children.slice(-2)).toEqual(["l-0", "l-1"]);
    // The second node's landed pod is evicted only once the first node is empty again.
    expect(events.lastIndexOf("empty aks-batch-0")).toBeLessThan(events.indexOf("evict tolerant-1"));
    expect(events.indexOf("evict tolerant-0")).toBeLessThan(events.lastIndexOf("empty aks-batch-0"));
  });

  it("drains an old node again before the pool's delete when a pod landed on it during the retention", async () => {
    const { fakes, hooks, podsOn, records } = world(approveAll());
    const save = hooks.onRecord;
    hooks.onRecord = async (record) => {
      // A pod tolerating the retiring taint lands on a drained node while the old pool is kept.
      if (record.phase === "retention" && podsOn.get("aks-batch-1")?.length === 0)
        podsOn.get("aks-batch-1")?.push(pod("tolerant-job"));
      return save(record);
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "drain-1",
      "l-0",
    ]);
    const order = run.calls.map((c) => {
      const input = c.input as { pod?: { name: string }; request?: { kind: string } };
      return `${c.name}:${input.pod?.name ?? input.request?.kind ?? ""}`;
    });
    // Evicted before the pool's delete was asked, not killed with it.
    expect(order.indexOf("evict-pod:tolerant-job")).toBeGreaterThan(-1);
    expect(order.indexOf("evict-pod:tolerant-job")).toBeLessThan(order.indexOf("request-pool-change:delete"));
    expect((records.at(-1) as MigrationRecord).history.map((h) => h.event)).toContain(
      "draining aks-batch-1 again before the pool's delete: batch/tolerant-job landed on it since its drain",
    );
  });

  it("rolls back and ends as failed when a step fails for good, so the record is never left under way", async () => {
    const { fakes, records } = world(approveAll());
    fakes["observe-health"] = () => {
      throw new Error("the API server is unreachable");
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.outcome).toBe("failed");
    expect(run.output.summary.rolledBack?.reason).toContain("the API server is unreachable");
    expect(run.callsOf("set-taints").at(-1)?.input).toMatchObject({ nodes: OLD_NODES, present: false });
    expect(records.at(-1)).toMatchObject({ outcome: "failed", phase: "done" });
  });

  it("ends as failed without touching anything when the preflight cannot read the pool", async () => {
    const { fakes, records } = world(approveAll());
    fakes["plan-migration"] = () => {
      throw new Error("cluster aks-prod has no pool batch");
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("failed");
    expect(run.callsOf("request-pool-change")).toHaveLength(0);
    expect(
      (records.at(-1) as MigrationRecord).history.some((h) => h.event.includes("has no pool batch")),
    ).toBe(true);
  });

  it("hears an answer that reaches a waiter an earlier wait gave up on (the gate's reminder had fired)", async () => {
    const { fakes, hooks } = world({ cutover: [{ decision: "approve" }] });
    fakes["notify-migration"] = async (notice) => {
      // The start gate's reminder: the approver answers while the migration sends it, not waiting.
      if (notice.title.includes("start")) {
        const [instance] = await harness.running("pool-migration");
        const status = await harness.client.getStatus(instance as string);
        const record = (status.customStatus as { awaiting: { gate: string } }).awaiting;
        expect(record.gate).toBe("start");
        const saved = lastSaved.at(-1) as MigrationRecord;
        const event: GateAnswerEvent = {
          gate: "start",
          nonce: saved.awaiting?.nonce as string,
          answer: { decision: "approve" },
          by: "ana@contoso.com",
          byId: "ana@contoso.com",
          comment: "late",
          at: saved.updatedAt,
        };
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, event);
      }
      return null;
    };
    const lastSaved: MigrationRecord[] = [];
    const save = hooks.onRecord;
    hooks.onRecord = async (record) => {
      lastSaved.push(structuredClone(record));
      return save(record);
    };
    const run = await harness.run(
      "pool-migration",
      inputOf({ gateTimeoutSeconds: 600, gateExpirySeconds: 7200 }),
      fakes,
    );
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("notify-migration")).toHaveLength(1);
  });

  it("acts on a pause and a rollback asked one after the other while it was busy, losing neither", async () => {
    const { fakes } = world(approveAll());
    const setTaints = fakes["set-taints"];
    fakes["set-taints"] = async (input) => {
      if (input.step === "taint-old") {
        const [instance] = await harness.running("pool-migration");
        const control = (action: string, at: string) => ({
          action,
          by: "oscar@contoso.com",
          reason: `${action} asked`,
          at,
        });
        await harness.client.raiseEvent(
          instance as string,
          MIGRATION_EVENTS.control,
          control("pause", "2026-03-02T09:00:00.000Z"),
        );
        await harness.client.raiseEvent(
          instance as string,
          MIGRATION_EVENTS.control,
          control("rollback", "2026-03-02T09:00:01.000Z"),
        );
      }
      return (setTaints as NonNullable<typeof setTaints>)(input);
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.reason).toBe("rollback asked");
    expect(run.callsOf("evict-pod")).toHaveLength(0);
  });

  it("does not roll back once the old pool's delete was asked: a later failure ends it as failed, the new pool left as it is", async () => {
    const { fakes } = world(approveAll());
    const validate = fakes["validate-pool"];
    fakes["validate-pool"] = (input) => {
      if (input.step === "post-check") throw new Error("the API server is unreachable");
      return (validate as NonNullable<typeof validate>)(input);
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("failed");
    expect(run.output.summary.rolledBack).toBeUndefined();
    expect(run.callsOf("set-taints").map((c) => (c.input as { present: boolean }).present)).toEqual([true]);
    expect(run.subOrchestrations().some((id) => id.includes(":back"))).toBe(false);
  });

  it("never evicts a pod no controller owns: it is stuck at once, and a person's delete takes that pod by its uid", async () => {
    const script = {
      ...approveAll(),
      decision: [
        { decision: "delete-pod" as const, pod: { namespace: "batch", name: "not-stuck" } },
        { decision: "delete-pod" as const, pod: { namespace: "batch", name: "debug-shell" } },
      ],
    };
    const { fakes, podsOn, records } = world(script);
    podsOn.get("aks-batch-0")?.push(pod("debug-shell", { unmanaged: true }));
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(
      run.callsOf("evict-pod").map((c) => (c.input as { pod: { name: string } }).pod.name),
    ).not.toContain("debug-shell");
    expect(run.callsOf("delete-pod").map((c) => c.input)).toEqual([
      expect.objectContaining({
        pod: { namespace: "batch", name: "debug-shell", uid: "uid-debug-shell" },
        actor: "ana@contoso.com",
      }),
    ]);
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history).toContain("batch/not-stuck is not a stuck pod of aks-batch-0: asked again");
  });

  it("reports a pod the drain may not act on (no uid) as stuck at once, never evicting it, and goes on with it skipped", async () => {
    const { fakes, podsOn, records } = world({
      ...approveAll(),
      decision: [{ decision: "skip-pod", pod: { namespace: "batch", name: "no-uid" } }],
    });
    const refusal = "it has no uid to evict or delete it by";
    podsOn
      .get("aks-batch-0")
      ?.push(pod("no-uid", { ref: { namespace: "batch", name: "no-uid", uid: "" }, refusal }));
    wrapFake(fakes, "evict-pod", (input, evict) => {
      // As the adapter does: an effect refuses a pod without a uid.
      if (!input.pod.uid) throw new Error(`pod ${input.pod.name} has no uid to delete it by`);
      return evict(input);
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("evict-pod").map((c) => (c.input as { pod: { name: string } }).pod.name)).toEqual([
      "worker-0",
      "worker-1",
    ]);
    expect(records.find((r) => r.awaiting?.gate === "decision")?.awaiting?.evidence).toEqual({
      node: "aks-batch-0",
      stuck: [
        expect.objectContaining({
          pod: { namespace: "batch", name: "no-uid" },
          reason: "refused",
          detail: refusal,
        }),
      ],
    });
  });

  it("force-deletes a pod stuck Terminating only on a person's force-delete-pod, telling them it is forced and of a StatefulSet", async () => {
    const db0 = { namespace: "batch", name: "db-0" };
    const { fakes, podsOn, records } = world({
      ...approveAll(),
      // A delete-pod as one sent before force-delete-pod was offered: a delete with its grace period.
      decision: [
        { decision: "delete-pod", pod: db0 },
        { decision: "force-delete-pod", pod: db0 },
      ],
    });
    podsOn
      .get("aks-batch-0")
      ?.push(pod("db-0", { terminatingSince: "2026-03-02T07:00:00.000Z", statefulSet: "db" }));
    // A pod stuck Terminating ignores a delete with its grace period.
    wrapFake(fakes, "delete-pod", (input, deletePod) => (input.force ? deletePod(input) : "deleted"));
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("delete-pod").map((c) => (c.input as { force: boolean }).force)).toEqual([
      false,
      true,
    ]);
    const asked = records.flatMap((r) => (r.awaiting?.gate === "decision" ? [r.awaiting] : []));
    expect(new Set(asked.map((a) => a.nonce)).size).toBe(2);
    expect(asked[0]?.accepts).toEqual(["retry", "skip-pod", "delete-pod", "force-delete-pod", "rollback"]);
    expect(asked[0]?.evidence).toEqual({
      node: "aks-batch-0",
      stuck: [
        expect.objectContaining({
          pod: db0,
          reason: "terminating-past-grace",
          detail:
            "Terminating since 2026-03-02T07:00:00.000Z, past its grace period of 30 s: only force-delete-pod removes it, at once (grace period 0, as kubectl delete --force); it is a pod of StatefulSet batch/db: while aks-batch-0 still runs it, its replacement may run beside it with the same identity and volumes",
        }),
      ],
    });
  });

  it("does not force-delete a stuck pod that is not Terminating: the answer is noted and asked again", async () => {
    const worker0 = { namespace: "batch", name: "worker-0" };
    const { fakes, podsOn, records } = world({
      ...approveAll(),
      decision: [
        { decision: "force-delete-pod", pod: worker0 },
        { decision: "skip-pod", pod: worker0 },
        { decision: "force-delete-pod", pod: { namespace: "batch", name: "db-0" } },
      ],
    });
    podsOn.get("aks-batch-0")?.push(pod("db-0", { terminatingSince: "2026-03-02T07:00:00.000Z" }));
    wrapFake(fakes, "evict-pod", (input, evict) =>
      input.pod.name === "worker-0" ? { kind: "refused", status: 403, reason: "forbidden" } : evict(input),
    );
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("delete-pod").map((c) => c.input)).toEqual([
      expect.objectContaining({ pod: expect.objectContaining({ name: "db-0" }), force: true }),
    ]);
    expect((records.at(-1) as MigrationRecord).history.map((h) => h.event)).toContain(
      "batch/worker-0 is not stuck Terminating: not force-deleted, asked again",
    );
  });

  /** Both nodes in one batch, both stuck at once on a pod no controller owns, a person deleting both. */
  async function deletesDecided(budgets: PoolSurvey["budgets"]) {
    const script = {
      ...approveAll(),
      decision: [
        { decision: "delete-pod" as const, pod: { namespace: "batch", name: "shell-0" } },
        { decision: "delete-pod" as const, pod: { namespace: "batch", name: "shell-1" } },
      ],
    };
    const { fakes, podsOn } = world(script);
    OLD_NODES.forEach((node, i) => {
      podsOn.get(node)?.push(pod(`shell-${i}`, { unmanaged: true }));
    });
    fakes["survey-pool"] = ({ pool }) =>
      pool === "batch" ? surveyOf(OLD_NODES, { budgets }) : surveyOf(NEW_NODES);
    const events: string[] = [];
    wrapFake(fakes, "delete-pod", (input, deletePod) => {
      events.push(`delete ${input.pod.name}`);
      return deletePod(input);
    });
    wrapFake(fakes, "node-pods", (input, nodePods) => {
      const pods = nodePods(input) as NodePod[];
      if (pods.length === 0 && !events.includes(`empty ${input.node}`)) events.push(`empty ${input.node}`);
      return pods;
    });
    const run = await harness.run("pool-migration", inputOf({ batchSize: 2 }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    return events.filter((event) => !event.startsWith("empty aks-batchal3"));
  }

  it("applies a person's deletes one node at a time, the next once the node before is drained", async () => {
    expect(await deletesDecided({ perNode: {}, allowed: {}, handsOverHeld: true })).toEqual([
      "delete shell-0",
      "empty aks-batch-0",
      "delete shell-1",
      "empty aks-batch-1",
    ]);
  });

  it("applies a person's deletes on two nodes together when the survey predates that (its history replays it)", async () => {
    expect(await deletesDecided({ perNode: {}, allowed: {} })).toEqual([
      "delete shell-0",
      "delete shell-1",
      "empty aks-batch-0",
      "empty aks-batch-1",
    ]);
  });

  it("rides out an eviction API that fails for a while: the round is tried again, the migration goes on", async () => {
    const { fakes } = world(approveAll());
    const evict = fakes["evict-pod"];
    let failures = 0;
    fakes["evict-pod"] = (input) => {
      if (failures++ < 4) throw new Error("connect ECONNREFUSED");
      return (evict as NonNullable<typeof evict>)(input);
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("evict-pod").filter((c) => c.outcome === "failed").length).toBe(4);
  });

  it("cordons the old pool as it is at cutover, not as it was planned: a node added since is tainted and drained too", async () => {
    const { fakes, podsOn, records } = world(approveAll());
    podsOn.set("aks-batch-2", [pod("worker-2")]);
    const survey = fakes["survey-pool"];
    fakes["survey-pool"] = (input) =>
      input.pool === "batch"
        ? surveyOf([...OLD_NODES, "aks-batch-2"])
        : (survey as NonNullable<typeof survey>)(input);
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("set-taints")[0]?.input).toMatchObject({
      nodes: [...OLD_NODES, "aks-batch-2"],
      present: true,
    });
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "drain-1",
      "drain-2",
    ]);
    expect((records.at(-1) as MigrationRecord).nodes).toEqual({ drained: 3, total: 3 });
    // The autoscaler was off when surveyed: nothing to turn off, nothing to restore.
    expect(
      run.callsOf("request-pool-change").map((c) => (c.input as { request: { kind: string } }).request.kind),
    ).toEqual(["create", "delete"]);
  });

  it("stops a node's drain between rounds when a rollback is asked, rather than at its deadline", async () => {
    const { fakes, records } = world(approveAll());
    let evictions = 0;
    fakes["evict-pod"] = async () => {
      if (++evictions === 3) {
        const [parent] = await harness.running("pool-migration");
        const at = new Date(harness.clock.now()).toISOString();
        await harness.client.raiseEvent(parent as string, MIGRATION_EVENTS.control, {
          action: "rollback",
          by: "oscar@contoso.com",
          reason: "stop now",
          at,
        });
        // As the HTTP side does: every drain the record lists is stopped too.
        for (const child of (records.at(-1) as MigrationRecord).draining ?? []) {
          await harness.client.raiseEvent(child, MIGRATION_EVENTS.stop, { at });
        }
      }
      return { kind: "blocked", retryAfterSeconds: 10, reason: "the budget allows no disruption" };
    };
    const run = await harness.run("pool-migration", inputOf({ drainTimeoutSeconds: 1800 }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(run.output.summary.rolledBack?.reason).toBe("stop now");
    expect(evictions).toBe(3);
    expect(run.output.summary.phaseSeconds.draining ?? 0).toBeLessThan(600);
    expect(records.some((r) => (r.draining ?? []).some((id) => id.endsWith(":drain-0")))).toBe(true);
  });

  it("does not count an answer by the requester (by id), even one that reached it past the API", async () => {
    const { fakes, hooks, records } = world({ cutover: [{ decision: "reject" }] });
    const scripted = hooks.onRecord;
    hooks.onRecord = async (record) => {
      if (record.awaiting?.gate !== "start") return scripted(record);
      if (record.history.some((h) => h.event.includes("requester"))) return null;
      const [instance] = await harness.running("pool-migration");
      const { nonce } = record.awaiting;
      const answer = (by: string, byId: string, decision: "approve" | "reject"): GateAnswerEvent => ({
        gate: "start",
        nonce,
        answer: { decision },
        by,
        byId,
        comment: "",
        at: record.updatedAt,
      });
      await harness.client.raiseEvent(
        instance as string,
        MIGRATION_EVENTS.answer,
        answer("rita@contoso.com", "oid-requester", "approve"),
      );
      // Another person of the same name is someone else: their approval counts.
      await harness.client.raiseEvent(
        instance as string,
        MIGRATION_EVENTS.answer,
        answer("rita@contoso.com", "oid-another-rita", "approve"),
      );
      return null;
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rejected");
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history).toContain("gate start: an answer by the requester is not counted");
    expect(history).toContain("gate start: approve");
    expect(history).toContain("gate cutover: reject: ok");
  });

  it("counts an approval at a two-approver gate only when it names two approvers, neither the requester", async () => {
    const twoApprovers = approvalPolicyOf({ "lifecycle-approvals": "2" }, []);
    const { fakes, hooks, records } = world({ cutover: [{ decision: "reject", comment: "one is enough" }] });
    fakes["plan-migration"] = () => planOf({ approvals: twoApprovers });
    const scripted = hooks.onRecord;
    let startAnswered = false;
    hooks.onRecord = async (record) => {
      if (record.awaiting?.gate !== "start" || startAnswered) return scripted(record);
      startAnswered = true;
      const { nonce } = record.awaiting;
      const approval = (by: string, approvedBy?: GateAnswerEvent["approvedBy"]): GateAnswerEvent => ({
        gate: "start",
        nonce,
        answer: { decision: "approve" },
        by,
        byId: by,
        comment: "",
        at: record.updatedAt,
        ...(approvedBy && { approvedBy }),
      });
      const [instance] = await harness.running("pool-migration");
      for (const event of [
        approval("ana@contoso.com"),
        approval("ana@contoso.com", [
          { id: "oid-requester", name: "rita@contoso.com" },
          { id: "oid-ana", name: "ana@contoso.com" },
        ]),
        approval("ben@contoso.com", [
          { id: "oid-ana", name: "ana@contoso.com" },
          { id: "oid-ben", name: "ben@contoso.com" },
        ]),
      ])
        await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.answer, event);
      return null;
    };
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("rejected");
    const last = records.at(-1) as MigrationRecord;
    expect(last.approvalPolicy).toEqual(twoApprovers);
    const history = last.history.map((h) => h.event);
    expect(
      history.filter((event) => event === "gate start: an approval without a second approver is not counted"),
    ).toHaveLength(2);
    expect(history).toContain("gate start: approve by ana@contoso.com and ben@contoso.com");
    expect(history).toContain("gate cutover: reject: one is enough");
  });

  it("updates the pool's osSku in place when that is the plan: no new pool, no drain, the pool validated after", async () => {
    const { fakes, records } = world({ start: [{ decision: "approve" }] });
    fakes["plan-migration"] = () => {
      const { newPool: _none, ...plan } = planOf({
        strategy: { chosen: "in-place", reasons: ["policy prefers it"] },
      });
      return plan;
    };
    const run = await harness.run("pool-migration", inputOf({ preferredStrategy: "in-place" }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(run.callsOf("request-pool-change").map((c) => (c.input as { request: unknown }).request)).toEqual([
      { kind: "update", pool: "batch", changes: { osSku: "AzureLinux3" } },
    ]);
    expect(run.callsOf("validate-pool")[0]?.input).toMatchObject({
      pool: "batch",
      targetOsSku: "AzureLinux3",
    });
    expect(run.callsOf("set-taints")).toHaveLength(0);
    expect(run.callsOf("evict-pod")).toHaveLength(0);
    expect(records.map((r) => r.phase)).toContain("updating-in-place");
  });

  it("ends an in-place update whose pool fails validation as failed, saying it has no fast rollback", async () => {
    const { fakes, records } = world({ start: [{ decision: "approve" }] });
    fakes["plan-migration"] = () => {
      const { newPool: _none, ...plan } = planOf({
        strategy: { chosen: "in-place", reasons: ["policy prefers it"] },
      });
      return plan;
    };
    fakes["validate-pool"] = () => ({
      ok: false,
      settled: true,
      nodes: [],
      daemonSets: [],
      problems: ["node aks-batch-0 is quarantined"],
    });
    const run = await harness.run("pool-migration", inputOf({ preferredStrategy: "in-place" }), fakes);
    expect(run.output.outcome).toBe("failed");
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history.some((e) => e.includes("quarantined") && e.includes("no fast rollback"))).toBe(true);
  });
});

describe("pool-migration growing the new pool and shrinking the old one with the drain", () => {
  const FOUR = ["aks-batch-0", "aks-batch-1", "aks-batch-2", "aks-batch-3"];
  const STEPPED = { newPoolGrowth: "with-drain", oldPoolShrink: "with-drain" } as const;

  /** Old nodes with one pod each, a batch each; the new pool without an autoscaler, so its count is the migration's. */
  function oldNodes(script: Script, survey: Partial<PoolSurvey> = {}, names: string[] = FOUR) {
    const setup = world(script);
    names.forEach((node, i) => {
      setup.podsOn.set(node, [pod(`worker-${i}`)]);
    });
    const plan = aMigrationPlan();
    setup.fakes["plan-migration"] = () =>
      planOf({
        newPool: {
          ...(plan.newPool as NonNullable<MigrationPlan["newPool"]>),
          count: names.length,
          enableAutoScaling: false,
        },
        drainOrder: names,
        batches: names.map((node) => [node]),
      });
    setup.fakes["survey-pool"] = ({ pool }) =>
      pool === "batch" ? surveyOf(names, survey) : surveyOf(["aks-batchal3-0", "aks-batchal3-1"]);
    return setup;
  }
  const fourNodes = (script: Script, survey: Partial<PoolSurvey> = {}) => oldNodes(script, survey);

  const requests = (run: { callsOf(name: string): readonly { input: unknown }[] }) =>
    run.callsOf("request-pool-change").map((c) => (c.input as { request: Record<string, unknown> }).request);

  it("waits for a growth under way before a rollback reads the new pool, so every node it deletes was drained back", async () => {
    const eight = Array.from({ length: 8 }, (_, i) => `aks-batch-${i}`);
    const newNode = (i: number) => `aks-batchal3-${i}`;
    const { fakes, records } = oldNodes(approveAll(), {}, eight);
    // ARM: a growth takes 10 minutes; meanwhile the pool reads as Scaling and other requests as busy.
    let count = 0;
    let growth: { to: number; doneAt: number } | undefined;
    const countNow = () => {
      if (growth && harness.clock.now() >= growth.doneAt) {
        count = growth.to;
        growth = undefined;
      }
      return count;
    };
    const newNodes = () => Array.from({ length: countNow() }, (_, i) => newNode(i));
    const events: string[] = [];
    fakes["request-pool-change"] = ({ request }) => {
      countNow();
      if (growth) return { kind: "busy", retryAfterSeconds: 30, reason: "another operation is in progress" };
      if (request.kind === "create") count = request.spec.count;
      if (request.kind === "update" && request.pool === "batchal3" && request.changes.count !== undefined) {
        growth = { to: request.changes.count, doneAt: harness.clock.now() + 10 * 60_000 };
        events.push(`grow to ${request.changes.count}`);
      }
      if (request.kind === "delete" && request.pool === "batchal3")
        events.push(`delete ${newNodes().join(",")}`);
      return { kind: "accepted", operation: `op-${events.length}` };
    };
    fakes["poll-pool"] = () => {
      countNow();
      return growth ? { status: "running", retryAfterSeconds: 30 } : { status: "succeeded" };
    };
    fakes["survey-pool"] = ({ pool }) => (pool === "batch" ? surveyOf(eight) : surveyOf(newNodes()));
    const tainted = new Set<string>();
    fakes["set-taints"] = (input) => {
      if (input.present && input.step.endsWith("taint-new"))
        for (const node of input.nodes) tainted.add(node);
      return { changed: input.nodes.length };
    };
    // A person asks for a rollback once the first batch has drained, the growth sent as it began.
    rollBackOnceSaved(fakes, records, (record) =>
      record.history.some((h) => h.event.startsWith("drained aks-batch-0")),
    );
    const run = await harness.run("pool-migration", inputOf({ ...STEPPED, batchSize: 1 }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(events[0]).toMatch(/^grow to \d+$/);
    const deleted = events
      .find((event) => event.startsWith("delete "))
      ?.slice("delete ".length)
      .split(",");
    expect(deleted?.length, events.join("; ")).toBeGreaterThan(3);
    expect(
      deleted?.filter((node) => !tainted.has(node)),
      events.join("; "),
    ).toEqual([]);
  });

  it("creates the new pool short of whole, grows it past that only as drained machines go, each after its health gate", async () => {
    const { fakes } = fourNodes(approveAll());
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(
      requests(run).map((r) =>
        r.kind === "create"
          ? `create ${(r.spec as { count: number }).count}`
          : r.kind === "update"
            ? `update ${r.pool} ${JSON.stringify(r.changes)}`
            : `${r.kind} ${r.pool}${r.machines ? ` ${(r.machines as string[]).join(",")}` : ""}`,
      ),
    ).toEqual([
      // Two batches of one node and a node of headroom: one short of whole, the most before a machine goes.
      "create 3",
      "delete-machines batch aks-batch-0",
      'update batchal3 {"count":4}',
      // ARM free at each batch's start: the machines drained since asked to go.
      "delete-machines batch aks-batch-1",
      "delete-machines batch aks-batch-2",
      "delete-machines batch aks-batch-3",
      "delete batch",
    ]);
    const order = run.calls.map((c) => `${c.name}:${(c.input as { step?: string }).step ?? ""}`);
    const looksBefore = (call: string) =>
      order
        .slice(
          0,
          order.findIndex((c) => c.startsWith(call)),
        )
        .filter((c) => c.startsWith("observe-health:")).length;
    // Each machine goes only after its batch passed the health gate (the look before the drain, one a batch).
    expect(looksBefore("request-pool-change:shrink-old-pool:1:")).toBe(2);
    expect(looksBefore("request-pool-change:shrink-old-pool:2:")).toBe(3);
    expect(looksBefore("request-pool-change:shrink-old-pool:3:")).toBe(4);
    expect(looksBefore("request-pool-change:shrink-old-pool:last:")).toBe(5);
    // The creation audited with its smaller count, validated against it.
    expect(run.callsOf("validate-pool")[0]?.input).toMatchObject({ expectedNodes: 3 });
  });

  it("drains on while the new pool grows ahead, and sends nothing else to ARM until that growth ended", async () => {
    const eight = Array.from({ length: 8 }, (_, i) => `aks-batch-${i}`);
    const { fakes } = oldNodes(approveAll(), {}, eight);
    let growthPolls = 0;
    fakes["request-pool-change"] = ({ request }) => ({
      kind: "accepted",
      operation: request.kind === "update" ? `op-grow-${request.changes.count}` : `op-${request.kind}`,
    });
    // The first growth runs through two looks: the ones before batches 1 and 2 find it under way.
    fakes["poll-pool"] = ({ operation }) =>
      operation === "op-grow-5" && ++growthPolls <= 2
        ? { status: "running", retryAfterSeconds: 60 }
        : { status: "succeeded" };
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    // Created with two batches' room and headroom (3); grown as the first batch starts, two batches ahead.
    expect(requests(run).slice(0, 2)).toEqual([
      expect.objectContaining({ kind: "create", spec: expect.objectContaining({ count: 3 }) }),
      { kind: "update", pool: "batchal3", changes: { count: 5 } },
    ]);
    const order = run.calls.map((c) => {
      const input = c.input as { operation?: string; pod?: { name: string }; request?: { kind: string } };
      return `${c.name}:${input.operation ?? input.pod?.name ?? input.request?.kind ?? ""}`;
    });
    const grown = order.lastIndexOf("poll-pool:op-grow-5");
    // Batch 1 drained while the pool grew (the creation made its room); batch 2 needs the growth's.
    expect(order.indexOf("evict-pod:worker-1")).toBeLessThan(grown);
    expect(order.indexOf("evict-pod:worker-2")).toBeGreaterThan(grown);
    // No delete of machines while the growth ran: ARM takes one operation on a cluster at a time.
    expect(order.indexOf("request-pool-change:delete-machines")).toBeGreaterThan(grown);
    expect(growthPolls).toBe(3);
  });

  const BLOCKED: EvictionOutcome = {
    kind: "blocked",
    retryAfterSeconds: 5,
    reason: "the budget allows no disruption",
  };
  const HELD_MEANWHILE = {
    perNode: {},
    allowed: {},
    handsOverHeld: true,
    drainsHeldWhileRoomComes: true,
  } as const;

  /**
   * Eight nodes a batch each; aks-batch-1's pod answered by `tries` in turn (then evicted), the first a
   * budget's refusal; each growth under way through four looks, `onLook` called at each. Events in order:
   * evictions, growth requests, and each look at a growth.
   */
  async function heldWhileTheRoomComes(
    budgets: PoolSurvey["budgets"],
    {
      options = {},
      script = approveAll(),
      tries = [BLOCKED, BLOCKED],
      onLook,
    }: {
      options?: Partial<MigrationOptions>;
      script?: Script;
      tries?: EvictionOutcome[];
      onLook?: (
        operation: string,
        look: number,
        seen: { events: string[]; records: MigrationRecord[] },
      ) => Promise<void>;
    } = {},
  ) {
    const eight = Array.from({ length: 8 }, (_, i) => `aks-batch-${i}`);
    const { fakes, records } = oldNodes(script, { budgets }, eight);
    const events: string[] = [];
    wrapFake(fakes, "evict-pod", (input, evict) => {
      const tried = input.node === "aks-batch-1" ? tries.shift() : undefined;
      if (tried) return tried;
      events.push(`evict ${input.node}`);
      return evict(input);
    });
    fakes["request-pool-change"] = ({ request }) => {
      if (request.kind === "update") events.push(`request update ${request.changes.count}`);
      if (request.kind === "delete-machines") events.push(`delete-machines ${request.machines.join(",")}`);
      return {
        kind: "accepted",
        operation: request.kind === "update" ? `op-grow-${request.changes.count}` : `op-${request.kind}`,
      };
    };
    const looks = new Map<string, number>();
    fakes["poll-pool"] = async ({ operation = "" }) => {
      if (!operation.startsWith("op-grow")) return { status: "succeeded" };
      const look = (looks.get(operation) ?? 0) + 1;
      looks.set(operation, look);
      events.push(`${operation} ${look <= 4 ? "running" : "done"}`);
      await onLook?.(operation, look, { events, records });
      return look <= 4 ? { status: "running", retryAfterSeconds: 60 } : { status: "succeeded" };
    };
    const run = await harness.run("pool-migration", inputOf({ ...STEPPED, ...options }), fakes);
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    const last = records.at(-1) as MigrationRecord;
    const history = last.history.map((h) => h.event);
    return { outcome: run.output.outcome, events, drains, history, drained: last.nodes.drained };
  }

  it("drains on a held node while the room for the next batch comes: its own room came with its batch", async () => {
    const { outcome, events, drains, history, drained } = await heldWhileTheRoomComes(HELD_MEANWHILE);
    expect(outcome).toBe("succeeded");
    expect(drained).toBe(8);
    // Its machine goes only once the next batch passed its health gate, with that batch's.
    const deleted = events.findIndex(
      (event) => event.startsWith("delete-machines") && event.includes("aks-batch-1"),
    );
    expect(deleted).toBeGreaterThan(events.indexOf("evict aks-batch-2"));
    // Batch 2 waits for the growth; aks-batch-1, held at batch 1's end, is tried again meanwhile.
    expect(events.indexOf("evict aks-batch-1")).toBeLessThan(events.indexOf("op-grow-6 done"));
    expect(events.indexOf("op-grow-6 done")).toBeLessThan(events.indexOf("evict aks-batch-2"));
    expect(drains.filter((id) => !id.startsWith("drain-"))).toEqual(["w2r0-1", "w2r1-1"]);
    expect(history).toContain("drained aks-batch-1 while the room for the next batch came (2 of 8)");
  });

  it("leaves a held node for the next batch while the room comes when the survey predates that (its history replays it)", async () => {
    const { outcome, events, drains } = await heldWhileTheRoomComes({
      perNode: {},
      allowed: {},
      handsOverHeld: true,
    });
    expect(outcome).toBe("succeeded");
    expect(events.indexOf("evict aks-batch-1")).toBeGreaterThan(events.indexOf("op-grow-6 done"));
    expect(drains.filter((id) => !id.startsWith("drain-"))).toEqual(["h2-1", "h3-1"]);
  });

  it("keeps a held node's drain time to what it spent draining: the wait for the next batch's room does not count", async () => {
    // Each growth takes four looks a minute apart, twice the drain timeout; the held node drains at its third try.
    const { outcome, drains, history } = await heldWhileTheRoomComes(
      { perNode: {}, allowed: {}, handsOverHeld: true },
      { options: { drainTimeoutSeconds: 120 } },
    );
    expect(outcome).toBe("succeeded");
    expect(drains.filter((id) => !id.startsWith("drain-"))).toEqual(["h2-1", "h3-1"]);
    expect(history.filter((event) => event.includes("stuck") || event.includes("deadline"))).toEqual([]);
  });

  it("stops draining a held node and asks ARM nothing more once a rollback is asked while the room comes", async () => {
    const { outcome, events } = await heldWhileTheRoomComes(HELD_MEANWHILE, {
      // Still refused at the first try meanwhile: the rollback comes before its next.
      tries: [BLOCKED, BLOCKED, BLOCKED],
      onLook: async (operation, look, { events, records }) => {
        if (operation !== "op-grow-6" || look !== 2) return;
        events.push("rollback asked");
        const [parent] = await harness.running("pool-migration");
        const at = new Date(harness.clock.now()).toISOString();
        const control = { action: "rollback", by: "oscar@contoso.com", reason: "stop now", at };
        await harness.client.raiseEvent(parent as string, MIGRATION_EVENTS.control, control);
        // As the HTTP side does: the drains under way are stopped.
        for (const child of (records.at(-1) as MigrationRecord).draining ?? [])
          await harness.client.raiseEvent(child, MIGRATION_EVENTS.stop, { at });
      },
    });
    expect(outcome).toBe("rolled-back");
    const after = events.slice(events.indexOf("rollback asked"));
    expect(after.filter((event) => event.startsWith("evict") || event.startsWith("request"))).toEqual([]);
  });

  it("leaves a held node that gets stuck while the room comes to the next batch, which asks a person", async () => {
    const refused: EvictionOutcome = { kind: "refused", status: 403, reason: "forbidden" };
    const { outcome, drains } = await heldWhileTheRoomComes(HELD_MEANWHILE, {
      script: { ...approveAll(), decision: [{ decision: "retry" }] },
      tries: [BLOCKED, refused, refused],
    });
    expect(outcome).toBe("succeeded");
    // Stuck in the wait (w2r0-1): not asked there, but by the next batch (h2-1), retried after the answer.
    expect(drains.filter((id) => !id.startsWith("drain-"))).toEqual(["w2r0-1", "h2-1", "h2-1.1"]);
  });

  it("costs fewer overlap node-hours than a full-size pool kept beside the old one to the end", async () => {
    const stepped = await harness.run("pool-migration", inputOf(STEPPED), fourNodes(approveAll()).fakes);
    const upFront = await harness.run("pool-migration", inputOf(), fourNodes(approveAll()).fakes);
    expect(stepped.output.outcome).toBe("succeeded");
    expect(upFront.output.outcome).toBe("succeeded");
    expect(stepped.output.summary.overlapNodeHours).toBeGreaterThan(0);
    // The retention window alone (1 h) costs the up-front run four nodes, the stepped run none.
    expect(upFront.output.summary.overlapNodeHours - stepped.output.summary.overlapNodeHours).toBeGreaterThan(
      4,
    );
  });

  it("keeps a system pool's last node through the retention window, as AKS requires", async () => {
    const { fakes } = fourNodes(approveAll(), { mode: "System" });
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const deleted = requests(run).flatMap((r) =>
      r.kind === "delete-machines" ? (r.machines as string[]) : [],
    );
    expect(deleted).toEqual(["aks-batch-0", "aks-batch-1", "aks-batch-2"]);
  });

  /** web allows one disruption: its pods on aks-batch-0 and aks-batch-1 go in different batches. */
  const WEB_ON_TWO_NODES = {
    perNode: { "aks-batch-0": { web: 1 }, "aks-batch-1": { web: 1 }, "aks-batch-2": {}, "aks-batch-3": {} },
    allowed: { web: 1 },
  };

  /** An "auto" migration of the four nodes with these budgets surveyed: the run and its batches drained. */
  async function drainedWith(budgets: NonNullable<PoolSurvey["budgets"]>) {
    const { fakes, records } = fourNodes(approveAll(), { budgets });
    const run = await harness.run("pool-migration", inputOf({ ...STEPPED, batchSize: "auto" }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const drained = (records.at(-1) as MigrationRecord).history
      .map((h) => h.event)
      .filter((e) => e.startsWith("draining aks-"));
    return { run, drained };
  }

  it("drains in batches the budgets allow with batchSize auto: no two pods of one budget in a batch beyond it", async () => {
    // And no more than half the pool in one batch.
    const { run, drained } = await drainedWith({ ...WEB_ON_TWO_NODES, maxBatch: 2 });
    expect(drained).toEqual(["draining aks-batch-0, aks-batch-2", "draining aks-batch-1, aks-batch-3"]);
    expect(run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1))).toEqual([
      "drain-0",
      "drain-1",
      "drain-2",
      "drain-3",
    ]);
    // Created with room for the plan's first two batches (it cut four), then the whole pool for the second.
    expect(
      requests(run).filter((r) => r.kind === "create" || (r.kind === "update" && r.pool === "batchal3")),
    ).toEqual([
      expect.objectContaining({ kind: "create", spec: expect.objectContaining({ count: 3 }) }),
      { kind: "update", pool: "batchal3", changes: { count: 4 } },
    ]);
  });

  it("drains a survey stored before the half-pool rule in the batches it cut then: its history replays them", async () => {
    const { drained } = await drainedWith(WEB_ON_TWO_NODES);
    expect(drained).toEqual(["draining aks-batch-0, aks-batch-2, aks-batch-3", "draining aks-batch-1"]);
  });

  it("deletes no drained machine when the plan keeps the old pool whole (its images are removed)", async () => {
    const { fakes } = fourNodes(approveAll());
    wrapFake(fakes, "plan-migration", async (input, plan) => ({
      ...(await plan(input)),
      oldPoolShrinks: false,
    }));
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(requests(run).filter((r) => r.kind === "delete-machines")).toEqual([]);
    // Nothing deleted, so the new pool may grow whole: created with two batches' room, then grown.
    expect(requests(run).filter((r) => r.kind === "update")).toEqual([
      { kind: "update", pool: "batchal3", changes: { count: 4 } },
    ]);
  });

  it("deletes no drained machine when the old images go before the end, though the plan, made earlier, would", async () => {
    const { fakes, records } = fourNodes(approveAll());
    wrapFake(fakes, "plan-migration", async (input, plan) => ({
      ...(await plan(input)),
      oldPoolShrinks: true,
      // Long past by the time the drain begins, whenever these tests run.
      oldImageRemoval: { date: "2026-01-01", sourceUrl: "https://github.com/Azure/AKS/issues/4988" },
    }));
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(requests(run).filter((r) => r.kind === "delete-machines")).toEqual([]);
    expect((records.at(-1) as MigrationRecord).history.map((h) => h.event)).toContain(
      "keeping the drained machines of batch: its node images are removed on 2026-01-01, before this migration would end, and a rollback could not scale it back after",
    );
  });

  it("goes on to the next batch while evicted pods shut down, and deletes their machines only once they are gone", async () => {
    const { fakes, podsOn } = fourNodes(approveAll());
    const leaving = new Map<string, number>();
    const events: string[] = [];
    wrapFake(fakes, "node-pods", (input, pods) => {
      // An evicted pod stays three looks, Terminating within its grace period, before it is gone.
      const looks = leaving.get(input.node);
      if (looks === undefined) return pods(input);
      if (looks <= 1) {
        leaving.delete(input.node);
        events.push(`gone ${input.node}`);
      } else leaving.set(input.node, looks - 1);
      const terminatingSince = new Date(harness.clock.now()).toISOString();
      return [pod(`worker-${FOUR.indexOf(input.node)}`, { terminatingSince })];
    });
    fakes["evict-pod"] = ({ node }) => {
      podsOn.set(node, []);
      leaving.set(node, 3);
      events.push(`evict ${node}`);
      return { kind: "evicted" };
    };
    wrapFake(fakes, "request-pool-change", (input, request) => {
      if (input.request.kind === "delete-machines") {
        const shuttingDown = input.request.machines.filter((machine) => leaving.has(machine));
        events.push(
          `delete ${input.request.machines.join(",")}${shuttingDown.length > 0 ? " too soon" : ""}`,
        );
      }
      return request(input);
    });
    // The new pool whole from the start: no batch waits for room, only the machines wait for their pods.
    const run = await harness.run("pool-migration", inputOf({ oldPoolShrink: "with-drain" }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    // The second batch's eviction came before the first batch's pod was gone: it did not wait.
    expect(events.indexOf("evict aks-batch-1")).toBeLessThan(events.indexOf("gone aks-batch-0"));
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(drains.filter((id) => id.startsWith("drain-"))).toEqual([
      "drain-0",
      "drain-1",
      "drain-2",
      "drain-3",
    ]);
    expect(run.callsOf("evict-pod")).toHaveLength(4);
    // Counted for the rollout's forecast of later drains.
    expect(run.output.summary.batches).toBe(4);
    // Every machine deleted, none while a pod of it was still shutting down.
    const deletes = events.filter((event) => event.startsWith("delete"));
    expect(deletes.join(" ")).not.toContain("too soon");
    expect(deletes.flatMap((event) => event.slice("delete ".length).split(",")).sort()).toEqual(FOUR);
  });

  /** aks-batch-0's pod refused by its budget at its first three evictions; the order of evictions and deletes. */
  async function heldByItsBudget(budgets: PoolSurvey["budgets"]) {
    const { fakes } = fourNodes(approveAll(), { budgets });
    const events: string[] = [];
    let refusals = 3;
    wrapFake(fakes, "evict-pod", (input, evict) => {
      if (input.node === "aks-batch-0" && refusals-- > 0)
        return { kind: "blocked", retryAfterSeconds: 5, reason: "the budget allows no disruption" };
      events.push(`evict ${input.node}`);
      return evict(input);
    });
    wrapFake(fakes, "request-pool-change", (input, request) => {
      if (input.request.kind === "delete-machines") events.push(`delete ${input.request.machines.join(",")}`);
      return request(input);
    });
    const run = await harness.run(
      "pool-migration",
      inputOf({ ...STEPPED, newPoolGrowth: "up-front", batchSize: 1 }),
      fakes,
    );
    expect(run.output.outcome).toBe("succeeded");
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    return { events, drains };
  }

  it("drains on a node its budget holds with the next batches, which do not wait for it", async () => {
    const { events, drains } = await heldByItsBudget({ perNode: {}, allowed: {}, handsOverHeld: true });
    // The next batch's eviction came while aks-batch-0's pod was still refused.
    expect(events.indexOf("evict aks-batch-1")).toBeLessThan(events.indexOf("evict aks-batch-0"));
    // Handed over to the second batch (h1-0), drained there or in a later one; each node drained once to its end.
    expect(drains.filter((id) => id.startsWith("drain-"))).toEqual([
      "drain-0",
      "drain-1",
      "drain-2",
      "drain-3",
    ]);
    expect(drains).toContain("h1-0");
    expect(drains.filter((id) => id.startsWith("h")).every((id) => id.endsWith("-0"))).toBe(true);
    // Its machine went only after its pod was evicted.
    const deleted = events.findIndex((event) => event.startsWith("delete") && event.includes("aks-batch-0"));
    expect(deleted).toBeGreaterThan(events.indexOf("evict aks-batch-0"));
  });

  it("holds the batch for a node its budget holds when the survey predates handing over (its history replays that)", async () => {
    const { events, drains } = await heldByItsBudget({ perNode: {}, allowed: {} });
    expect(events.indexOf("evict aks-batch-0")).toBeLessThan(events.indexOf("evict aks-batch-1"));
    expect(drains.filter((id) => id.startsWith("h"))).toEqual([]);
  });

  it("keeps a machine where a person chose to leave a pod stuck shutting down, and deletes the others", async () => {
    const { fakes, podsOn } = fourNodes({
      ...approveAll(),
      decision: [{ decision: "skip-pod", pod: { namespace: "batch", name: "worker-3" } }],
    });
    wrapFake(fakes, "evict-pod", (input, evict) => {
      if (input.pod.name !== "worker-3") return evict(input);
      // Evicted, it never finishes shutting down.
      const since = new Date(harness.clock.now()).toISOString();
      podsOn.set(input.node, [pod("worker-3", { terminatingSince: since })]);
      return { kind: "evicted" };
    });
    const run = await harness.run("pool-migration", inputOf({ oldPoolShrink: "with-drain" }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const deleted = requests(run).flatMap((r) =>
      r.kind === "delete-machines" ? (r.machines as string[]) : [],
    );
    expect(deleted.sort()).toEqual(["aks-batch-0", "aks-batch-1", "aks-batch-2"]);
  });

  it("keeps a drained machine a pod landed on before its delete, and deletes the ones still empty", async () => {
    const { fakes, podsOn, records } = fourNodes(approveAll());
    let looks = 0;
    fakes["observe-health"] = () => {
      // A pod tolerating the retiring taint lands on aks-batch-0 while its health gate watches.
      if (++looks === 2) podsOn.get("aks-batch-0")?.push(pod("tolerant-job"));
      return healthy();
    };
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("succeeded");
    const deleted = requests(run).flatMap((r) =>
      r.kind === "delete-machines" ? (r.machines as string[]) : [],
    );
    expect(deleted).toEqual(["aks-batch-1", "aks-batch-2", "aks-batch-3"]);
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history).toContain(
      "keeping the drained aks-batch-0: batch/tolerant-job landed on it since its drain; it goes with the pool at the end",
    );
  });

  /** Four old nodes whose third batch fails its health gate; ARM answers deletes of machines by `answer`. */
  function deletesAnswered(
    answer: NonNullable<ReturnType<typeof fourNodes>["fakes"]["request-pool-change"]>,
  ) {
    const setup = fourNodes(approveAll());
    failingAfterTwoBatches(setup.fakes);
    const request = setup.fakes["request-pool-change"] as typeof answer;
    setup.fakes["request-pool-change"] = (input) =>
      input.request.kind === "delete-machines" ? answer(input) : request(input);
    return setup;
  }

  it("goes on when AKS refuses to delete drained machines, and a rollback still untaints them", async () => {
    const { fakes } = deletesAnswered(() => ({ kind: "refused", reason: "400 InvalidParameter: machines" }));
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    // Never counted gone: no scale-back, and the drained machines lose their taint with the others.
    expect(requests(run).filter((r) => r.kind === "update" && r.pool === "batch")).toEqual([]);
    expect(
      run.calls.find((c) => (c.input as { step?: string }).step === "rollback1:untaint-old")?.input,
    ).toMatchObject({ nodes: FOUR, present: false });
  });

  it("scales the old pool back on rollback when a delete of drained machines failed without ARM's refusal", async () => {
    const { fakes } = deletesAnswered(() => {
      // Whether ARM took it is not known (a timeout after sending, say).
      throw new Error("socket hang up");
    });
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(requests(run)).toContainEqual({ kind: "update", pool: "batch", changes: { count: 4 } });
    const history = run.output.summary.rolledBack?.restored ?? [];
    expect(history).toContain("batch scaled back to 4 nodes");
  });

  it("still scales back on rollback when a delete that may have gone through is followed by a refused one", async () => {
    const steps = new Set<string>();
    const { fakes } = deletesAnswered((input) => {
      // The first delete fails every attempt; the next is refused.
      steps.add(input.step);
      if (steps.size === 1) throw new Error("socket hang up");
      return { kind: "refused", reason: "400 InvalidParameter: machines" };
    });
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(steps.size).toBeGreaterThan(1);
    expect(requests(run)).toContainEqual({ kind: "update", pool: "batch", changes: { count: 4 } });
  });

  it("notes a delete of drained machines whose operation failed, and a rollback scales back and untaints them", async () => {
    const { fakes, records } = deletesAnswered(() => ({ kind: "accepted", operation: "op-shrink" }));
    wrapFake(fakes, "poll-pool", (input, poll) =>
      input.operation === "op-shrink" ? { status: "failed", error: "InternalError: vmss" } : poll(input),
    );
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    const history = (records.at(-1) as MigrationRecord).history.map((h) => h.event);
    expect(history).toContain(
      "deleting the drained aks-batch-0 failed: InternalError: vmss; they go with the pool at the end",
    );
    // Part of a failed delete may have happened: the pool comes back to its count, then every old node is untainted.
    expect(requests(run)).toContainEqual({ kind: "update", pool: "batch", changes: { count: 4 } });
    expect(
      run.calls.find((c) => (c.input as { step?: string }).step === "rollback1:untaint-old")?.input,
    ).toMatchObject({ present: false });
  });

  it("rolls back after shrinking: the old pool scaled back to its count before its taint comes off, pods drained back", async () => {
    const { fakes } = fourNodes(approveAll());
    let looks = 0;
    fakes["observe-health"] = () => {
      looks += 1;
      // Healthy through the first two batches, then a node of the new pool stays NotReady.
      return looks <= 3 ? healthy() : { ...healthy(), notReadyNodes: ["aks-batchal3-1"] };
    };
    // Once scaled back, the old pool has its kept nodes and two new ones.
    wrapFake(fakes, "survey-pool", (input, survey) =>
      input.pool === "batch" && looks > 3
        ? surveyOf(["aks-batch-2", "aks-batch-3", "aks-batch-vmss04", "aks-batch-vmss05"])
        : survey(input),
    );
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    expect(requests(run)).toEqual([
      expect.objectContaining({ kind: "create" }),
      { kind: "delete-machines", pool: "batch", machines: ["aks-batch-0"] },
      { kind: "update", pool: "batchal3", changes: { count: 4 } },
      { kind: "delete-machines", pool: "batch", machines: ["aks-batch-1"] },
      // The third batch failed its health gate: the old pool comes back to its four nodes first.
      { kind: "update", pool: "batch", changes: { count: 4 } },
      { kind: "delete", pool: "batchal3" },
    ]);
    const scaledBack = run.calls.findIndex(
      (c) => (c.input as { step?: string }).step?.startsWith("rollback1:scale-old") ?? false,
    );
    const untaint = run.calls.findIndex(
      (c) => (c.input as { step?: string }).step === "rollback1:untaint-old",
    );
    expect(scaledBack).toBeGreaterThan(-1);
    expect(untaint).toBeGreaterThan(scaledBack);
    // The old pool's nodes as they are after scaling back lose the taint: the kept ones and the new ones.
    expect(run.calls[untaint]?.input).toMatchObject({
      nodes: ["aks-batch-2", "aks-batch-3", "aks-batch-vmss04", "aks-batch-vmss05"],
      present: false,
    });
    expect(run.output.summary.rolledBack?.restored).toContain("batch scaled back to 4 nodes");
  });
  /** The first two batches healthy, then a node of the new pool stays NotReady: a rollback after two shrinks. */
  function failingAfterTwoBatches(fakes: ReturnType<typeof fourNodes>["fakes"]): () => number {
    let looks = 0;
    fakes["observe-health"] = () => {
      looks += 1;
      return looks <= 3 ? healthy() : { ...healthy(), notReadyNodes: ["aks-batchal3-1"] };
    };
    return () => looks;
  }

  it("rolls back as far as it can when the old pool cannot be scaled back, and ends failed: pods kept on the new pool", async () => {
    const { fakes } = fourNodes(approveAll());
    failingAfterTwoBatches(fakes);
    wrapFake(fakes, "request-pool-change", (input, request) =>
      input.request.kind === "update" && input.request.pool === "batch"
        ? { kind: "accepted", operation: "op-scale-old" }
        : request(input),
    );
    wrapFake(fakes, "poll-pool", (input, poll) =>
      input.operation === "op-scale-old"
        ? { status: "failed", error: "QuotaExceeded: no cores left" }
        : poll(input),
    );
    const run = await harness.run("pool-migration", inputOf(STEPPED), fakes);
    expect(run.output.outcome).toBe("failed");
    expect(run.output.summary.rolledBack?.restored).toEqual([
      "batch NOT scaled back to 4: QuotaExceeded: no cores left",
      "taint removed from 4 old nodes",
      "pods NOT drained back: the old pool has no room for them",
      "new pool batchal3 kept: pods are still on it",
    ]);
    // The workloads run on the image rolled back from: a person is told, not that it rolled back.
    expect(run.callsOf("notify-migration").map((n) => (n.input as { title: string }).title)).toContain(
      "Migration rollback incomplete: a person is needed",
    );
    const steps = run.calls.map((c) => (c.input as { step?: string }).step ?? "");
    expect(steps).not.toContain("rollback1:taint-new");
    expect(run.subOrchestrations().filter((id) => id.includes(":back1-"))).toEqual([]);
  });

  it("keeps the new pool when a node's drain back fails rather than ends empty, and ends failed", async () => {
    const { fakes } = fourNodes(approveAll());
    const looks = failingAfterTwoBatches(fakes);
    wrapFake(fakes, "node-pods", (input, pods) => {
      if (looks() > 3 && input.node === "aks-batchal3-0") throw new Error("the API server is unreachable");
      return pods(input);
    });
    const run = await harness.run("pool-migration", inputOf({ ...STEPPED, drainTimeoutSeconds: 120 }), fakes);
    expect(run.output.outcome).toBe("failed");
    const restored = run.output.summary.rolledBack?.restored ?? [];
    expect(restored).toContain("new pool batchal3 kept: pods are still on it");
    expect(restored.find((r) => r.startsWith("pods NOT all drained back"))).toMatch(
      /aks-batchal3-0: .*the API server is unreachable/,
    );
    expect(requests(run)).not.toContainEqual({ kind: "delete", pool: "batchal3" });
  });
});

// Found in review: a workload without a budget, and a rollback begun again.
/** A person asks for a rollback once the migration is in retention: the new pool serves, the old one kept. */
function rollBackInRetention(fakes: ActivityFakes, records: MigrationRecord[]): void {
  rollBackOnceSaved(fakes, records, (record) => record.phase === "retention");
}

/** A person asks for a rollback, once, when a saved record first shows `when`. */
function rollBackOnceSaved(
  fakes: ActivityFakes,
  records: MigrationRecord[],
  when: (record: MigrationRecord) => boolean,
): void {
  const save = fakes["save-migration"] as NonNullable<ActivityFakes["save-migration"]>;
  let asked = false;
  fakes["save-migration"] = async (change) => {
    const answer = await save(change);
    const record = records.at(-1) as MigrationRecord;
    if (when(record) && !asked) {
      asked = true;
      const [instance] = await harness.running("pool-migration");
      await harness.client.raiseEvent(instance as string, MIGRATION_EVENTS.control, {
        action: "rollback",
        by: "oscar@contoso.com",
        reason: "error rate up",
        at: record.updatedAt,
      });
    }
    return answer;
  };
}

/**
 * A Deployment shop/web without a PodDisruptionBudget, one replica on each of two old nodes. The scheduler
 * played by the fakes: an evicted replica is gone at once and its replacement lands on the other pool's
 * node of the same index, Ready `startSeconds` later. Evictions go through the product's evictPod on that
 * cluster. Returns the fewest Ready replicas seen right after any eviction.
 */
function unprotectedWeb(
  startSeconds: number,
  options: {
    rollbackInRetention?: boolean;
    /** Where each replica starts and the ReplicaSet it is of (default: one a node, of web-5d8f). */
    placement?: { node: string; replicaSet: string }[];
    /** Evictions answer a turn later, as over a network, rather than at once. */
    roundTrip?: boolean;
    script?: Script;
    /** The two pools' nodes (default OLD_NODES and NEW_NODES), a new node for each old one. */
    pools?: { old: string[]; new: string[] };
  } = {},
) {
  const names = options.pools?.old ?? OLD_NODES;
  const newNodes = options.pools?.new ?? NEW_NODES;
  const web = "Deployment shop/web";
  const { fakes, records } = world(options.script ?? approveAll());
  fakes["plan-migration"] = () => planOf({ drainOrder: names });
  const placement = options.placement ?? names.map((node) => ({ node, replicaSet: "web-5d8f" }));
  const replicaSetOf = new Map(placement.map((p, i) => [`web-${i}`, p.replicaSet]));
  const replicas = new Map<string, { node: string; readyAt: number }>(
    placement.map(({ node }, i) => [`web-${i}`, { node, readyAt: 0 }]),
  );
  let made = 0;
  let fewest = Number.POSITIVE_INFINITY;
  const seen: string[] = [];
  const isReady = (name: string) =>
    (replicas.get(name)?.readyAt ?? Number.POSITIVE_INFINITY) <= harness.clock.now();
  const ready = () => [...replicas.keys()].filter(isReady).length;
  const webPod = (name: string): NodePod => ({
    ...pod(name),
    ref: { namespace: "shop", name, uid: `uid-${name}` },
    protectedByBudget: false,
    unbudgeted: { controller: { kind: "ReplicaSet", name: replicaSetOf.get(name) ?? "web-5d8f" } },
  });
  fakes["node-pods"] = ({ node }) =>
    [...replicas].filter(([, r]) => r.node === node).map(([name]) => webPod(name));
  const cluster: Parameters<typeof evictPod>[0]["nodes"] = {
    pod: async (_, ref) =>
      replicas.has(ref.name)
        ? {
            metadata: { namespace: ref.namespace, name: ref.name, uid: ref.uid },
            status: { conditions: [{ type: "Ready", status: isReady(ref.name) ? "True" : "False" }] },
          }
        : undefined,
    controllerReplicas: async () => ({ workload: web, desired: placement.length, ready: ready() }),
    evict: async (_, ref) => {
      // The apiserver round trip: another drain's eviction may read the replicas meanwhile.
      if (options.roundTrip) await new Promise((resolve) => setImmediate(resolve));
      const evicted = replicas.get(ref.name);
      if (!evicted) return { kind: "gone" };
      replicas.delete(ref.name);
      const left = ready();
      seen.push(`${ref.name} from ${evicted.node}: ${left} Ready left`);
      fewest = Math.min(fewest, left);
      const from = [...names, ...newNodes].indexOf(evicted.node);
      const to = from < names.length ? newNodes[from] : names[from - names.length];
      replicas.set(`web-r${++made}`, {
        node: to as string,
        readyAt: harness.clock.now() + startSeconds * 1000,
      });
      return { kind: "evicted" };
    },
  };
  const audit = sqliteRepositories(sqlite.open(sqlite.newFile())).audit;
  fakes["evict-pod"] = (input) => evictPod({ nodes: cluster, audit, clock: harness.clock }, input);
  // Each pool as surveyed, with web's implicit budget as budgetLoad gives it: all its replicas but one, never
  // fewer than one node holds.
  const budgetsOf = (nodes: string[], onNodes: string[]): PoolSurvey["budgets"] => {
    const perNode = Object.fromEntries(
      nodes.map((n) => [n, { [web]: onNodes.filter((on) => on === n).length }]),
    );
    return {
      perNode,
      allowed: { [web]: Math.max(1, placement.length - 1, ...nodes.map((n) => perNode[n]?.[web] ?? 0)) },
      maxBatch: Math.max(1, Math.floor(nodes.length / 2)),
      ...CUT_RULES,
    };
  };
  fakes["survey-pool"] = ({ pool }): PoolSurvey => ({
    drainOrder: pool === "batch" ? names : newNodes,
    // Counted where web's replicas are when the pool is surveyed (the new pool's at a rollback).
    budgets: budgetsOf(
      pool === "batch" ? names : newNodes,
      [...replicas.values()].map((r) => r.node),
    ),
    count: names.length,
    mode: "User",
    controllers: [],
  });
  if (options.rollbackInRetention) rollBackInRetention(fakes, records);
  return { fakes, fewest: () => fewest, seen };
}

describe("pool-migration: a workload without a PodDisruptionBudget", () => {
  it("keeps a Ready replica of it through a rollback's drain back to the old pool", async () => {
    // Replacements start within 3 s: a drain, a node at a time, always finds one Ready.
    const { fakes, fewest, seen } = unprotectedWeb(3, { rollbackInRetention: true });
    const run = await harness.run("pool-migration", inputOf({ retentionSeconds: 4 * 3600 }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(drains).toEqual(["drain-0", "drain-1", "back1-0", "back1-1"]);
    // The new pool's budgets cut the drain back: web's replicas a batch each.
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("keeps a Ready replica of it between batches when replacements take two minutes to start", async () => {
    const { fakes, fewest, seen } = unprotectedWeb(120);
    const run = await harness.run("pool-migration", inputOf({ batchSize: "auto" }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    // The batch cut keeps the replicas apart, a batch each; the second eviction waits for the first one's
    // replacement to be Ready.
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(drains).toEqual(["drain-0", "drain-1"]);
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("keeps a Ready replica when a batch drains two of its nodes after the batch before took a third", async () => {
    // Three replicas on three of four nodes: the cut allows two a batch, as the survey counted them; the
    // batch before evicted one whose replacement is still starting, so the two drains of the next batch
    // count each other's replica as gone and wait for it.
    const old = ["aks-batch-0", "aks-batch-1", "aks-batch-2", "aks-batch-3"];
    const { fakes, fewest, seen } = unprotectedWeb(120, {
      pools: { old, new: ["aks-batchal3-0", "aks-batchal3-1", "aks-batchal3-2", "aks-batchal3-3"] },
      placement: old.slice(1).map((node) => ({ node, replicaSet: "web-5d8f" })),
      roundTrip: true,
    });
    const run = await harness.run(
      "pool-migration",
      inputOf({ batchSize: "auto", newPoolGrowth: "up-front", oldPoolShrink: "at-end" }),
      fakes,
    );
    expect(run.output.outcome).toBe("succeeded");
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(drains.slice(0, 4)).toEqual(["drain-0", "drain-1", "drain-2", "drain-3"]);
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("keeps a Ready replica of a Deployment mid-rollout whose two ReplicaSets share a node", async () => {
    // One replica of the old ReplicaSet and one of the new on one node: the check reads the Deployment's
    // Ready replicas (2) for each, so the pod evicted alongside counts by its workload, not its ReplicaSet.
    const { fakes, fewest, seen } = unprotectedWeb(120, {
      placement: [
        { node: "aks-batch-0", replicaSet: "web-5d8f" },
        { node: "aks-batch-0", replicaSet: "web-7c9b" },
      ],
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("keeps a Ready replica of it when both its replicas on one node are evicted in one round", async () => {
    // Each check reads 2 Ready: web-1's counts web-0, evicted before it in the round, as gone.
    const { fakes, fewest, seen } = unprotectedWeb(120, {
      placement: [
        { node: "aks-batch-0", replicaSet: "web-5d8f" },
        { node: "aks-batch-0", replicaSet: "web-5d8f" },
      ],
      roundTrip: true,
    });
    const run = await harness.run("pool-migration", inputOf(), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("keeps a Ready replica of it when a fixed batch size puts two of its nodes in one batch", async () => {
    // Two drains evicting at once could both pass the last-Ready check: a fixed size cuts around web too.
    const { fakes, fewest, seen } = unprotectedWeb(120, { roundTrip: true });
    const run = await harness.run("pool-migration", inputOf({ batchSize: 2 }), fakes);
    expect(run.output.outcome).toBe("succeeded");
    expect(fewest(), seen.join("; ")).toBeGreaterThanOrEqual(1);
  });

  it("holds its last Ready replica to the drain deadline, then asks a person", async () => {
    const { fakes } = unprotectedWeb(10 * 3600, {
      script: { ...approveAll(), decision: [{ decision: "rollback", comment: "web is broken" }] },
    });
    const records: MigrationRecord[] = [];
    const save = fakes["save-migration"] as NonNullable<ActivityFakes["save-migration"]>;
    fakes["save-migration"] = async (change) => {
      const answer = await save(change);
      if (change.set.blockers) records.push({ blockers: change.set.blockers } as MigrationRecord);
      return answer;
    };
    const run = await harness.run("pool-migration", inputOf({ batchSize: "auto" }), fakes);
    expect(run.output.outcome).toBe("rolled-back");
    const blockers = records.flatMap((r) => r.blockers ?? []);
    expect(blockers.join("\n")).toMatch(/blocked-past-deadline.*last Ready replica of Deployment shop\/web/);
  });
});

describe("pool-migration: a rollback's drain back in batches", () => {
  it("gives each batch of the drain back its own deadline, as the drain's batches have", async () => {
    const { fakes, records, podsOn } = world(approveAll());
    const newBudgets = {
      perNode: Object.fromEntries(NEW_NODES.map((n) => [n, {}])),
      allowed: {},
      drainsBackInBatches: true,
    };
    fakes["survey-pool"] = ({ pool }) =>
      pool === "batch" ? surveyOf(OLD_NODES) : surveyOf(NEW_NODES, { budgets: newBudgets });
    // The first new node's pod shuts down within its grace (10 min) but past the drain timeout (2 min);
    // the second new node's pod leaves at once.
    let slowGoneAt: number | undefined;
    podsOn.set("aks-batchal3-0", [pod("slow", { gracePeriodSeconds: 600 })]);
    podsOn.set("aks-batchal3-1", [pod("quick")]);
    const nodePods = fakes["node-pods"] as NonNullable<ActivityFakes["node-pods"]>;
    fakes["node-pods"] = (input) => {
      if (input.node !== "aks-batchal3-0" || slowGoneAt === undefined) return nodePods(input);
      if (harness.clock.now() >= slowGoneAt) return [];
      return [
        pod("slow", {
          gracePeriodSeconds: 600,
          terminatingSince: new Date(slowGoneAt - 200_000).toISOString(),
        }),
      ];
    };
    const evict = fakes["evict-pod"] as NonNullable<ActivityFakes["evict-pod"]>;
    fakes["evict-pod"] = (input) => {
      if (input.pod.name !== "slow") return evict(input);
      slowGoneAt ??= harness.clock.now() + 200_000;
      return { kind: "evicted" };
    };
    rollBackInRetention(fakes, records);
    const run = await harness.run(
      "pool-migration",
      inputOf({ drainTimeoutSeconds: 120, retentionSeconds: 4 * 3600 }),
      fakes,
    );
    expect(run.output.outcome).toBe("rolled-back");
    const drains = run.subOrchestrations().map((id) => id.slice(id.lastIndexOf(":") + 1));
    expect(drains).toEqual(["drain-0", "drain-1", "back1-0", "back1-1"]);
    // The first batch took past the drain timeout: the second batch's drain has a deadline of its own.
    const evicted = run.callsOf("evict-pod").map((c) => (c.input as { pod: { name: string } }).pod.name);
    const restored = (records.at(-1) as MigrationRecord).history.map((h) => h.event).join("\n");
    expect(evicted, restored).toContain("quick");
    expect(restored).toContain("pods drained back to the old pool");
  });
});

describe("pool-migration: a rollback begun again", () => {
  it("gives each rollback's ARM writes audit steps of their own", async () => {
    const names = OLD_NODES;
    const { fakes } = world(approveAll());
    fakes["observe-health"] = () => ({ ...healthy(), notReadyNodes: ["aks-batchal3-0"] });
    const controllers = [{ workload: { kind: "Deployment", namespace: "shop", name: "web" }, replicas: 2 }];
    fakes["survey-pool"] = ({ pool }) => ({
      drainOrder: pool === "batch" ? names : ["aks-batchal3-0"],
      budgets: { perNode: {}, allowed: {} },
      count: 2,
      mode: "User",
      autoscaler: { minCount: 1, maxCount: 4 },
      controllers,
    });
    // The first rollback's restore of a replica count fails for good, after its autoscaler was restored.
    fakes["scale-workloads"] = ({ step }) => {
      if (step.startsWith("rollback1:scale")) throw new Error("the API server is unavailable");
      return null;
    };
    const run = await harness.run("pool-migration", inputOf({ prePositionReplicas: true }), fakes);
    expect(run.output.outcome).toBe("failed");
    const steps = run.callsOf("request-pool-change").map((c) => (c.input as { step: string }).step);
    const again = steps.filter((step, i) => steps.indexOf(step) !== i);
    // Ids are migration + step: an audit record with the same id "exists", so the second write goes unrecorded.
    expect(again).toEqual([]);
  });
});
