// A node pool's migration as the seed's procedure: preflight (a plan, nothing changed) -> maintenance
// window -> gate "start" -> create the new pool (ARM, polled on durable timers) -> validate it -> gate
// "cutover" -> cordon the old pool -> drain it in batches under health gates (the new pool grown ahead
// of each, the old pool's drained machines deleted behind, as the options say) -> keep it for the
// retention window -> gate "delete" (optional) -> delete it -> close with cost and durations. Rollback
// is a step any phase can enter; people steer it through gates and the control channel. An in-place
// strategy updates the pool's osSku instead (cheaper, no fast rollback).

import type { OrchestrationContext, Task } from "durable-functions";
import {
  GROWTH_LEAD_BATCHES,
  growsWithDrain,
  headroomNodes,
  newPoolCeiling,
  newPoolRoomFor,
} from "../shared/domain/migration/drain-batches.ts";
import { nextWindowStart } from "../shared/domain/migration/maintenance-window.ts";
import { MIGRATION_TAG, type MigrationPlan } from "../shared/domain/migration/migration-plan.ts";
import type { Outcome } from "../shared/domain/migration/migration-record.ts";
import { durationText, RETIRING_TAINT } from "../shared/domain/migration/migration-runbook.ts";
import type { PoolSurvey } from "../shared/domain/migration/pool-survey.ts";
import type { ValidationEvidence } from "../shared/domain/migration/pool-validation.ts";
import { imagesGoneBeforeEnd } from "../shared/domain/migration/preflight-plan.ts";
import type {
  MigrationSummary,
  PoolMigrationInput,
  PoolMigrationResult,
} from "./contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { callActivity, errorMessage } from "./steps/call-activity.ts";
import { type ControlVerdict, checkControl, waitFor } from "./steps/migration/controls.ts";
import { drainAgain, drainOldPool } from "./steps/migration/drain-phase.ts";
import { awaitGate, decidedBy, type GateResult, notifyQuietly } from "./steps/migration/gates.ts";
import { startHealthWatch, watchThrough } from "./steps/migration/health-watch.ts";
import { MigrationRun } from "./steps/migration/migration-run.ts";
import { OverlapMeter } from "./steps/migration/overlap-meter.ts";
import { changePool } from "./steps/migration/pool-changes.ts";
import { type Changes, rollBack } from "./steps/migration/rollback.ts";
import { registerOrchestration } from "./steps/register.ts";

/** How long a new pool has to settle (nodes Ready, daemonsets running), and how often it is looked at. */
const VALIDATION_SECONDS = 15 * 60;
const VALIDATION_RECHECK_SECONDS = 20;
/** How long pre-positioned replicas have to become Ready. */
const PRE_POSITION_SECONDS = 10 * 60;

/** The story ends early with an outcome; thrown inside the orchestrator only, caught below. */
class Ended {
  readonly outcome: Outcome;
  readonly rolledBack?: { reason: string; restored: string[] };

  constructor(outcome: Outcome, rolledBack?: { reason: string; restored: string[] }) {
    this.outcome = outcome;
    if (rolledBack) this.rolledBack = rolledBack;
  }
}

