// How the drain is cut into batches and how the two pools follow it. A fixed batch size cuts the drain
// order into equal parts; "auto" packs nodes into batches as large as the disruption budgets allow: in a
// batch, no budget covers more pods than it allows to be disrupted, so no eviction of a batch waits on
// another eviction of the same batch. A controller no budget covers gets one of its own (all its replicas
// but one), so a batch never takes a whole unprotected service down at once; and a batch takes at most
// half the pool. The new pool grows ahead of the drain and the old pool shrinks
// behind it, keeping only the pool itself (and what AKS requires of a system pool) for a rollback.

import { budgetCovers, budgetName, disruptionsAllowed } from "../drain/disruption-budgets.ts";
import { assessDrain } from "../drain/pod-filters.ts";
import type { NodePoolMode } from "../fleet/model.ts";
import type { ClusterFacts, KubePod } from "../workloads/cluster-facts.ts";
import { controllerOf, isFinished, namespaceOf } from "../workloads/kube-objects.ts";
import type { MigrationOptions } from "./migration-options.ts";

/** The pods each budget covers on each node to drain, and what each budget allows now. */
export interface BudgetLoad {
  /** Node -> budget name -> pods it covers there (pods the drain evicts). */
  perNode: Record<string, Record<string, number>>;
  /** Budget name -> disruptions it allows now. */
  allowed: Record<string, number>;
}

/**
 * New nodes beyond the batch's own: the scheduler does not pack a batch's pods as tightly as before, and a
 * pod bound to a zone (its volume) needs a node there: one per zone the pool spreads over, at least one.
 */
export function headroomNodes(availabilityZones: readonly string[] = []): number {
  return Math.max(1, availabilityZones.length);
}
/**
 * The most nodes of a pool an automatic batch takes at once: a fifth of the pool, or 10 in a small one,
 * never more than half of it.
 */
const AUTO_BATCH_SHARE = 0.2;
const AUTO_BATCH_MIN_CAP = 10;

export function budgetLoad(
  nodes: readonly string[],
  facts: Pick<ClusterFacts, "pods" | "podDisruptionBudgets">,
): BudgetLoad {
  const perNode: BudgetLoad["perNode"] = Object.fromEntries(nodes.map((node) => [node, {}]));
  const allowed: BudgetLoad["allowed"] = {};
  const unprotected = new Set<string>();
  for (const { pod, verdict } of assessDrain(facts, new Set(nodes)).pods) {
    const counts = perNode[pod.spec?.nodeName ?? ""];
    if (counts === undefined || verdict === "skip") continue;
    let covered = false;
    for (const pdb of facts.podDisruptionBudgets) {
      if (!budgetCovers(pdb, pod)) continue;
      covered = true;
      const name = budgetName(pdb);
      counts[name] = (counts[name] ?? 0) + 1;
      allowed[name] ??= disruptionsAllowed(pdb, facts.pods, name);
    }
    const controller = covered ? undefined : implicitBudgetName(pod);
    if (controller === undefined) continue;
    counts[controller] = (counts[controller] ?? 0) + 1;
    unprotected.add(controller);
  }
  if (unprotected.size > 0) {
    const replicas = new Map<string, number>();
    for (const pod of facts.pods) {
      const name = isFinished(pod) ? undefined : implicitBudgetName(pod);
      if (name !== undefined && unprotected.has(name)) replicas.set(name, (replicas.get(name) ?? 0) + 1);
    }
    for (const name of unprotected) {
      // A node must still drain alone: never below the most of its pods on one node.
      const mostOnOneNode = Math.max(...Object.values(perNode).map((counts) => counts[name] ?? 0));
      allowed[name] = Math.max(1, (replicas.get(name) ?? 0) - 1, mostOnOneNode);
    }
  }
  return { perNode, allowed };
}

/**
 * The budget a controller without a PodDisruptionBudget gets: named by its kind, which no budget name
 * starts with. Pods without a controller are the drain's to refuse, not a batch's to count.
 */
