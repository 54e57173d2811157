// What the bench reads off the simulator for a run: overlap node-hours from the pools' machine history,
// their cost at the shipped VM prices, and the most pods Pending at once (watched as they change).

import type { SimCluster } from "../../local/sim/model/cluster.ts";
import { isTerminal } from "../../local/sim/model/controllers/pods.ts";
import { controllerOf, type KubeObject } from "../../local/sim/model/kube-types.ts";
import type { MachineInterval } from "../../local/sim/model/ledger.ts";
import { type Cost, nodeHoursCost } from "../../shared/domain/cost/cost.ts";
import { shippedPrices } from "../../shared/shipped-prices.ts";

const HOUR_MS = 3_600_000;

/**
 * Node-hours beyond the pool's own size while the migration ran: at each instant, the machines of the
 * migrated pool and its successor (every pool but `except`) above `poolSize`. For a full-size new pool
 * this is the old pool's node-hours once the new pool is up; for a surge upgrade, the surge nodes'.
 */
export function overlapNodeHours(
  machines: readonly MachineInterval[],
  options: { except: readonly string[]; poolSize: number; from: number; to: number },
): number {
  const changes: [at: number, delta: number][] = [];
  for (const m of machines) {
    if (options.except.includes(m.pool)) continue;
    const from = Math.max(m.from, options.from);
    const to = Math.min(m.to ?? options.to, options.to);
    if (to <= from) continue;
    changes.push([from, 1], [to, -1]);
  }
  changes.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let running = 0;
  let at = options.from;
  let extraMs = 0;
  for (const [when, delta] of changes) {
    extraMs += Math.max(0, running - options.poolSize) * (when - at);
    running += delta;
    at = when;
  }
  return extraMs / HOUR_MS;
}

export function overlapCost(vmSize: string, nodeHours: number): Cost {
  return nodeHoursCost(shippedPrices(), [{ vmSize, nodeHours }]);
}

export function costText(cost: Cost): string {
  const amount = cost.kind === "known" ? cost.amount : cost.knownPart;
  return `${amount.toFixed(2)}${cost.kind === "known" ? "" : "+?"}`;
}

/**
 * The workloads' pods (kube-system and daemonsets aside) not placed on a node of `osSku`; the last ones
 * moved may still be starting there when a run ends.
 */
export function podsLeftBehind(cluster: SimCluster, osSku: string): number {
  const onTarget = new Set(
    cluster.store
      .list("nodes")
      .filter((n) => n.metadata.labels?.["kubernetes.azure.com/os-sku-effective"] === osSku)
      .map((n) => n.metadata.name),
  );
  return cluster.store
    .list("pods")
    .filter((p) => p.metadata.namespace !== "kube-system" && controllerOf(p)?.kind !== "DaemonSet")
    .filter((p) => !onTarget.has(p.spec?.nodeName)).length;
}

/**
 * When the workloads' pods (kube-system and daemonsets aside) last left the pool's nodes as they are now:
 * the end of the move itself, before any retention or clean-up. Undefined while one is still there.
 */
export function watchMoved(
  cluster: SimCluster,
  pool: string,
  now: () => number,
): { readonly movedAt: number | undefined; stop(): void } {
  const original = new Set(
    cluster.store
      .list("nodes")
      .filter((n) => n.metadata.labels?.["kubernetes.azure.com/agentpool"] === pool)
      .map((n) => n.metadata.name),
  );
  const isWorkload = (pod: KubeObject) =>
    pod.metadata.namespace !== "kube-system" && controllerOf(pod)?.kind !== "DaemonSet";
  const occupied = new Set(
    cluster.store
      .list("pods")
      .filter((p) => original.has(p.spec?.nodeName) && isWorkload(p) && !isTerminal(p))
      .map((p) => p.metadata.uid as string),
  );
  let movedAt: number | undefined;
  const stop = cluster.store.watch(({ resource, type, object }) => {
    if (resource !== "pods" || !original.has(object.spec?.nodeName) || !isWorkload(object)) return;
    if (type === "DELETED" || isTerminal(object)) occupied.delete(object.metadata.uid);
    else occupied.add(object.metadata.uid);
    movedAt = occupied.size === 0 ? now() : undefined;
  });
  return {
    get movedAt() {
      return movedAt;
    },
    stop,
  };
}

/** Counts workload pods (daemonsets aside) in phase Pending from now on; `peak` is the most at once. */
export function watchPending(cluster: SimCluster): { readonly peak: number; stop(): void } {
  const pending = new Set<string>();
  let peak = 0;
  const stop = cluster.store.watch(({ resource, type, object }) => {
    if (resource !== "pods" || controllerOf(object)?.kind === "DaemonSet") return;
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (type !== "DELETED" && object.status?.phase === "Pending") pending.add(key);
    else pending.delete(key);
    peak = Math.max(peak, pending.size);
  });
  return {
    get peak() {
      return peak;
    },
    stop,
  };
}