export function* poolMigration(
  context: OrchestrationContext,
  input: PoolMigrationInput,
): Generator<Task, PoolMigrationResult, unknown> {
  const run = new MigrationRun(context, input);
  const changes: Changes = {
    taintedNodes: [],
    prePositioned: [],
    leftPods: {},
    podsMoved: false,
    rollbacks: 0,
  };
  const overrides: string[] = [];
  let plan: MigrationPlan | undefined;
  let postChecks: MigrationSummary["postChecks"];
  let ended: Ended;
  try {
    run.note(
      `requested by ${input.requestedBy.name}: ${input.pool} to ${input.targetOsSku}`,
      input.requestedBy.name,
    );
    yield* run.save();
    plan = yield* preflight(run);
    yield* gateUnlessBlocked(run, plan, overrides);
    yield* maintenanceWindow(run);
    yield* gateOrEnd(run, changes, "start", { plan: summaryOf(plan) });
    if (plan.strategy.chosen === "in-place") {
      yield* updateInPlace(run, plan);
    } else {
      const full = plan.newPool as NonNullable<MigrationPlan["newPool"]>;
      const grows = growsWithDrain(input.options, full);
      // Growing with the drain: the first two batches' room now (a growth takes longer than a batch's
      // drain), the rest while the drain goes on.
      const sizes = (plan.batches ?? []).map((batch) => batch.length);
      const room = { count: full.count, headroom: headroomNodes(full.availabilityZones) };
      const shrinks = yield* oldPoolShrinks(run, plan);
      const ceiling = newPoolCeiling(full.count, shrinks, 0);
      const twoBatches = Math.min(newPoolRoomFor(sizes, GROWTH_LEAD_BATCHES - 1, room), ceiling);
      const spec = grows ? { ...full, count: Math.max(newPoolRoomFor(sizes, 0, room), twoBatches) } : full;
      yield* run.enter(
        "creating-pool",
        `creating pool ${spec.name} (${spec.osSku}, ${spec.count} x ${spec.vmSize}${grows ? `, growing to ${full.count} with the drain` : ""})`,
      );
      run.overlap = new OverlapMeter(full.count, run.nowMs());
      run.overlap.resize("new", spec.count, run.nowMs());
      changes.newPool = { name: spec.name, nodes: [] };
      const createdFrom = run.nowMs();
      const created = yield* changePool(
        run,
        "create-pool",
        { kind: "create", spec: { ...spec, tags: { ...spec.tags, [MIGRATION_TAG]: run.record.id } } },
        "the new pool of the migration",
      );
      if (created.kind === "failed")
        yield* rollBackAndEnd(
          run,
          changes,
          `creating ${spec.name} failed: ${created.error}`,
          "pool-migration",
        );
      // How long a growth of the pool may take, until one is seen.
      const createMs = run.nowMs() - createdFrom;
      const evidence = yield* validate(run, spec.name, spec.count);
      changes.newPool.nodes = evidence.nodes.map((node) => node.name);
      if (!evidence.ok)
        yield* rollBackAndEnd(
          run,
          changes,
          `validation of ${spec.name} failed: ${evidence.problems.join("; ")}`,
          "pool-migration",
        );
      yield* gateOrEnd(run, changes, "cutover", evidence);
      const survey = yield* cordon(run, changes);
      run.overlap.oldPoolFound(survey.count, run.nowMs());
      yield* run.enter("draining", `draining ${survey.drainOrder.length} nodes of ${input.pool}`);
      changes.podsMoved = survey.drainOrder.length > 0;
      const health = yield* startHealthWatch(run, spec.name, survey);
      yield* orRollBack(
        run,
        changes,
        yield* drainOldPool(
          run,
          changes,
          survey,
          shrinks,
          { name: spec.name, count: spec.count, full, grows, createMs },
          health,
        ),
      );
      yield* run.enter(
        "retention",
        `keeping ${input.pool}${changes.oldPoolShrunk ? ` (its drained machines deleted, scaled back to ${changes.oldPoolShrunk.count} on a rollback)` : ""} for ${durationText(input.options.retentionSeconds)} for a rollback${survey.watchesRetention ? ", its health watched" : ""}`,
      );
      const retention = input.options.retentionSeconds;
      yield* orRollBack(
        run,
        changes,
        // A survey from before the retention was watched (an older history) replays the bare wait.
        survey.watchesRetention
          ? yield* watchThrough(run, health, retention)
          : yield* waitFor(run, retention),
      );
      if (input.options.deleteGate)
        yield* gateOrEnd(run, changes, "delete", { pool: input.pool, drained: run.record.nodes });
      yield* orRollBack(
        run,
        changes,
        yield* drainAgain(run, changes, changes.taintedNodes, { kind: "last" }),
      );
      yield* run.enter("deleting-old-pool", `deleting ${input.pool}`);
      changes.oldPoolDeleting = true;
      const deleted = yield* changePool(
        run,
        "delete-old-pool",
        { kind: "delete", pool: input.pool },
        "the migrated pool is drained",
      );
      if (deleted.kind === "failed") {
        run.note(`deleting ${input.pool} failed: ${deleted.error}; the workloads run on ${spec.name}`);
        throw new Ended("failed");
      }
      run.overlap.resize("old", 0, run.nowMs());
      yield* restoreReplicas(run, changes);
      postChecks = yield* checkAfterwards(run, spec.name, full.count);
    }
    ended = new Ended("succeeded");
  } catch (error) {
    ended = error instanceof Ended ? error : yield* failed(run, changes, error);
  }
  yield* run.enter("closing", `closing: ${ended.outcome}`, "surely");
  const summary = yield* close(run, plan, overrides, ended);
  if (postChecks) summary.postChecks = postChecks;
  run.record.outcome = ended.outcome;
  run.record.summary = summary;
  yield* run.enter("done", `ended: ${ended.outcome}`, "surely");
  return { outcome: ended.outcome, summary };
}

