// How the drain is cut into batches and how the two pools follow it. A fixed batch size cuts the drain
// order into equal parts; "auto" packs nodes into batches as large as the disruption budgets allow: in a
// batch, no budget covers more pods than it allows to be disrupted, so no eviction of a batch waits on
// another eviction of the same batch. A workload no budget covers gets one of its own (all its healthy
// replicas but one), so a batch never takes a whole unprotected service down at once; and a batch takes at most
// half the pool. A budget's pods are spread apart over the batches, so its replacements have the batches
// between to start. These come with the survey, so a survey stored before them cuts the batches it cut
// then (a replay must). The new pool grows ahead of the drain and the old pool shrinks behind it, keeping only
// the pool itself (and what AKS requires of a system pool) for a rollback.

import {
  budgetCovers,
  budgetName,
  disruptionsAllowed,
  PDB_NAME_PREFIX,
} from "../drain/disruption-budgets.ts";
import { assessDrain } from "../drain/pod-filters.ts";
import type { NodePoolMode } from "../fleet/model.ts";
import type { ClusterFacts, KubePod } from "../workloads/cluster-facts.ts";
import { isPodHealthy, namespaceOf } from "../workloads/kube-objects.ts";
import { owningWorkload } from "../workloads/owning-workload.ts";
import type { MigrationOptions } from "./migration-options.ts";

/** The pods each budget covers on each node to drain, and what each budget allows now. */
export interface BudgetLoad {
  /** Node -> budget name -> pods it covers there (pods the drain evicts). */
  perNode: Record<string, Record<string, number>>;
  /** Budget name -> disruptions it allows now. */
  allowed: Record<string, number>;
  /** The most nodes an automatic batch takes: half the pool. Absent from a survey stored before the rule. */
  maxBatch?: number;
  /** Whether a budget's pods are spread apart over the batches. Absent from a survey stored before it. */
  spaced?: boolean;
  /** Whether a node its budgets hold at a batch's end drains on with the next batch. Absent before it. */
  handsOverHeld?: boolean;
  /** Whether each budget that takes several rounds starts in the first batch it fits. Absent before it. */
  startsChainsFirst?: boolean;
  /** Whether held nodes drain on while the room for the next batch comes. Absent before it. */
  drainsHeldWhileRoomComes?: boolean;
  /** Whether a rollback drains this pool back in batches cut by these budgets. Absent before it. */
  drainsBackInBatches?: boolean;
  /** Whether a fixed batch size keeps within the budgets of workloads without one. Absent before it. */
  fixedKeepsUnbudgeted?: boolean;
}

/** The rules a survey taken now carries (each absent from surveys stored before it, which replay without). */
export const CUT_RULES = {
  spaced: true,
  handsOverHeld: true,
  startsChainsFirst: true,
  drainsHeldWhileRoomComes: true,
  drainsBackInBatches: true,
  fixedKeepsUnbudgeted: true,
} as const satisfies Partial<BudgetLoad>;

/**
 * New nodes beyond the batch's own: the scheduler does not pack a batch's pods as tightly as before, and a
 * pod bound to a zone (its volume) needs a node there: one per zone the pool spreads over, at least one.
 */
export function headroomNodes(availabilityZones: readonly string[] = []): number {
  return Math.max(1, availabilityZones.length);
}

type BudgetFacts = Pick<ClusterFacts, "pods" | "podDisruptionBudgets" | "deployments" | "statefulSets">;

export function budgetLoad(nodes: readonly string[], facts: BudgetFacts): BudgetLoad {
  const perNode: BudgetLoad["perNode"] = Object.fromEntries(nodes.map((node) => [node, {}]));
  const allowed: BudgetLoad["allowed"] = {};
  const unprotected = new Set<string>();
  const unprotectedNamespaces = new Set<string>();
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
    const workload = covered ? undefined : implicitBudgetName(facts, pod);
    if (workload === undefined) continue;
    counts[workload] = (counts[workload] ?? 0) + 1;
    unprotected.add(workload);
    unprotectedNamespaces.add(namespaceOf(pod.metadata));
  }
  const replicas = healthyReplicas(facts, unprotected, unprotectedNamespaces);
  for (const name of unprotected) {
    // A node must still drain alone: never below the most of its pods on one node.
    const mostOnOneNode = Math.max(...Object.values(perNode).map((counts) => counts[name] ?? 0));
    allowed[name] = Math.max(1, (replicas.get(name) ?? 0) - 1, mostOnOneNode);
  }
  return {
    perNode,
    allowed,
    maxBatch: halfOf(nodes.length),
    ...CUT_RULES,
  };
}

