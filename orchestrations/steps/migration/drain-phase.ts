// The drain: the old pool's nodes in the plan's order, a batch at a time, each node a `node-drain`
// sub-orchestration. A node with stuck pods asks a person (retry, skip a pod, delete it, roll back);
// between batches the health gate watches the seed's signals: one that clears within its grace lets the
// drain go on, one that persists halts it and rolls back (at once or after approval, by policy). When
// the options say so, the new pool grows a batch or two ahead while a batch drains and the old pool's
// drained machines are deleted once the batch passed its health gate.

import type { Task } from "durable-functions";
import {
  drainBatches,
  newPoolCountFor,
  retainedOldNodes,
} from "../../../shared/domain/migration/drain-batches.ts";
import { type HealthWatch, watchHealth } from "../../../shared/domain/migration/health-signals.ts";
import type { GateDecision, PodName } from "../../../shared/domain/migration/migration-record.ts";
import type { PoolSurvey } from "../../../shared/domain/migration/pool-survey.ts";
import type { PodRef } from "../../../shared/domain/ports/node-operations.ts";
import { childInstanceId } from "../../contracts/instance-ids.ts";
import type { NodeDrainInput, NodeDrainResult } from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "../../contracts.ts";
import { callActivity } from "../call-activity.ts";
import { type ControlVerdict, checkControl, waitFor } from "./controls.ts";
import { awaitGate, decidedBy, describeDecision, notifyQuietly } from "./gates.ts";
import type { MigrationRun } from "./migration-run.ts";
import { changePool, finishPoolChange, type PendingPoolChange, sendPoolChange } from "./pool-changes.ts";
import type { Changes } from "./rollback.ts";

/** Seconds between looks at a health signal that has not cleared yet. */
const HEALTH_RECHECK_SECONDS = 30;

/** The new pool as the drain sees it: its count now, its full shape, whether it grows in steps. */
export interface NewPoolSize {
  name: string;
  count: number;
  full: { count: number; availabilityZones: readonly string[] };
  grows: boolean;
}

export function* drainOldPool(
  run: MigrationRun,
  changes: Changes,
  survey: PoolSurvey,
  newPool: NewPoolSize,
): Generator<Task, ControlVerdict, unknown> {
  const { record, input } = run;
  const nodes = survey.drainOrder;
  // A survey from before budgets were surveyed (an older history) cuts fixed batches only.
  const batches = drainBatches(
    nodes,
    survey.budgets ?? { perNode: {}, allowed: {} },
    input.options.batchSize,
  );
  const shrinks = input.options.oldPoolShrink === "with-drain";
  // The last nodes in the order stay when AKS needs them (a system pool keeps one).
  const deletable = new Set(nodes.slice(0, Math.max(0, nodes.length - retainedOldNodes(survey.mode))));
  const first = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: record.clusterId,
    pools: [record.pool, newPool.name],
  });
  const health: HealthContext = {
    newPool: newPool.name,
    // Pods Pending before the drain began are not its doing (a Windows pod without a node, say).
    preexistingPending: new Set(first.pendingPods.map((p) => p.pod)),
    watch: watchHealth(undefined, first, input.options.thresholds).watch,
  };
  const offsets = batches.map((_, index) => batches.slice(0, index).flat().length);
  // The new pool's size before batch `index` drains: what moved, the batch, headroom; all of it at the last.
  const roomFor = (index: number) =>
    index >= batches.length - 1
      ? newPool.full.count
      : newPoolCountFor(offsets[index] as number, (batches[index] as string[]).length, newPool.full);
  for (const [index, batch] of batches.entries()) {
    const control = yield* checkControl(run);
    if (control.kind === "rollback") return control;
    let growing: Growth | undefined;
    if (newPool.grows) {
      const grown = yield* settle(run, newPool, yield* sendGrow(run, newPool, roomFor(index), `${index}`));
      if (grown.kind === "rollback") return grown;
      // New nodes take longer to come than a batch to drain: the next batch's room grows during this one,
      // two batches' room when both pools together stay below the two full pools a blue-green keeps.
      const deleted = changes.oldPoolShrunk?.deleted.length ?? 0;
      const twoAhead = survey.count - deleted + roomFor(index + 2) < survey.count + newPool.full.count;
      growing = yield* sendGrow(run, newPool, roomFor(index + (twoAhead ? 2 : 1)), `ahead:${index}`);
    }
    run.note(`draining ${batch.join(", ")}`);
    yield* run.save();
    // Nodes where a person chose to leave a pod are not deleted with the batch.
    const leftPods = new Set<string>();
    const drained = yield* drainBatch(run, batch, offsets[index] as number, leftPods);
    if (drained.kind === "rollback") return drained;
    record.nodes.drained += batch.length;
    run.note(`drained ${batch.join(", ")} (${record.nodes.drained} of ${record.nodes.total})`);
    yield* run.save();
    const verdict = yield* healthGate(run, health);
    if (verdict.kind === "rollback") return verdict;
    // ARM runs one operation on a cluster at a time: the growth ends before the machines' delete.
    const grown = yield* settle(run, newPool, growing);
    if (grown.kind === "rollback") return grown;
    if (shrinks) {
      const machines = batch.filter((node) => deletable.has(node) && !leftPods.has(node));
      yield* shrink(run, changes, survey.count, machines, index);
    }
  }
  return { kind: "go-on" };
}