/**
 * A step failed for good (its activity's retries spent): what was changed is rolled back as far as it
 * goes, and the migration ends as failed, so its record never stays "under way" for a workflow that
 * stopped. A rollback that fails too is recorded, not retried: a person takes it from there.
 */
function* failed(run: MigrationRun, changes: Changes, error: unknown): Generator<Task, Ended, unknown> {
  const reason = `${run.record.phase} failed: ${errorMessage(error)}`;
  run.note(reason);
  if (changes.oldPoolDeleting) {
    // The old pool is going or gone: the new pool is all there is, and it stays as it is.
    run.note("nothing to roll back to: the old pool's delete was asked; the workloads run on the new pool");
    return new Ended("failed");
  }
  if (!changes.newPool && changes.taintedNodes.length === 0) return new Ended("failed");
  try {
    const { restored } = yield* rollBack(run, changes, reason, "pool-migration");
    return new Ended("failed", { reason, restored });
  } catch (rollbackError) {
    run.note(
      `the rollback failed too: ${errorMessage(rollbackError)}; the cluster needs a person (see the runbook's rollback)`,
    );
    return new Ended("failed", { reason, restored: [] });
  }
}

function* preflight(run: MigrationRun): Generator<Task, MigrationPlan, unknown> {
  const { input, record } = run;
  try {
    const plan = yield* callActivity(run.context, ACTIVITIES.planMigration, {
      clusterId: input.clusterId,
      pool: input.pool,
      targetOsSku: input.targetOsSku,
      options: input.options,
      now: run.now(),
    });
    record.strategy = plan.strategy.chosen;
    if (plan.newPool) record.newPool = plan.newPool.name;
    record.approvalPolicy = plan.approvals;
    record.nodes = { drained: 0, total: plan.drainOrder.length };
    record.blockers = plan.findings.filter((f) => f.severity === "blocking").map((f) => f.detail);
    run.note(
      `planned: ${plan.strategy.chosen} (${plan.strategy.reasons.join("; ")}); ${plan.findings.length} findings, ${record.blockers.length} blocking`,
    );
    yield* run.save();
    return plan;
  } catch (error) {
    run.note(`preflight failed: ${errorMessage(error)}`);
    throw new Ended("failed");
  }
}

/** Blocking findings hold the migration at gate "override": an approval is recorded with them. */
function* gateUnlessBlocked(
  run: MigrationRun,
  plan: MigrationPlan,
  overrides: string[],
): Generator<Task, void, unknown> {
  if (!plan.blocked) return;
  const findings = plan.findings.filter((f) => f.severity === "blocking");
  const result = yield* awaitGate(run, "override", { findings }, ["approve", "reject"], limitsOf(run));
  endUnlessApproved(result);
  const answered = result as Extract<GateResult, { kind: "answered" }>;
  overrides.push(...findings.map((f) => `${f.code}: ${f.detail} (overridden by ${answered.answer.by})`));
  run.record.blockers = [];
  yield* callActivity(run.context, ACTIVITIES.recordAudit, {
    id: `${run.record.id}:override:outcome`,
    migrationId: run.record.id,
    stage: "outcome",
    at: run.now(),
    actor: answered.answer.by,
    action: "override",
    target: `${run.record.cluster}/${run.record.pool}`,
    reason: answered.answer.comment,
    evidence: findings,
    result: "blocking findings overridden",
  });
}

function* maintenanceWindow(run: MigrationRun): Generator<Task, void, unknown> {
  const window = run.input.options.maintenanceWindow;
  if (!window) return;
  const opens = nextWindowStart(window, run.context.df.currentUtcDateTime).getTime();
  if (opens <= run.nowMs()) return;
  yield* run.enter("window", `waiting for the maintenance window at ${new Date(opens).toISOString()}`);
  const verdict = yield* waitFor(run, (opens - run.nowMs()) / 1000);
  if (verdict.kind === "rollback") {
    run.note(`cancelled before any change: ${verdict.reason}`, verdict.by);
    throw new Ended("rolled-back", { reason: verdict.reason, restored: [] });
  }
}

