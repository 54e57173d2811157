// Rollback, from wherever the migration is: the old pool serves again. It undoes what was done, in
// reverse: an old pool shrunk as it drained is scaled back to its count first (new machines of its own
// OS, untainted), the taint comes off the old nodes, the autoscaler and replica counts come back, pods
// that moved are drained back from the new pool in batches its budgets allow (the drain's automatic cut),
// and the new pool is deleted unless it is to be kept. A
// new pool that cannot be drained back is kept rather than deleted with pods on it. An old pool that
// cannot be scaled back still gets its taint, autoscaler and replica counts back; its pods stay put, and
// the rollback is incomplete: the workloads still run on the image that was rolled back from. Its taint
// and replica changes wait out a state store or API server down for minutes (each is audited first).

import type { Task } from "durable-functions";
import { type BudgetLoad, drainBatches } from "../../../shared/domain/migration/drain-batches.ts";
import type { PodName } from "../../../shared/domain/migration/migration-record.ts";
import { RETIRING_TAINT } from "../../../shared/domain/migration/migration-runbook.ts";
import { childInstanceId } from "../../contracts/instance-ids.ts";
import type { NodeDrainResult } from "../../contracts/pool-migration.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "../../contracts.ts";
import { callActivity, errorMessage, patientRetry } from "../call-activity.ts";
import { besideIn } from "./drain-inputs.ts";
import { notifyQuietly } from "./gates.ts";
import type { MigrationRun } from "./migration-run.ts";
import { changePool, finishPoolChange } from "./pool-changes.ts";

/** What the migration has changed so far: what a rollback must undo. */
export interface Changes {
  newPool?: { name: string; nodes: string[] };
  /** Old nodes tainted. */
  taintedNodes: string[];
  /** The old pool's autoscaler as it was, when the migration turned it off. */
  autoscaler?: { minCount?: number; maxCount?: number };
  /** Controllers scaled up by one, with their replicas before. */
  prePositioned: { workload: { kind: string; namespace: string; name: string }; replicas: number }[];
  /**
   * The old pool shrunk as it drained: its count before, the machines asked to go, and whether a failed
   * delete may have taken some of its machines.
   */
  oldPoolShrunk?: { count: number; deleted: string[]; uncertain?: boolean };
  /** Pods a person chose to leave on the old pool, by node: they go with it. */
  leftPods: Record<string, PodName[]>;
  /** Whether any pod has moved to the new pool. */
  podsMoved: boolean;
  /** Set once the old pool's delete was asked: from then on there is nothing to go back to. */
  oldPoolDeleting?: boolean;
  /** Rollbacks begun: each one's steps and children are its own. */
  rollbacks: number;
}

/** What a rollback restored, and whether every pod that moved is back on the old pool. */
export interface RollbackResult {
  restored: string[];
  workloadsBack: boolean;
}

