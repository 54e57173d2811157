// The drain: the old pool's nodes in the plan's order, a batch at a time, each node a `node-drain`
// sub-orchestration. A node with stuck pods asks a person (retry, skip a pod, delete it, roll back);
// between batches the health gate watches the seed's signals: one that clears within its grace lets the
// drain go on, one that persists halts it and rolls back (at once or after approval, by policy). When
// the options say so, the new pool grows ahead while a batch drains (as many batches as drain while a
// growth runs) and the old pool's drained machines are deleted once the batch passed its health gate. A
// batch is done once its evicted pods are shutting down and its nodes hold only pods their budgets refuse
// (those nodes drain on with the next batch, and while it waits for its room); a machine is deleted only
// once its pods are gone (waited for when its room is needed, and after the last batch).

import type { Task } from "durable-functions";
import {
  drainBatches,
  GROWTH_LEAD_BATCHES,
  growthLeadBatches,
  headroomNodes,
  newPoolCeiling,
  newPoolRoomFor,
  poolWorkOrder,
  retainedOldNodes,
} from "../../../shared/domain/migration/drain-batches.ts";
import { type NodePod, stuckPodDecisions } from "../../../shared/domain/migration/drain-progress.ts";
import type { GateDecision, PodName } from "../../../shared/domain/migration/migration-record.ts";
import type { PoolSurvey } from "../../../shared/domain/migration/pool-survey.ts";
import type { PodRef } from "../../../shared/domain/ports/node-operations.ts";
import { childInstanceId } from "../../contracts/instance-ids.ts";
import type { NodeDrainInput, NodeDrainResult, PodDelete } from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "../../contracts.ts";
import { batchedFanOut } from "../batched-fan-out.ts";
import { errorMessage, retriedActivityTask } from "../call-activity.ts";
import { type ControlVerdict, checkControl } from "./controls.ts";
import { besideIn } from "./drain-inputs.ts";
import { awaitGate, describeDecision, notifyQuietly } from "./gates.ts";
import { type HealthContext, healthGate } from "./health-watch.ts";
import type { MigrationRun } from "./migration-run.ts";
import {
  finishPoolChange,
  lookAtPoolChange,
  type PendingPoolChange,
  sendPoolChange,
} from "./pool-changes.ts";
import type { Changes } from "./rollback.ts";

/** Drained machines whose pods are read at once before their delete. */
const MACHINE_LOOKS_AT_ONCE = 10;

/** The new pool as the drain sees it: its count now, its full shape, whether it grows in steps. */
export interface NewPoolSize {
  name: string;
  count: number;
  full: { count: number; availabilityZones: readonly string[] };
  grows: boolean;
  /** How long the pool's create took: what a growth takes until one is seen. */
  createMs: number;
}