function implicitBudgetName(pod: KubePod): string | undefined {
  const controller = controllerOf(pod);
  return controller && `${controller.kind} ${namespaceOf(pod.metadata)}/${controller.name}`;
}

export function autoBatchCap(nodes: number): number {
  return Math.min(Math.ceil(nodes / 2), Math.max(AUTO_BATCH_MIN_CAP, Math.ceil(nodes * AUTO_BATCH_SHARE)));
}

/**
 * The drain's batches, in order. "auto" places each node, least critical first, in the first batch it
 * fits (under the cap, within every budget); a node whose own pods exceed a budget drains alone at worst,
 * as it would one at a time.
 */
export function drainBatches(
  order: readonly string[],
  load: BudgetLoad,
  batchSize: MigrationOptions["batchSize"],
): string[][] {
  if (batchSize !== "auto") {
    const size = Math.max(1, batchSize);
    return Array.from({ length: Math.ceil(order.length / size) }, (_, i) =>
      order.slice(i * size, (i + 1) * size),
    );
  }
  const cap = autoBatchCap(order.length);
  const batches: { nodes: string[]; used: Map<string, number> }[] = [];
  for (const node of order) {
    const needs = Object.entries(load.perNode[node] ?? {});
    const fits = (batch: (typeof batches)[number]) =>
      batch.nodes.length < cap &&
      needs.every(([pdb, pods]) => (batch.used.get(pdb) ?? 0) + pods <= Math.max(1, load.allowed[pdb] ?? 0));
    let batch = batches.find(fits);
    if (batch === undefined) {
      batch = { nodes: [], used: new Map() };
      batches.push(batch);
    }
    batch.nodes.push(node);
    for (const [pdb, pods] of needs) batch.used.set(pdb, (batch.used.get(pdb) ?? 0) + pods);
  }
  return batches.map((batch) => batch.nodes);
}

/**
 * The new pool grows with the drain when asked, unless its autoscaler owns its count or replicas are
 * pre-positioned (they need room on the new pool before the drain begins).
 */
export function growsWithDrain(
  options: Pick<MigrationOptions, "newPoolGrowth" | "prePositionReplicas">,
  spec: { enableAutoScaling: boolean },
): boolean {
  return options.newPoolGrowth === "with-drain" && !spec.enableAutoScaling && !options.prePositionReplicas;
}

/**
 * How far ahead of the drain the new pool grows: a growth takes longer than a batch's drain, so one asked
 * for as batch i starts ends during batch i+1 and serves batch i+2 on (ARM takes one operation at a time).
 */
export const GROWTH_LEAD_BATCHES = 2;

/**
 * The new pool's node count batch `index` needs: every node through it moved, and headroom
 * (headroomNodes); the whole pool from the last batch on.
 */
export function newPoolRoomFor(
  batchSizes: readonly number[],
  index: number,
  pool: { count: number; headroom: number },
): number {
  if (index >= batchSizes.length - 1) return pool.count;
  const through = batchSizes.slice(0, Math.max(0, index + 1)).reduce((sum, size) => sum + size, 0);
  return Math.min(pool.count, through + pool.headroom);
}

/**
 * The most nodes the new pool grows to: both pools whole at once is what a blue-green pays for, so while
 * the old pool shrinks the new one stops one short of its full count, and passes that only as machines go.
 */
export function newPoolCeiling(fullCount: number, oldPoolShrinks: boolean, machinesDeleted: number): number {
  return oldPoolShrinks ? fullCount - 1 + machinesDeleted : fullCount;
}

/**
 * What of the old pool a rollback needs once its nodes are drained: the pool itself (its OS, version,
 * labels and taints), which a rollback scales back to its count. AKS keeps a system pool at one node.
 */
export function retainedOldNodes(mode: NodePoolMode): number {
  return mode === "System" ? 1 : 0;
}