export function* rollBack(
  run: MigrationRun,
  changes: Changes,
  reason: string,
  by: string,
): Generator<Task, RollbackResult, unknown> {
  const { context, record, input } = run;
  changes.rollbacks += 1;
  const attempt = changes.rollbacks;
  yield* run.enter("rolling-back", `rolling back: ${reason}`, "or-keep");
  const restored: string[] = [];
  const step = (name: string) => ({
    migrationId: record.id,
    step: `rollback${attempt}:${name}`,
    actor: by,
    reason: `rollback: ${reason}`,
  });

  // Before anything else: the pods need the old pool's nodes back before the new pool is tainted.
  let oldPoolBack = true;
  if (changes.oldPoolShrunk) {
    const { count } = changes.oldPoolShrunk;
    const result = yield* changePool(
      run,
      `rollback${attempt}:scale-old`,
      { kind: "update", pool: record.pool, changes: { count } },
      `rollback: ${reason}`,
    );
    oldPoolBack = result.kind === "succeeded";
    if (result.kind === "failed") {
      restored.push(`${record.pool} NOT scaled back to ${count}: ${result.error}`);
    } else {
      run.overlap?.resize("old", count, run.nowMs());
      restored.push(`${record.pool} scaled back to ${count} nodes`);
    }
    // Its nodes now: those kept through the drain, still tainted, and any new ones.
    changes.taintedNodes = (yield* poolNow(run, record.pool, changes.taintedNodes)).nodes;
  }
  const podsOnNewPool = changes.newPool !== undefined && changes.podsMoved;
  const drainsBack = podsOnNewPool && oldPoolBack;
  let newPoolBudgets: BudgetLoad | undefined;
  if (changes.newPool && drainsBack) {
    // A growth the drain sent may still be adding nodes: they would miss the taint and the drain back,
    // and go with the pool. Its end is awaited (whatever it was) before the pool is read.
    yield* finishPoolChange(run, {
      kind: "pending",
      pool: changes.newPool.name,
      deleting: false,
      sentMs: run.nowMs(),
    });
    // The new pool as it is now: its autoscaler may have added nodes since validation.
    const now = yield* poolNow(run, changes.newPool.name, changes.newPool.nodes);
    changes.newPool.nodes = now.nodes;
    newPoolBudgets = now.budgets;
  }
  if (changes.newPool && drainsBack && changes.newPool.nodes.length > 0) {
    yield* callActivity(
      context,
      ACTIVITIES.setTaints,
      {
        ...step("taint-new"),
        clusterId: record.clusterId,
        nodes: changes.newPool.nodes,
        taint: RETIRING_TAINT,
        present: true,
      },
      patientRetry(),
    );
  }
  if (changes.taintedNodes.length > 0) {
    yield* callActivity(
      context,
      ACTIVITIES.setTaints,
      {
        ...step("untaint-old"),
        clusterId: record.clusterId,
        nodes: changes.taintedNodes,
        taint: RETIRING_TAINT,
        present: false,
      },
      patientRetry(),
    );
    restored.push(`taint removed from ${changes.taintedNodes.length} old nodes`);
  }
  if (changes.autoscaler) {
    const result = yield* changePool(
      run,
      `rollback${attempt}:autoscaler`,
      {
        kind: "update",
        pool: record.pool,
        changes: {
          enableAutoScaling: true,
          minCount: changes.autoscaler.minCount ?? null,
          maxCount: changes.autoscaler.maxCount ?? null,
        },
      },
      `rollback: ${reason}`,
    );
    restored.push(
      result.kind === "succeeded" ? "autoscaler restored" : `autoscaler NOT restored: ${result.error}`,
    );
  }
  let newPoolEmpty = !podsOnNewPool;
  if (podsOnNewPool && !oldPoolBack) {
    restored.push("pods NOT drained back: the old pool has no room for them");
  }
  if (changes.newPool && drainsBack) {
    newPoolEmpty =
      changes.newPool.nodes.length === 0 ||
      (yield* drainBack(run, changes.newPool.nodes, newPoolBudgets, attempt, restored));
  }
  for (const { workload, replicas } of changes.prePositioned) {
    yield* callActivity(
      context,
      ACTIVITIES.scaleWorkloads,
      {
        ...step(`scale:${workload.namespace}:${workload.name}`),
        clusterId: record.clusterId,
        changes: [{ workload, replicas }],
      },
      patientRetry(),
    );
  }
  if (changes.prePositioned.length > 0) restored.push("replica counts restored");
  if (changes.newPool) {
    if (input.options.keepNewPoolOnRollback || !newPoolEmpty) {
      restored.push(
        `new pool ${changes.newPool.name} kept${newPoolEmpty ? " as asked" : ": pods are still on it"}`,
      );
    } else {
      const result = yield* changePool(
        run,
        `rollback${attempt}:delete-new`,
        { kind: "delete", pool: changes.newPool.name },
        `rollback: ${reason}`,
      );
      restored.push(
        result.kind === "succeeded"
          ? `new pool ${changes.newPool.name} deleted`
          : `new pool NOT deleted: ${result.error}`,
      );
      if (result.kind === "succeeded") run.overlap?.resize("new", 0, run.nowMs());
    }
  }
  // An empty new pool is one no moved pod is left on: they are all back.
  yield* endRollback(run, changes, reason, by, restored, newPoolEmpty);
  return { restored, workloadsBack: newPoolEmpty };
}