export function* drainOldPool(
  run: MigrationRun,
  changes: Changes,
  survey: PoolSurvey,
  /** Whether drained machines are deleted (the plan's oldPoolShrinks). */
  shrinks: boolean,
  newPool: NewPoolSize,
  health: HealthContext,
): Generator<Task, ControlVerdict, unknown> {
  const { record, input } = run;
  const nodes = survey.drainOrder;
  // A survey from before budgets were surveyed (an older history) cuts fixed batches only.
  const batches = drainBatches(
    nodes,
    survey.budgets ?? { perNode: {}, allowed: {} },
    input.options.batchSize,
  );
  // The last nodes in the order stay when AKS needs them (a system pool keeps one).
  const deletable = new Set(nodes.slice(0, Math.max(0, nodes.length - retainedOldNodes(survey.mode))));
  const sizes = batches.map((batch) => batch.length);
  const offsets = sizes.map((_, index) => sizes.slice(0, index).reduce((sum, size) => sum + size, 0));
  const room = { count: newPool.full.count, headroom: headroomNodes(newPool.full.availabilityZones) };
  const roomFor = (index: number) => newPoolRoomFor(sizes, index, room);
  const pools: PoolWork = {
    newPool,
    changes,
    shrinks,
    oldCount: survey.count,
    drained: [],
    growthMs: newPool.createMs,
    drainingMs: 0,
  };
  run.handsOverHeld = survey.budgets?.handsOverHeld === true;
  run.budgets = survey.budgets;
  const drainsHeldWhileRoomComes = survey.budgets?.drainsHeldWhileRoomComes === true;
  const holding: Holding = { held: [], drainedMeanwhile: [] };
  for (const [index, batch] of batches.entries()) {
    const control = yield* checkControl(run);
    if (control.kind === "rollback") return control;
    if (newPool.grows && newPool.count < roomFor(index)) {
      // Read once the growth under way has ended: it tells how long one takes.
      const ahead = () => roomFor(index + growthLead(run, pools, index));
      const meanwhile = drainsHeldWhileRoomComes
        ? drainHeldMeanwhile(run, nodes, changes.leftPods, holding, index)
        : undefined;
      const made = yield* makeRoom(run, pools, roomFor(index), ahead, index, meanwhile);
      if (made.kind === "rollback") return made;
    }
    const looked = yield* settle(run, pools, "one look");
    if (looked.kind === "rollback") return looked;
    if (pools.arm === undefined) pools.arm = yield* nextPoolWork(run, pools, roomFor, index);
    const { held } = holding;
    const goingOn = held.length > 0 ? ` (and on with ${held.map((h) => h.node).join(", ")})` : "";
    run.note(`draining ${batch.join(", ")}${goingOn}`);
    yield* run.save();
    const offset = offsets[index] as number;
    const batchStart = run.nowMs();
    const drained = yield* drainBatch(
      run,
      [
        ...held.map((h) => ({
          node: h.node,
          name: `h${index}-${nodes.indexOf(h.node)}`,
          deadline: new Date(run.nowMs() + h.leftMs).toISOString(),
        })),
        ...batch.map((node, position) => ({ node, name: `drain-${offset + position}` })),
      ],
      changes.leftPods,
      // The last batch sees every node to its end.
      { leaveShuttingDown: true, handOverHeld: run.handsOverHeld && index < batches.length - 1 },
    );
    if (drained.kind === "rollback") return drained;
    pools.drainingMs += run.nowMs() - batchStart;
    const done = [...held.map((h) => h.node), ...batch].filter(
      (node) => !drained.held.some((h) => h.node === node),
    );
    holding.held = drained.held;
    record.nodes.drained += done.length;
    run.batchesDrained += 1;
    const stillHeld = drained.held.map((h) => h.node);
    const heldNote = stillHeld.length > 0 ? `; ${stillHeld.join(", ")} held by budgets` : "";
    run.note(`drained ${done.join(", ")} (${record.nodes.drained} of ${record.nodes.total})${heldNote}`);
    yield* run.save();
    const verdict = yield* healthGate(run, health);
    if (verdict.kind === "rollback") return verdict;
    // Nodes where a person chose to leave a pod are not deleted with the batch.
    const gated = [...holding.drainedMeanwhile.splice(0), ...done];
    if (shrinks)
      pools.drained.push(...gated.filter((node) => deletable.has(node) && !changes.leftPods[node]));
  }
  const settled = yield* settle(run, pools, "to its end");
  if (settled.kind === "rollback") return settled;
  // Evicted pods still shutting down are seen gone (one stuck Terminating asks a person), then their
  // machines can go.
  const shutDown = yield* drainAgain(run, changes, changes.taintedNodes, { kind: "end" });
  if (shutDown.kind === "rollback") return shutDown;
  if (pools.drained.length > 0) {
    pools.arm = yield* sendShrink(run, pools, "last");
    yield* settle(run, pools, "to its end");
  }
  return { kind: "go-on" };
}

/**
 * ARM runs one operation on a cluster at a time, and new nodes take longer to come than a batch to drain:
 * the drain keeps one pool operation under way beside it, looked at between batches. It grows the new pool
 * ahead of the drain (the batches after the next, or as many as drain while a growth runs when batches
 * hand held nodes over), else deletes the drained machines; with the fixed lead a growth the ceiling holds
 * back waits for the delete that lifts it, with the paced one the growth goes first (poolWorkOrder).
 */