function* gateOrEnd(
  run: MigrationRun,
  changes: Changes,
  gate: "start" | "cutover" | "delete",
  evidence: unknown,
): Generator<Task, void, unknown> {
  yield* run.enter(
    gate === "start" ? "awaiting-start" : gate === "cutover" ? "awaiting-cutover" : run.record.phase,
    `gate ${gate}`,
  );
  const result = yield* awaitGate(run, gate, evidence, ["approve", "reject"], limitsOf(run));
  if (result.kind === "answered" && result.answer.answer.decision === "approve") return;
  if (gate === "start") endUnlessApproved(result);
  const reason =
    result.kind === "answered"
      ? `gate ${gate} rejected by ${result.answer.by}: ${result.answer.comment}`
      : result.kind === "expired"
        ? `gate ${gate} expired`
        : result.event.reason;
  const by = decidedBy(result);
  yield* rollBackAndEnd(
    run,
    changes,
    reason,
    by,
    result.kind === "expired" ? "expired" : result.kind === "answered" ? "rejected" : "rolled-back",
  );
}

/** Before any change: a rejection or an expiry ends the migration; nothing needs undoing. */
function endUnlessApproved(result: GateResult): void {
  if (result.kind === "answered" && result.answer.answer.decision === "approve") return;
  if (result.kind === "expired") throw new Ended("expired");
  if (result.kind === "control")
    throw new Ended("rolled-back", { reason: result.event.reason, restored: [] });
  throw new Ended("rejected");
}

function limitsOf(run: MigrationRun) {
  return {
    timeoutSeconds: run.input.options.gateTimeoutSeconds,
    expirySeconds: run.input.options.gateExpirySeconds,
  };
}

/** Rolls back and ends with `outcome`, or as failed when the workloads could not all be brought back. */
function* rollBackAndEnd(
  run: MigrationRun,
  changes: Changes,
  reason: string,
  by: string,
  outcome: Outcome = "rolled-back",
): Generator<Task, never, unknown> {
  const { restored, workloadsBack } = yield* rollBack(run, changes, reason, by);
  throw new Ended(workloadsBack ? outcome : "failed", { reason, restored });
}

function* orRollBack(
  run: MigrationRun,
  changes: Changes,
  verdict: ControlVerdict,
): Generator<Task, void, unknown> {
  if (verdict.kind === "rollback") yield* rollBackAndEnd(run, changes, verdict.reason, verdict.by);
}

/** Looks at the new pool until it settles (or the time is up): nodes Ready, daemonsets running. */
function* validate(
  run: MigrationRun,
  pool: string,
  expectedNodes: number,
): Generator<Task, ValidationEvidence, unknown> {
  yield* run.enter("validating", `validating ${pool}`);
  const until = run.nowMs() + VALIDATION_SECONDS * 1000;
  for (let look = 0; ; look++) {
    const evidence = yield* callActivity(run.context, ACTIVITIES.validatePool, {
      migrationId: run.record.id,
      step: `validate:${look}`,
      actor: "pool-migration",
      reason: "validating the new pool",
      clusterId: run.record.clusterId,
      pool,
      targetOsSku: run.input.targetOsSku,
      expectedNodes,
      smokePod: run.input.options.smokePod,
    });
    if (evidence.settled) return evidence;
    if (run.nowMs() >= until) {
      return {
        ...evidence,
        ok: false,
        problems: [...evidence.problems, `${pool} did not settle within ${VALIDATION_SECONDS / 60} minutes`],
      };
    }
    const verdict = yield* waitFor(run, VALIDATION_RECHECK_SECONDS);
    if (verdict.kind === "rollback")
      return { ...evidence, ok: false, problems: [`rollback asked by ${verdict.by}: ${verdict.reason}`] };
  }
}

/**
 * Cordons the old pool as it is now (the plan may be days old): its autoscaler off first, so it adds no
 * node the taint would miss, then every node it has tainted, then a replica pre-positioned per
 * controller when asked. Returns the pool as surveyed: its nodes to drain, least critical first.
 */