/**
 * The budget a workload without a PodDisruptionBudget gets: a Deployment's over all its ReplicaSets (a
 * rollout under way has two), named by its kind, which no budget name starts with. Pods without a
 * controller are the drain's to refuse, not a batch's to count.
 */
function implicitBudgetName(facts: BudgetFacts, pod: KubePod): string | undefined {
  const { kind, namespace, name } = owningWorkload(facts, pod);
  return kind === "Pod" ? undefined : `${kind} ${namespace}/${name}`;
}

function isImplicitBudget(name: string): boolean {
  return !name.startsWith(PDB_NAME_PREFIX);
}

/**
 * Pods of workloads no budget covers on the other nodes of a batch, by workload: their drains may evict
 * them at the moment this node's drain evicts one of the same workload. The budget cut let them share the
 * batch by the Ready count at the survey, which an earlier batch's evictions may have spent since; the
 * eviction reads the Ready count as it is now and counts these as gone.
 */
export function unbudgetedBeside(
  load: Pick<BudgetLoad, "perNode"> | undefined,
  node: string,
  batch: readonly string[],
): Record<string, number> {
  const beside: Record<string, number> = {};
  for (const other of batch) {
    if (other === node) continue;
    for (const [name, pods] of Object.entries(load?.perNode[other] ?? {}))
      if (isImplicitBudget(name)) beside[name] = (beside[name] ?? 0) + pods;
  }
  return beside;
}

/** Of unbudgetedBeside's workloads, those of one namespace: only they can be a pod's of that namespace. */
export function besideInNamespace(beside: Record<string, number>, namespace: string): Record<string, number> {
  return Object.fromEntries(Object.entries(beside).filter(([name]) => name.includes(` ${namespace}/`)));
}

/** The budgets budgetLoad gives workloads without a PodDisruptionBudget, and nothing else. */
function unbudgetedOnly(load: BudgetLoad): BudgetLoad {
  const keep = (counts: Record<string, number>) =>
    Object.fromEntries(Object.entries(counts).filter(([name]) => isImplicitBudget(name)));
  return {
    perNode: Object.fromEntries(Object.entries(load.perNode).map(([node, counts]) => [node, keep(counts)])),
    allowed: keep(load.allowed),
  };
}

/**
 * The healthy pods of each of these workloads, wherever they run: Ready and not being deleted, as a
 * PodDisruptionBudget counts them (a Pending or unready replica serves nothing, so it leaves none to spare). Only pods of their
 * namespaces can be theirs: that spares matching every pod of the cluster against every Deployment.
 */
function healthyReplicas(
  facts: BudgetFacts,
  workloads: ReadonlySet<string>,
  namespaces: ReadonlySet<string>,
): Map<string, number> {
  const replicas = new Map<string, number>();
  for (const pod of facts.pods) {
    if (!isPodHealthy(pod) || !namespaces.has(namespaceOf(pod.metadata))) continue;
    const name = implicitBudgetName(facts, pod);
    if (name !== undefined && workloads.has(name)) replicas.set(name, (replicas.get(name) ?? 0) + 1);
  }
  return replicas;
}

/** The most nodes of a pool an automatic batch takes at once: a fifth of the pool, or 10 in a small one. */
const AUTO_BATCH_SHARE = 0.2;
const AUTO_BATCH_MIN_CAP = 10;

function shareCap(nodes: number): number {
  return Math.max(AUTO_BATCH_MIN_CAP, Math.ceil(nodes * AUTO_BATCH_SHARE));
}