interface PoolWork {
  newPool: NewPoolSize;
  changes: Changes;
  shrinks: boolean;
  /** The old pool's count when the drain began; a rollback scales it back to that. */
  oldCount: number;
  /** Old nodes drained and past their gate, not yet asked to go. */
  drained: string[];
  /** How long the last growth took, from its request to the look that saw it done (the create's at first). */
  growthMs: number;
  /** Time spent in the batches' drains, the room they waited for aside. */
  drainingMs: number;
  arm?:
    | { kind: "grow"; count: number; change: PendingPoolChange; sentAt: number }
    | { kind: "shrink"; machines: string[]; change: PendingPoolChange };
}

function* nextPoolWork(
  run: MigrationRun,
  pools: PoolWork,
  roomFor: (index: number) => number,
  index: number,
): Generator<Task, PoolWork["arm"], unknown> {
  const { newPool } = pools;
  const lead = growthLead(run, pools, index);
  const wanted = roomFor(index + lead + 1);
  const ceiling = growthCeiling(pools);
  const order = poolWorkOrder({
    count: newPool.grows ? newPool.count : Number.POSITIVE_INFINITY,
    needed: roomFor(index + lead),
    wanted,
    ceiling,
    drained: pools.drained.length,
    growthFirst: run.handsOverHeld,
  });
  for (const step of order) {
    // A delete finds nothing to send when every drained machine's pods are still shutting down.
    const work =
      step === "grow"
        ? yield* sendGrow(run, pools, Math.min(wanted, ceiling), index)
        : yield* sendShrink(run, pools, `${index}`);
    if (work !== undefined) return work;
  }
  return undefined;
}

function growthLead(run: MigrationRun, pools: PoolWork, index: number): number {
  return run.handsOverHeld ? growthLeadBatches(pools.growthMs, pools.drainingMs, index) : GROWTH_LEAD_BATCHES;
}

function growthCeiling({ shrinks, newPool, changes }: PoolWork): number {
  return newPoolCeiling(newPool.full.count, shrinks, changes.oldPoolShrunk?.deleted.length ?? 0);
}

/**
 * The room a batch needs before it drains, waited for: the operation under way seen to its end, drained
 * machines deleted first when the growth would pass the ceiling, then the growth (further, if it may).
 */
function* makeRoom(
  run: MigrationRun,
  pools: PoolWork,
  need: number,
  /** The room wanted further ahead, read once the operation under way has ended. */
  ahead: () => number,
  index: number,
  meanwhile?: WhileArmWorks,
): Generator<Task, ControlVerdict, unknown> {
  const settled = yield* settleWhile(run, pools, meanwhile);
  if (settled.kind === "rollback" || pools.newPool.count >= need) return settled;
  if (need > growthCeiling(pools) && pools.drained.length > 0) {
    // Both pools whole at once is what the ceiling forbids: the drained machines go first.
    const shutDown = yield* drainAgain(run, pools.changes, pools.drained, { kind: "room", batch: index });
    if (shutDown.kind === "rollback") return shutDown;
    // A step of its own: the look between batches may send another delete at this index.
    pools.arm = yield* sendShrink(run, pools, `room${index}`);
    const shrunk = yield* settleWhile(run, pools, meanwhile);
    if (shrunk.kind === "rollback") return shrunk;
  }
  pools.arm = yield* sendGrow(run, pools, Math.max(need, Math.min(ahead(), growthCeiling(pools))), index);
  return yield* settleWhile(run, pools, meanwhile);
}

/** The operation under way seen to its end, `meanwhile` working beside it; a rollback asked meanwhile first. */
function* settleWhile(
  run: MigrationRun,
  pools: PoolWork,
  meanwhile: WhileArmWorks | undefined,
): Generator<Task, ControlVerdict, unknown> {
  const settled = yield* settle(run, pools, "to its end", meanwhile?.work);
  if (!meanwhile) return settled;
  return (yield* meanwhile.rollback()) ?? settled;
}