/**
 * Pods drained back from the new pool's nodes, a batch at a time as its budgets allow (the automatic cut,
 * whatever the drain's batch size: a batch never takes more of a budget's pods than it spares, nor a
 * workload without one its last Ready replica), each batch with a drain deadline of its own; whether
 * every node ended empty. A survey from before that rule, or none, drains every node at once, as its
 * history did.
 */
function* drainBack(
  run: MigrationRun,
  nodes: string[],
  budgets: BudgetLoad | undefined,
  attempt: number,
  restored: string[],
): Generator<Task, boolean, unknown> {
  const { context, record, input } = run;
  const batches = budgets?.drainsBackInBatches ? drainBatches(nodes, budgets, "auto") : [nodes];
  const results: NodeDrainResult[] = [];
  for (const batch of batches) {
    const deadline = new Date(run.nowMs() + input.options.drainTimeoutSeconds * 1000).toISOString();
    results.push(
      ...((yield context.df.Task.all(
        batch.map((node) =>
          context.df.callSubOrchestrator(
            ORCHESTRATIONS.nodeDrain,
            {
              migrationId: record.id,
              clusterId: record.clusterId,
              node,
              deadline,
              skip: [],
              delete: [],
              ...besideIn(budgets, node, batch),
            },
            childInstanceId(record.id, `back${attempt}-${nodes.indexOf(node)}`),
          ),
        ),
      )) as NodeDrainResult[]),
    );
  }
  const drained = batches.flat();
  // Only a drained node is empty: a failed or stopped drain leaves pods where they were.
  const left = results.flatMap((result, position): string[] => {
    const node = drained[position] as string;
    if (result.kind === "drained") return [];
    if (result.kind === "stuck")
      return result.stuck.map((s) => `${s.pod.namespace}/${s.pod.name}: ${s.detail}`);
    if (result.kind === "failed") return [`${node}: ${result.error}`];
    return [`${node}: its drain was stopped`];
  });
  restored.push(
    left.length === 0 ? "pods drained back to the old pool" : `pods NOT all drained back: ${left.join("; ")}`,
  );
  return left.length === 0;
}

/** The rollback told: noted on the record and, as awareness rather than approval, sent to people. */
function* endRollback(
  run: MigrationRun,
  changes: Changes,
  reason: string,
  by: string,
  restored: string[],
  workloadsBack: boolean,
): Generator<Task, void, unknown> {
  const { record } = run;
  run.note(
    workloadsBack
      ? `rolled back: ${restored.join("; ") || "nothing had changed"}`
      : `rollback incomplete, the workloads are still on the new pool and need a person: ${restored.join("; ")}`,
    by,
  );
  // Awareness, not approval: people hear of every rollback.
  yield* notifyQuietly(run, {
    id: `${record.id}:rolled-back:${changes.rollbacks}`,
    migrationId: record.id,
    cluster: record.cluster,
    pool: record.pool,
    severity: "critical",
    title: workloadsBack ? "Migration rolled back" : "Migration rollback incomplete: a person is needed",
    text: `${reason} (by ${by}). ${restored.join("; ")}`,
  });
}

/**
 * A pool's nodes as they are now, with its budgets; the nodes known before, and no budgets, when the pool
 * cannot be read.
 */
function* poolNow(
  run: MigrationRun,
  pool: string,
  known: string[],
): Generator<Task, { nodes: string[]; budgets?: BudgetLoad }, unknown> {
  try {
    const survey = yield* callActivity(run.context, ACTIVITIES.surveyPool, {
      clusterId: run.record.clusterId,
      pool,
    });
    return { nodes: survey.drainOrder, budgets: survey.budgets };
  } catch (error) {
    run.note(
      `the nodes of ${pool} could not be read (${errorMessage(error)}): rolling back the ones validated`,
    );
    return { nodes: known };
  }
}