/** A small pool never drains more than half its nodes at once (4 nodes: 2 and 2). */
function halfOf(nodes: number): number {
  return Math.ceil(nodes / 2);
}

/** What an estimate takes an automatic batch to be, without the budgets: the share, at most half the pool. */
export function autoBatchCap(nodes: number): number {
  return Math.min(halfOf(nodes), shareCap(nodes));
}

/**
 * The drain's batches, in order. "auto" places each node, least critical first, in the first batch it
 * fits (under the cap, within every budget); a node whose own pods exceed a budget drains alone at worst,
 * as it would one at a time. Then, in as many batches, again, each node in the batch it fits farthest
 * from the other batches holding its budgets' pods (the earliest of equals). A budget that takes several
 * rounds is a chain: each round waits for the last one's replacements to start, so the chain is started
 * first, on its least critical node that fits a batch, in the earliest batch it fits, the longest chains
 * first, unless that cut takes more batches than the plain one.
 */
export function drainBatches(
  order: readonly string[],
  load: BudgetLoad,
  batchSize: MigrationOptions["batchSize"],
): string[][] {
  if (batchSize !== "auto") {
    const size = Math.max(1, batchSize);
    // The eviction API holds a budget's pods however the batches fall; nothing holds those of a workload
    // without one but the batch cut (two drains at once may both find its one spare replica).
    if (load.fixedKeepsUnbudgeted) return packBatches(order, unbudgetedOnly(load), size, () => 0);
    return Array.from({ length: Math.ceil(order.length / size) }, (_, i) =>
      order.slice(i * size, (i + 1) * size),
    );
  }
  const cap = Math.min(shareCap(order.length), load.maxBatch ?? order.length);
  const firstFit = packBatches(order, load, cap, () => 0);
  if (!load.spaced) return firstFit;
  // As many batches as first fit needs, each budget's pods as far apart as they go: a replacement then has
  // the batches between to start before the budget lets the next of its pods go. A budget on as many
  // nodes as there are batches is in every batch wherever its nodes go: it has no say.
  const nodesOf = new Map<string, number>();
  for (const needs of Object.values(load.perNode))
    for (const pdb of Object.keys(needs)) nodesOf.set(pdb, (nodesOf.get(pdb) ?? 0) + 1);
  const count = firstFit.length;
  const spread = (pdb: string) => (nodesOf.get(pdb) ?? 0) < count;
  const spaced = (starters: ReadonlySet<string>) =>
    packBatches(
      [...starters, ...order.filter((node) => !starters.has(node))],
      load,
      cap,
      (batches, index, needs, node) => {
        if (starters.has(node)) return 0;
        let nearest = Number.POSITIVE_INFINITY;
        for (const [pdb] of needs.filter(([pdb]) => spread(pdb)))
          batches.forEach((batch, other) => {
            if (other !== index && batch.used.has(pdb)) nearest = Math.min(nearest, Math.abs(other - index));
          });
        return nearest;
      },
      count,
    );
  const plain = spaced(new Set());
  if (!load.startsChainsFirst) return plain;
  // Not at the price of a batch more: each costs a health gate, and maybe a growth.
  const chainsFirst = spaced(chainStarters(order, load));
  return chainsFirst.length <= plain.length ? chainsFirst : plain;
}

/**
 * The node each chain starts on (its budget's least critical node that fits a batch), the chains that
 * take the most rounds first; a budget allowing no disruption is no chain: its pods wait for a person
 * whenever they come.
 */