/** The new pool asked to grow to `count`. */
function* sendGrow(
  run: MigrationRun,
  { newPool }: PoolWork,
  count: number,
  index: number,
): Generator<Task, PoolWork["arm"], unknown> {
  run.note(`growing ${newPool.name} from ${newPool.count} to ${count} nodes for the batches ahead`);
  run.overlap?.resize("new", count, run.nowMs());
  const change = yield* sendPoolChange(
    run,
    `grow-new-pool:${index}`,
    { kind: "update", pool: newPool.name, changes: { count } },
    "room on the new pool for the batches ahead",
  );
  return { kind: "grow", count, change, sentAt: run.nowMs() };
}

/**
 * The drained machines asked to go (AKS deleteMachines), the pool kept for a rollback, which scales it
 * back to its count. Each is looked at again first: a pod that landed since its drain (one tolerating the
 * taint) would die with the machine, unevicted, so that machine stays and goes with the pool at the end.
 * A refused or failed delete is noted, not a reason to stop: the shrink only saves cost. Only a refusal
 * (ARM's 4xx) says nothing went; after any other failure a rollback scales the pool back, to be sure.
 */
function* sendShrink(
  run: MigrationRun,
  pools: PoolWork,
  step: string,
): Generator<Task, PoolWork["arm"], unknown> {
  const { empty: machines, later } = yield* stillEmpty(run, pools.drained.splice(0), pools.changes.leftPods);
  pools.drained.push(...later);
  if (machines.length === 0) return undefined;
  pools.changes.oldPoolShrunk ??= { count: pools.oldCount, deleted: [] };
  const shrunk = pools.changes.oldPoolShrunk;
  // Recorded before the request: a rollback must scale back up even if the delete ends half done.
  shrunk.deleted.push(...machines);
  run.note(`deleting the drained ${machines.join(", ")}`);
  try {
    const change = yield* sendPoolChange(
      run,
      `shrink-old-pool:${step}`,
      { kind: "delete-machines", pool: run.record.pool, machines },
      "drained and past the health gate: only the pool is kept for a rollback",
    );
    if (change.kind === "failed" && change.refused) {
      forgetDeleted(pools.changes, machines, false);
      // Nothing went: with no machine gone, nor maybe gone, before, a rollback has nothing to scale back.
      if (shrunk.deleted.length === 0 && !shrunk.uncertain) pools.changes.oldPoolShrunk = undefined;
      run.note(
        `deleting the drained ${machines.join(", ")} was refused: ${change.error}; they go with the pool at the end`,
      );
      return undefined;
    }
    return { kind: "shrink", machines, change };
  } catch (error) {
    // Not known whether ARM took it: the pool stays marked, so a rollback scales it back to its count.
    forgetDeleted(pools.changes, machines, true);
    run.note(
      `deleting the drained ${machines.join(", ")} failed: ${errorMessage(error)}; whether any went is not known, so a rollback scales ${run.record.pool} back to ${shrunk.count} nodes`,
    );
    return undefined;
  }
}

/**
 * Machines whose delete failed, no longer counted gone (the new pool's ceiling counts them); the old pool
 * stays marked shrunk, and `uncertain` when part of the delete may have happened: a rollback scales it back.
 */
function forgetDeleted(changes: Changes, machines: string[], uncertain: boolean): void {
  if (!changes.oldPoolShrunk) return;
  changes.oldPoolShrunk.deleted = changes.oldPoolShrunk.deleted.filter((m) => !machines.includes(m));
  if (uncertain) changes.oldPoolShrunk.uncertain = true;
}

/**
 * Those of the drained machines that still hold nothing a drain would evict; those whose evicted pods are
 * still shutting down, for later; the others noted and kept.
 */
function* stillEmpty(
  run: MigrationRun,
  machines: string[],
  leftPods: Changes["leftPods"],
): Generator<Task, { empty: string[]; later: string[] }, unknown> {
  const empty: string[] = [];
  const later: string[] = [];
  // A pod a person chose to leave (decided in a later drain of the node) goes with the pool, not before.
  for (const node of machines.filter((machine) => leftPods[machine]))
    run.note(
      `keeping the drained ${node}: a person chose to leave pods on it; it goes with the pool at the end`,
    );
  const looked = yield* lookAgain(
    run,
    machines.filter((machine) => !leftPods[machine]),
    leftPods,
  );
  for (const look of looked) {
    if (look.holding === undefined) empty.push(look.node);
    else if (look.shuttingDown) later.push(look.node);
    else run.note(`keeping the drained ${look.node}: ${look.holding}; it goes with the pool at the end`);
  }
  return { empty, later };
}