function* cordon(run: MigrationRun, changes: Changes): Generator<Task, PoolSurvey, unknown> {
  const { context, record, input } = run;
  const pool = { clusterId: record.clusterId, pool: input.pool };
  yield* run.enter("cordoning", `cordoning ${input.pool}`);
  const before = yield* callActivity(context, ACTIVITIES.surveyPool, pool);
  if (before.autoscaler) {
    changes.autoscaler = before.autoscaler;
    const result = yield* changePool(
      run,
      "autoscaler-off",
      {
        kind: "update",
        pool: input.pool,
        changes: { enableAutoScaling: false, minCount: null, maxCount: null },
      },
      "the autoscaler would fight the drain",
    );
    if (result.kind === "failed") {
      yield* rollBackAndEnd(
        run,
        changes,
        `turning the autoscaler off failed: ${result.error}`,
        "pool-migration",
      );
    }
  }
  const survey = before.autoscaler ? yield* callActivity(context, ACTIVITIES.surveyPool, pool) : before;
  record.nodes = { drained: 0, total: survey.drainOrder.length };
  run.note(
    `tainting ${survey.drainOrder.length} nodes ${RETIRING_TAINT.key}=${RETIRING_TAINT.value}:${RETIRING_TAINT.effect}`,
  );
  changes.taintedNodes = survey.drainOrder;
  yield* callActivity(context, ACTIVITIES.setTaints, {
    migrationId: record.id,
    step: "taint-old",
    actor: "pool-migration",
    reason: "the pool is being retired",
    clusterId: record.clusterId,
    nodes: survey.drainOrder,
    taint: RETIRING_TAINT,
    present: true,
  });
  if (input.options.prePositionReplicas && survey.controllers.length > 0) {
    yield* prePosition(run, changes, survey.controllers);
  }
  yield* orRollBack(run, changes, yield* checkControl(run));
  return survey;
}

/** One more replica per controller, kept until the migration ends; waits until they are Ready. */
function* prePosition(
  run: MigrationRun,
  changes: Changes,
  controllers: Changes["prePositioned"],
): Generator<Task, void, unknown> {
  const { context, record } = run;
  changes.prePositioned = controllers;
  yield* callActivity(context, ACTIVITIES.scaleWorkloads, {
    migrationId: record.id,
    step: "pre-position",
    actor: "pool-migration",
    reason: "pre-positioning a replica on the new pool",
    clusterId: record.clusterId,
    changes: controllers.map(({ workload, replicas }) => ({ workload, replicas: replicas + 1 })),
  });
  const until = run.nowMs() + PRE_POSITION_SECONDS * 1000;
  for (;;) {
    const ready = yield* callActivity(context, ACTIVITIES.workloadsReady, {
      clusterId: record.clusterId,
      workloads: controllers.map((c) => c.workload),
    });
    if (ready.ready) return;
    if (run.nowMs() >= until) {
      yield* rollBackAndEnd(
        run,
        changes,
        `pre-positioned replicas not Ready: ${ready.notReady.join(", ")}`,
        "pool-migration",
      );
    }
    yield* orRollBack(run, changes, yield* waitFor(run, VALIDATION_RECHECK_SECONDS));
  }
}

function* restoreReplicas(run: MigrationRun, changes: Changes): Generator<Task, void, unknown> {
  if (changes.prePositioned.length === 0) return;
  yield* callActivity(run.context, ACTIVITIES.scaleWorkloads, {
    migrationId: run.record.id,
    step: "restore-replicas",
    actor: "pool-migration",
    reason: "the migration is done: pre-positioned replicas go",
    clusterId: run.record.clusterId,
    changes: changes.prePositioned,
  });
}

/**
 * After the old pool is gone: the new pool looked at once more (nodes, daemonsets) with the health
 * signals; a problem is reported and told, the migration having done its part.
 */