/** A growth of the new pool sent and not yet seen to its end. */
interface Growth {
  count: number;
  change: PendingPoolChange;
}

/** The new pool asked to grow to `count`, when it is smaller; nothing is sent otherwise. */
function* sendGrow(
  run: MigrationRun,
  newPool: NewPoolSize,
  count: number,
  step: string,
): Generator<Task, Growth | undefined, unknown> {
  if (count <= newPool.count) return undefined;
  run.note(`growing ${newPool.name} from ${newPool.count} to ${count} nodes for the batches ahead`);
  run.overlap?.resize("new", count, run.nowMs());
  const change = yield* sendPoolChange(
    run,
    `grow-new-pool:${step}`,
    { kind: "update", pool: newPool.name, changes: { count } },
    "room on the new pool for the batches ahead",
  );
  return { count, change };
}

/** A growth seen to its end; a failure rolls back (the batches ahead would have no room). */
function* settle(
  run: MigrationRun,
  newPool: NewPoolSize,
  growth: Growth | undefined,
): Generator<Task, ControlVerdict, unknown> {
  if (growth === undefined) return { kind: "go-on" };
  const result = yield* finishPoolChange(run, growth.change);
  if (result.kind === "failed") {
    return {
      kind: "rollback",
      reason: `growing ${newPool.name} to ${growth.count} nodes failed: ${result.error}`,
      by: "pool-migration",
    };
  }
  newPool.count = growth.count;
  return { kind: "go-on" };
}

/**
 * A drained batch's machines deleted (AKS deleteMachines), the pool kept for a rollback, which scales it
 * back to `count`. A failed delete is noted, not a reason to stop: the nodes go with the pool at the end.
 */
function* shrink(
  run: MigrationRun,
  changes: Changes,
  count: number,
  machines: string[],
  index: number,
): Generator<Task, void, unknown> {
  if (machines.length === 0) return;
  changes.oldPoolShrunk ??= { count, deleted: [] };
  const shrunk = changes.oldPoolShrunk;
  // Recorded before the request: a rollback must scale back up even if the delete ends half done.
  shrunk.deleted.push(...machines);
  changes.taintedNodes = changes.taintedNodes.filter((node) => !machines.includes(node));
  const result = yield* changePool(
    run,
    `shrink-old-pool:${index}`,
    { kind: "delete-machines", pool: run.record.pool, machines },
    "drained and past the health gate: only the pool is kept for a rollback",
  );
  if (result.kind === "failed") {
    run.note(`deleting the drained ${machines.join(", ")} failed: ${result.error}; they go with the pool`);
    return;
  }
  run.overlap?.resize("old", count - shrunk.deleted.length, run.nowMs());
  run.note(`deleted the drained ${machines.join(", ")}`);
}