/**
 * Nodes of the old pool drained again where anything is left: evicted pods still shutting down, seen gone
 * before their machines go (one stuck Terminating asks a person); just before the pool's delete ("last"),
 * a pod that landed on one since its drain (one tolerating the taint), which would die with the pool.
 */
export function* drainAgain(
  run: MigrationRun,
  changes: Changes,
  nodes: readonly string[],
  when: { kind: "end" | "last" } | { kind: "room"; batch: number },
): Generator<Task, ControlVerdict, unknown> {
  const looked = yield* lookAgain(run, nodes, changes.leftPods);
  const holding = looked.filter((look) => look.holding !== undefined);
  if (holding.length === 0) return { kind: "go-on" };
  const why = {
    end: "to its end",
    last: "again before the pool's delete",
    room: "to its end: the new pool needs the room its machine frees",
  }[when.kind];
  for (const look of holding) run.note(`draining ${look.node} ${why}: ${look.holding}`);
  // Child id parts are short (at most 15 characters, a retry's ".n" included).
  const prefix = when.kind === "room" ? `r${when.batch}` : when.kind.charAt(0);
  const drains = holding.map((look, index) => ({ node: look.node, name: `${prefix}-${index}` }));
  // Nodes whose evicted pods only shut down are waited for together; a node with pods to evict goes
  // alone, as no budget was counted for them.
  const waiting = drains.filter((_, index) => holding[index]?.shuttingDown);
  const evicting = drains.filter((_, index) => !holding[index]?.shuttingDown).map((drain) => [drain]);
  for (const batch of [waiting, ...evicting].filter((group) => group.length > 0)) {
    const verdict = yield* drainBatch(run, batch, changes.leftPods, {});
    if (verdict.kind === "rollback") return verdict;
  }
  return { kind: "go-on" };
}

/**
 * Drained nodes read again: what holds each one (undefined when it holds nothing a drain would evict, nor
 * anything but the pods a person chose to leave there), and whether that is only evicted pods shutting down.
 */
function* lookAgain(
  run: MigrationRun,
  nodes: readonly string[],
  leftPods: Changes["leftPods"],
): Generator<Task, { node: string; holding?: string; shuttingDown?: boolean }[], unknown> {
  const looked = yield* batchedFanOut(run.context, nodes, MACHINE_LOOKS_AT_ONCE, (node) =>
    retriedActivityTask(run.context, ACTIVITIES.nodePods, { clusterId: run.record.clusterId, node }),
  );
  return looked.map((look) => {
    if (!look.ok) return { node: look.item, holding: `its pods could not be read: ${look.error}` };
    const left = leftPods[look.item] ?? [];
    const isLeft = (ref: PodRef) =>
      left.some((pod) => pod.namespace === ref.namespace && pod.name === ref.name);
    const pods = look.result.filter((pod) => pod.verdict !== "skip" && !isLeft(pod.ref));
    if (pods.length === 0) return { node: look.item };
    const names = (list: NodePod[]) => list.map((pod) => `${pod.ref.namespace}/${pod.ref.name}`).join(", ");
    const landed = pods.filter((pod) => pod.terminatingSince === undefined);
    if (landed.length === 0)
      return { node: look.item, holding: `${names(pods)} still shutting down`, shuttingDown: true };
    return { node: look.item, holding: `${names(landed)} landed on it since its drain` };
  });
}