function chainStarters(order: readonly string[], load: BudgetLoad): Set<string> {
  const pods = new Map<string, number>();
  for (const needs of Object.values(load.perNode))
    for (const [pdb, count] of Object.entries(needs)) pods.set(pdb, (pods.get(pdb) ?? 0) + count);
  const rounds = (pdb: string) => Math.ceil((pods.get(pdb) ?? 0) / (load.allowed[pdb] ?? 0));
  const chains = [...pods.keys()]
    .filter((pdb) => (load.allowed[pdb] ?? 0) > 0 && rounds(pdb) > 1)
    .sort((a, b) => rounds(b) - rounds(a) || (a < b ? -1 : a > b ? 1 : 0));
  const starters = new Set<string>();
  for (const pdb of chains) {
    const allowed = load.allowed[pdb] ?? 0;
    const node = order.find((name) => {
      const onNode = load.perNode[name]?.[pdb] ?? 0;
      return onNode > 0 && onNode <= allowed;
    });
    if (node !== undefined) starters.add(node);
  }
  return starters;
}

interface Batch {
  nodes: string[];
  used: Map<string, number>;
}

/**
 * Each node, in order, into the batch it fits (under the cap, within every budget) that scores highest,
 * the earliest of equals; a node that fits none opens a new batch.
 */
function packBatches(
  order: readonly string[],
  load: BudgetLoad,
  cap: number,
  score: (batches: readonly Batch[], index: number, needs: [string, number][], node: string) => number,
  count = 0,
): string[][] {
  const batches: Batch[] = Array.from({ length: count }, () => ({ nodes: [], used: new Map() }));
  for (const node of order) {
    const needs = Object.entries(load.perNode[node] ?? {});
    const fits = (batch: Batch) =>
      batch.nodes.length < cap &&
      needs.every(([pdb, pods]) => (batch.used.get(pdb) ?? 0) + pods <= Math.max(1, load.allowed[pdb] ?? 0));
    let best: Batch | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const [index, batch] of batches.entries()) {
      if (!fits(batch)) continue;
      const value = needs.length === 0 ? 0 : score(batches, index, needs, node);
      if (value > bestScore) {
        best = batch;
        bestScore = value;
      }
    }
    const batch: Batch = best ?? { nodes: [], used: new Map() };
    if (best === undefined) batches.push(batch);
    batch.nodes.push(node);
    for (const [pdb, pods] of needs) batch.used.set(pdb, (batch.used.get(pdb) ?? 0) + pods);
  }
  return batches.filter((batch) => batch.nodes.length > 0).map((batch) => batch.nodes);
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
 * Batches ahead the new pool grows once batches hand held nodes over (and may go faster than a growth):
 * as many as drain while one growth runs, by the last growth's duration and the batches' drains so far,
 * and at least GROWTH_LEAD_BATCHES once a batch has drained.
 */
export function growthLeadBatches(growthMs: number, drainingMs: number, batchesDrained: number): number {
  // Before a batch has drained its pace is unknown: only the next batch's room (the pool was created with
  // it), so the first growth, sent a batch later, is sized by the pace. A batch that hands its held nodes
  // over takes a round or two; a growth sent at once, sized blind, would hold the next one back by a
  // whole growth.
  if (batchesDrained === 0 || drainingMs <= 0) return 1;
  return Math.max(GROWTH_LEAD_BATCHES, Math.ceil(growthMs / (drainingMs / batchesDrained)) + 1);
}

/**
 * What the drain asks of ARM between batches, in order of preference (ARM takes one operation at a time):
 * the new pool grown toward the room the batches ahead want, up to the ceiling; drained machines deleted.
 * With a fixed lead, a growth the ceiling holds back comes after the delete, which lifts the ceiling for it.
 */
export function poolWorkOrder(pools: {
  /** The new pool's count now, the room the batches ahead need, and the room wanted a batch further. */
  count: number;
  needed: number;
  wanted: number;
  ceiling: number;
  /** Drained machines waiting to go. */
  drained: number;
  /** The growth first whenever it can go further (a paced lead, far ahead: the batches need it sooner). */
  growthFirst?: boolean;
}): ("grow" | "shrink")[] {
  const { count, needed, wanted, ceiling, drained } = pools;
  const shrink = drained > 0 ? (["shrink"] as const) : [];
  if (count >= needed) return [...shrink];
  const grow = Math.min(wanted, ceiling) > count ? (["grow"] as const) : [];
  return pools.growthFirst || wanted <= ceiling ? [...grow, ...shrink] : [...shrink, ...grow];
}

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