function* drainBatch(
  run: MigrationRun,
  batch: string[],
  offset: number,
  leftPods: Set<string>,
): Generator<Task, ControlVerdict, unknown> {
  const { context, record } = run;
  const { drainTimeoutSeconds } = run.input.options;
  const deadline = new Date(run.nowMs() + drainTimeoutSeconds * 1000).toISOString();
  const decisions = batch.map(() => ({ skip: [] as PodName[], delete: [] as PodRef[], attempt: 0, by: "" }));
  let pending = batch.map((_, index) => index);
  while (pending.length > 0) {
    const part = (index: number) => {
      const { attempt } = decisions[index] as (typeof decisions)[number];
      return childInstanceId(record.id, `drain-${offset + index}${attempt === 0 ? "" : `.${attempt}`}`);
    };
    // The HTTP side stops these when a pause or rollback is asked.
    record.draining = pending.map(part);
    yield* run.save();
    const results = (yield context.df.Task.all(
      pending.map((index) => {
        const decided = decisions[index] as (typeof decisions)[number];
        const drain: NodeDrainInput = {
          migrationId: record.id,
          clusterId: record.clusterId,
          node: batch[index] as string,
          // A node retried after a decision gets a deadline of its own.
          deadline:
            decided.attempt === 0
              ? deadline
              : new Date(run.nowMs() + drainTimeoutSeconds * 1000).toISOString(),
          skip: decided.skip,
          delete: decided.delete,
          ...(decided.by ? { decidedBy: decided.by } : {}),
        };
        const part = `drain-${offset + index}${decided.attempt === 0 ? "" : `.${decided.attempt}`}`;
        return context.df.callSubOrchestrator(
          ORCHESTRATIONS.nodeDrain,
          drain,
          childInstanceId(record.id, part),
        );
      }),
    )) as NodeDrainResult[];
    const held = pending.flatMap((index, position) => {
      const result = results[position] as NodeDrainResult;
      return result.kind === "drained" ? [] : [{ index, result }];
    });
    record.draining = [];
    for (const { index, result } of held) {
      const decided = decisions[index] as (typeof decisions)[number];
      const verdict =
        result.kind === "stopped"
          ? yield* checkControl(run)
          : yield* decide(run, batch[index] as string, result, decided);
      if (verdict.kind === "rollback") return verdict;
      if (decided.skip.length > 0) leftPods.add(batch[index] as string);
      // A stopped node is drained again (a new instance) once the pause is over.
      if (result.kind === "stopped") decided.attempt += 1;
    }
    record.blockers = [];
    pending = held.map(({ index }) => index);
  }
  return { kind: "go-on" };
}

/**
 * A node the drain could not finish: a person decides (retry, skip a stuck pod, delete it, roll back).
 * A decision about a pod must name one of the stuck pods; anything else is noted and asked again.
 */