function* checkAfterwards(
  run: MigrationRun,
  pool: string,
  expectedNodes: number,
): Generator<Task, { ok: boolean; problems: string[] }, unknown> {
  yield* run.enter("closing", "post-migration checks");
  const evidence = yield* callActivity(run.context, ACTIVITIES.validatePool, {
    migrationId: run.record.id,
    step: "post-check",
    actor: "pool-migration",
    reason: "post-migration checks",
    clusterId: run.record.clusterId,
    pool,
    targetOsSku: run.input.targetOsSku,
    expectedNodes,
    smokePod: false,
  });
  const health = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [pool],
  });
  const problems = [
    ...evidence.problems,
    ...health.notReadyNodes.map((node) => `node ${node} is NotReady`),
    ...health.failingDaemonSetPods.map((pod) => `daemonset pod ${pod} is failing`),
    ...health.pendingPods.map(({ pod, since }) => `pod ${pod} is Pending since ${since}`),
  ];
  run.note(
    problems.length === 0
      ? "post-migration checks passed"
      : `post-migration checks found: ${problems.join("; ")}`,
  );
  if (problems.length > 0) {
    yield* notifyQuietly(run, {
      id: `${run.record.id}:post-checks`,
      migrationId: run.record.id,
      cluster: run.record.cluster,
      pool: run.record.pool,
      severity: "warning",
      title: "Post-migration checks found problems",
      text: problems.join("\n"),
    });
  }
  return { ok: problems.length === 0, problems };
}

/** In place: one osSku update of the pool (nodes reimaged by AKS), then the same validation. */
function* updateInPlace(run: MigrationRun, plan: MigrationPlan): Generator<Task, void, unknown> {
  const { input } = run;
  yield* run.enter("updating-in-place", `updating ${input.pool} to ${input.targetOsSku} in place`);
  const updated = yield* changePool(
    run,
    "update-os-sku",
    { kind: "update", pool: input.pool, changes: { osSku: input.targetOsSku } },
    "in-place osSku update",
  );
  if (updated.kind === "failed") {
    run.note(`the update failed: ${updated.error}`);
    throw new Ended("failed");
  }
  const evidence = yield* validate(run, input.pool, plan.drainOrder.length);
  if (!evidence.ok) {
    run.note(
      `after the in-place update: ${evidence.problems.join("; ")} (an in-place update has no fast rollback)`,
    );
    throw new Ended("failed");
  }
}

function* close(
  run: MigrationRun,
  plan: MigrationPlan | undefined,
  overrides: string[],
  ended: Ended,
): Generator<Task, MigrationSummary, unknown> {
  const overlapNodeHours = run.overlap?.total(run.nowMs()) ?? 0;
  let cost: unknown = null;
  if (plan?.newPool) {
    try {
      ({ cost } = yield* callActivity(run.context, ACTIVITIES.accountMigration, {
        vmSize: plan.newPool.vmSize,
        overlapNodeHours,
      }));
    } catch (error) {
      // The cost is reported, not a reason to leave the migration without an outcome.
      run.note(`the cost could not be priced: ${errorMessage(error)}`);
    }
  }
  return {
    overlapNodeHours,
    cost,
    phaseSeconds: run.phaseSeconds,
    ...(run.batchesDrained > 0 && { batches: run.batchesDrained }),
    overrides,
    blockers: plan?.findings.filter((f) => f.severity === "blocking").map((f) => f.detail) ?? [],
    ...(ended.rolledBack ? { rolledBack: ended.rolledBack } : {}),
  };
}

/**
 * Whether the drain deletes the old pool's drained machines: as planned (the option, for a plan from before
 * the field), unless the old images are removed before the migration would end now: a start gate may have
 * waited days since the plan.
 */
function* oldPoolShrinks(run: MigrationRun, plan: MigrationPlan): Generator<Task, boolean, unknown> {
  const planned = plan.oldPoolShrinks ?? run.input.options.oldPoolShrink === "with-drain";
  if (!planned || !imagesGoneBeforeEnd(plan.oldImageRemoval, run.nowMs(), plan.cost.durationHours)) {
    return planned;
  }
  run.note(
    `keeping the drained machines of ${run.input.pool}: its node images are removed on ${plan.oldImageRemoval?.date}, before this migration would end, and a rollback could not scale it back after`,
  );
  yield* run.save();
  return false;
}

function summaryOf(plan: MigrationPlan) {
  const { strategy, newPool, drainOrder, pods, findings, cost } = plan;
  return { strategy, newPool, drainOrder, pods, findings, cost };
}

registerOrchestration(ORCHESTRATIONS.poolMigration, poolMigration);