/** The pool operation under way looked at once or seen to its end, and what its end means applied. */
function* settle(
  run: MigrationRun,
  pools: PoolWork,
  how: "one look" | "to its end",
  meanwhile?: () => Generator<Task, void, unknown>,
): Generator<Task, ControlVerdict, unknown> {
  const work = pools.arm;
  if (work === undefined) return { kind: "go-on" };
  const change =
    how === "one look"
      ? yield* lookAtPoolChange(run, work.change)
      : yield* finishPoolChange(run, work.change, meanwhile);
  if (change.kind === "pending") {
    pools.arm = { ...work, change };
    return { kind: "go-on" };
  }
  pools.arm = undefined;
  if (work.kind === "grow") {
    if (change.kind === "failed") {
      return {
        kind: "rollback",
        reason: `growing ${pools.newPool.name} to ${work.count} nodes failed: ${change.error}`,
        by: "pool-migration",
      };
    }
    pools.newPool.count = work.count;
    pools.growthMs = run.nowMs() - work.sentAt;
    return { kind: "go-on" };
  }
  const names = work.machines.join(", ");
  if (change.kind === "failed") {
    forgetDeleted(pools.changes, work.machines, true);
    run.note(`deleting the drained ${names} failed: ${change.error}; they go with the pool at the end`);
    return { kind: "go-on" };
  }
  // Only now: a machine whose delete failed is still there, tainted, for a rollback to untaint.
  pools.changes.taintedNodes = pools.changes.taintedNodes.filter((node) => !work.machines.includes(node));
  const deleted = pools.changes.oldPoolShrunk?.deleted.length ?? 0;
  run.overlap?.resize("old", pools.oldCount - deleted, run.nowMs());
  run.note(`deleted the drained ${names}`);
  return { kind: "go-on" };
}

/** One node's drain in a batch: its name (unique in the migration) and, handed over, the deadline it keeps. */
interface PlannedDrain {
  node: string;
  name: string;
  deadline?: string;
}

/**
 * A node handed over (handOverHeld) and the time its drain had left: the next batch's drain of it gets that
 * much, so the wait between batches (a gate, a pause) does not count against it.
 */
interface HeldDrain {
  node: string;
  leftMs: number;
  /** Stuck, failing or stopped rather than held by budgets: for a batch to ask a person about. */
  unfinished?: boolean;
}

/** Nodes whose budgets held pods back at a batch's end: drained on with the next batch. */
interface Holding {
  held: HeldDrain[];
  /** Those that drained while the room for the next batch came: past its health gate with it. */
  drainedMeanwhile: string[];
  /** A rollback asked while they drained, for the batch loop to follow. */
  rollback?: RollbackVerdict;
}

type RollbackVerdict = Extract<ControlVerdict, { kind: "rollback" }>;

/** Work done between looks at a pool operation, and a rollback asked meanwhile. */
interface WhileArmWorks {
  work: () => Generator<Task, void, unknown>;
  /** The rollback seen by the work, else one asked now (a pause is waited out here). */
  rollback: () => Generator<Task, RollbackVerdict | undefined, unknown>;
}

/** Held nodes are tried again as often as a drain tries a refused eviction, and at most this often per wait. */
const HELD_ROUND_SECONDS = 20;
const HELD_ROUNDS_PER_WAIT = 30;

/**
 * The held nodes drained on, a round at a look at the pool operation, while the room for batch `index`
 * comes: theirs came with their own batch, and a budget's next pod need not wait for the growth. A node
 * stuck or failing is left for the next batch, where a person is asked: the growth is not held up.
 */
function drainHeldMeanwhile(
  run: MigrationRun,
  order: readonly string[],
  leftPods: Changes["leftPods"],
  holding: Holding,
  index: number,
): WhileArmWorks {
  let round = 0;
  let lastRoundMs = Number.NEGATIVE_INFINITY;
  function* rollback(): Generator<Task, RollbackVerdict | undefined, unknown> {
    if (holding.rollback) return holding.rollback;
    const control = yield* checkControl(run);
    if (control.kind === "rollback") holding.rollback = control;
    return holding.rollback;
  }
  function* work(): Generator<Task, void, unknown> {
    const due = run.nowMs() - lastRoundMs >= HELD_ROUND_SECONDS * 1000;
    const trying = holding.held.filter((h) => !h.unfinished);
    if (trying.length === 0 || round >= HELD_ROUNDS_PER_WAIT || !due) return;
    if ((yield* rollback()) !== undefined) return;
    lastRoundMs = run.nowMs();
    const drains = trying.map((h) => ({
      node: h.node,
      name: `w${index}r${round}-${order.indexOf(h.node)}`,
      deadline: new Date(run.nowMs() + h.leftMs).toISOString(),
    }));
    round += 1;
    const drained = yield* drainBatch(run, drains, leftPods, {
      leaveShuttingDown: true,
      handOverHeld: true,
      handsOverUnfinished: true,
    });
    if (drained.kind === "rollback") {
      holding.rollback = drained;
      return;
    }
    const done = drains.map((d) => d.node).filter((node) => !drained.held.some((h) => h.node === node));
    holding.held = [...holding.held.filter((h) => h.unfinished), ...drained.held];
    if (done.length === 0) return;
    holding.drainedMeanwhile.push(...done);
    run.record.nodes.drained += done.length;
    run.note(
      `drained ${done.join(", ")} while the room for the next batch came (${run.record.nodes.drained} of ${run.record.nodes.total})`,
    );
    yield* run.save();
  }
  return { work, rollback };
}