function* decide(
  run: MigrationRun,
  node: string,
  result: Extract<NodeDrainResult, { kind: "stuck" | "failed" }>,
  decided: { skip: PodName[]; delete: PodRef[]; attempt: number; by: string },
): Generator<Task, ControlVerdict, unknown> {
  const { record } = run;
  const stuck = result.kind === "stuck" ? result.stuck : [];
  record.blockers =
    result.kind === "stuck"
      ? stuck.map((s) => `${s.pod.namespace}/${s.pod.name} on ${node}: ${s.reason} (${s.detail})`)
      : [`the drain of ${node} kept failing: ${result.error}`];
  yield* notifyQuietly(run, {
    migrationId: record.id,
    id: `${record.id}:stuck:${node}:${decided.attempt}`,
    cluster: record.cluster,
    pool: record.pool,
    severity: "warning",
    title: `Drain of ${node} is stuck: a person decides`,
    text: record.blockers.join("\n"),
  });
  const accepts: GateDecision["decision"][] =
    stuck.length > 0 ? ["retry", "skip-pod", "delete-pod", "rollback"] : ["retry", "rollback"];
  const evidence = result.kind === "stuck" ? { node, stuck } : { node, error: result.error };
  for (;;) {
    const gate = yield* awaitGate(run, "decision", evidence, accepts, {
      timeoutSeconds: run.input.options.gateTimeoutSeconds,
      expirySeconds: run.input.options.gateExpirySeconds,
    });
    if (gate.kind === "control") return { kind: "rollback", reason: gate.event.reason, by: gate.event.by };
    if (gate.kind === "expired") {
      return {
        kind: "rollback",
        reason: `nobody decided on the stuck drain of ${node}`,
        by: "pool-migration",
      };
    }
    const { answer, by, comment } = gate.answer;
    if (answer.decision === "rollback")
      return { kind: "rollback", reason: comment || `asked while ${node} was stuck`, by };
    if (answer.decision === "skip-pod" || answer.decision === "delete-pod") {
      const target = stuck.find(
        (s) => s.pod.namespace === answer.pod.namespace && s.pod.name === answer.pod.name,
      );
      if (!target) {
        run.note(`${answer.pod.namespace}/${answer.pod.name} is not a stuck pod of ${node}: asked again`, by);
        continue;
      }
      if (answer.decision === "skip-pod") decided.skip.push(target.pod);
      else decided.delete.push({ ...target.pod, uid: target.uid });
    }
    decided.by = by;
    decided.attempt += 1;
    run.note(`drain of ${node} goes on: ${describeDecision(answer)}`, by);
    return { kind: "go-on" };
  }
}

interface HealthContext {
  newPool: string;
  preexistingPending: ReadonlySet<string>;
  watch: HealthWatch;
}

/** One look at the signals, folded into the watch. */
function* observe(
  run: MigrationRun,
  health: HealthContext,
): Generator<Task, ReturnType<typeof watchHealth>, unknown> {
  const observation = yield* callActivity(run.context, ACTIVITIES.observeHealth, {
    clusterId: run.record.clusterId,
    pools: [run.record.pool, health.newPool],
  });
  const pendingPods = observation.pendingPods.filter((p) => !health.preexistingPending.has(p.pod));
  const look = watchHealth(health.watch, { ...observation, pendingPods }, run.input.options.thresholds);
  health.watch = look.watch;
  run.record.health = { at: observation.at, verdict: look.verdict, signals: look.signals };
  return look;
}

function* healthGate(run: MigrationRun, health: HealthContext): Generator<Task, ControlVerdict, unknown> {
  for (;;) {
    const look = yield* observe(run, health);
    if (look.verdict === "healthy") {
      run.record.blockers = [];
      return { kind: "go-on" };
    }
    run.record.blockers = look.signals.map((signal) => `${signal.detail} (since ${signal.since})`);
    if (look.verdict === "failing") {
      const reason = `health signal persisted: ${run.record.blockers.join("; ")}`;
      if (run.input.options.rollback === "automatic")
        return { kind: "rollback", reason, by: "pool-migration" };
      const gate = yield* awaitGate(run, "decision", { signals: look.signals }, ["rollback", "retry"], {
        timeoutSeconds: run.input.options.gateTimeoutSeconds,
        expirySeconds: run.input.options.gateExpirySeconds,
      });
      // "retry" here means: go on despite the signal (a person looked at it).
      if (gate.kind === "answered" && gate.answer.answer.decision === "retry") return { kind: "go-on" };
      return { kind: "rollback", reason, by: decidedBy(gate) };
    }
    run.note(`waiting for health signals to clear: ${run.record.blockers.join("; ")}`);
    yield* run.save();
    const verdict = yield* waitFor(run, HEALTH_RECHECK_SECONDS);
    if (verdict.kind === "rollback") return verdict;
  }
}