type BatchVerdict = { kind: "go-on"; held: HeldDrain[] } | RollbackVerdict;

function* drainBatch(
  run: MigrationRun,
  drains: readonly PlannedDrain[],
  /** Pods a person chose to leave, by node: skipped again on a later drain of that node. */
  leftPods: Changes["leftPods"],
  mode: Pick<NodeDrainInput, "leaveShuttingDown" | "handOverHeld"> & {
    /** Nodes stuck, failing or stopped handed over too, for the next batch to ask a person about. */
    handsOverUnfinished?: boolean;
  },
): Generator<Task, BatchVerdict, unknown> {
  const { context, record } = run;
  const { drainTimeoutSeconds } = run.input.options;
  const deadline = new Date(run.nowMs() + drainTimeoutSeconds * 1000).toISOString();
  const decisions = drains.map((drain) => ({
    skip: [...(leftPods[drain.node] ?? [])] as PodName[],
    delete: [] as PodDelete[],
    attempt: 0,
    by: "",
    deadline: drain.deadline ?? deadline,
    /** The deadline the node's latest drain was given. */
    current: "",
    /** Of `delete`, how many a drain of the node has acted on. */
    given: 0,
  }));
  const handedOver: HeldDrain[] = [];
  let pending = drains.map((_, index) => index);
  while (pending.length > 0) {
    // A person's deletes pass by the budgets: they go one node at a time, as nodes handed over (or a fixed
    // batch) may hold pods of one budget. A history from before that replays them together.
    const deleting = pending.filter((index) => {
      const { delete: chosen, given } = decisions[index] as (typeof decisions)[number];
      return chosen.length > given;
    });
    const running = run.handsOverHeld
      ? pending.filter((index) => !deleting.includes(index) || index === deleting[0])
      : pending;
    const later = pending.filter((index) => !running.includes(index));
    const part = (index: number) => {
      const { attempt } = decisions[index] as (typeof decisions)[number];
      const { name } = drains[index] as PlannedDrain;
      return childInstanceId(record.id, `${name}${attempt === 0 ? "" : `.${attempt}`}`);
    };
    // The HTTP side stops these when a pause or rollback is asked.
    record.draining = running.map(part);
    yield* run.save();
    const results = (yield context.df.Task.all(
      running.map((index) => {
        const decided = decisions[index] as (typeof decisions)[number];
        // A node retried after a decision or a pause gets a deadline of its own.
        decided.current =
          decided.attempt === 0
            ? decided.deadline
            : new Date(run.nowMs() + drainTimeoutSeconds * 1000).toISOString();
        const drain: NodeDrainInput = {
          migrationId: record.id,
          clusterId: record.clusterId,
          node: (drains[index] as PlannedDrain).node,
          deadline: decided.current,
          skip: decided.skip,
          delete: decided.delete,
          ...besideIn(
            run.budgets,
            (drains[index] as PlannedDrain).node,
            running.map((i) => (drains[i] as PlannedDrain).node),
          ),
          ...(decided.by ? { decidedBy: decided.by } : {}),
          ...(mode.leaveShuttingDown && { leaveShuttingDown: true }),
          ...(mode.handOverHeld && { handOverHeld: true }),
        };
        return context.df.callSubOrchestrator(ORCHESTRATIONS.nodeDrain, drain, part(index));
      }),
    )) as NodeDrainResult[];
    const unfinished = running.flatMap((index, position) => {
      const result = results[position] as NodeDrainResult;
      const decided = decisions[index] as (typeof decisions)[number];
      // A drain stopped at a round's start acted on none of the deletes it was given.
      if (result.kind !== "stopped") decided.given = decided.delete.length;
      if (result.kind === "drained") return [];
      if (result.kind === "held" || mode.handsOverUnfinished) {
        handedOver.push({
          node: (drains[index] as PlannedDrain).node,
          leftMs: Math.max(0, Date.parse(decided.current) - run.nowMs()),
          ...(result.kind !== "held" && { unfinished: true }),
        });
        return [];
      }
      return [{ index, result }];
    });
    record.draining = [];
    for (const { index, result } of unfinished) {
      const decided = decisions[index] as (typeof decisions)[number];
      const { node, name } = drains[index] as PlannedDrain;
      const verdict =
        result.kind === "stopped"
          ? yield* checkControl(run)
          : yield* decide(run, node, name, result, decided);
      if (verdict.kind === "rollback") return verdict;
      if (decided.skip.length > 0) leftPods[node] = decided.skip;
      // A stopped node is drained again (a new instance) once the pause is over.
      if (result.kind === "stopped") decided.attempt += 1;
    }
    record.blockers = [];
    pending = [...later, ...unfinished.map(({ index }) => index)];
  }
  return { kind: "go-on", held: handedOver };
}

/**
 * A node the drain could not finish: a person decides (retry, skip a stuck pod, delete it, roll back).
 * A decision about a pod must name one of the stuck pods; anything else is noted and asked again.
 */
function* decide(
  run: MigrationRun,
  node: string,
  /** The node's drain, apart from its other drains (a node may be stuck again later, at attempt 0). */
  drainName: string,
  result: Extract<NodeDrainResult, { kind: "stuck" | "failed" }>,
  decided: { skip: PodName[]; delete: PodDelete[]; attempt: number; by: string },
): Generator<Task, ControlVerdict, unknown> {
  const { record } = run;
  const stuck = result.kind === "stuck" ? result.stuck : [];
  record.blockers =
    result.kind === "stuck"
      ? stuck.map((s) => `${s.pod.namespace}/${s.pod.name} on ${node}: ${s.reason} (${s.detail})`)
      : [`the drain of ${node} kept failing: ${result.error}`];
  yield* notifyQuietly(run, {
    migrationId: record.id,
    id: `${record.id}:stuck:${node}:${drainName}.${decided.attempt}`,
    cluster: record.cluster,
    pool: record.pool,
    severity: "warning",
    title: `Drain of ${node} is stuck: a person decides`,
    text: record.blockers.join("\n"),
  });
  // delete-pod is taken for any stuck pod, as before force-delete-pod (histories replay such answers); the
  // HTTP side refuses it for a pod stuck Terminating, which it would not remove.
  const forcible = stuck.some((s) => stuckPodDecisions(s.reason).includes("force-delete-pod"));
  const accepts: GateDecision["decision"][] =
    stuck.length === 0
      ? ["retry", "rollback"]
      : ["retry", "skip-pod", "delete-pod", ...(forcible ? (["force-delete-pod"] as const) : []), "rollback"];
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
    if ("pod" in answer) {
      const target = stuck.find(
        (s) => s.pod.namespace === answer.pod.namespace && s.pod.name === answer.pod.name,
      );
      if (!target) {
        run.note(`${answer.pod.namespace}/${answer.pod.name} is not a stuck pod of ${node}: asked again`, by);
        continue;
      }
      const force = answer.decision === "force-delete-pod";
      if (force && !stuckPodDecisions(target.reason).includes(answer.decision)) {
        run.note(
          `${answer.pod.namespace}/${answer.pod.name} is not stuck Terminating: not force-deleted, asked again`,
          by,
        );
        continue;
      }
      if (answer.decision === "skip-pod") decided.skip.push(target.pod);
      else decided.delete.push({ ...target.pod, uid: target.uid, ...(force && { force }) });
    }
    decided.by = by;
    decided.attempt += 1;
    run.note(`drain of ${node} goes on: ${describeDecision(answer)}`, by);
    return { kind: "go-on" };
  }
}
