// What AKS does behind an agent pool operation, in simulated time: provision machines (their kubelets
// register NotReady, then Ready), cordon and drain with evictions that honour PDBs, delete machines,
// surge-upgrade node by node. Failures carry the codes AKS reports.

import type { SimCluster } from "../model/cluster.ts";
import { disruptPod, evictPod } from "../model/controllers/disruption.ts";
import { registerNode, removeNode } from "../model/controllers/nodes.ts";
import { isTerminating } from "../model/controllers/pods.ts";
import { controllerOf, isNodeReady, type KubeObject } from "../model/kube-types.ts";
import type { Machine, SimPool } from "../model/pool.ts";
import { OperationFailure } from "./operations.ts";

const MS = 1000;
const MINUTE = 60 * MS;
/** How long AKS waits for new machines to report Ready before giving up. */
const NODE_READY_TIMEOUT_MS = 20 * MINUTE;
const QUARANTINE_LABEL = "kubernetes.azure.com/upgrade-status";

function allocationFailed(): OperationFailure {
  return new OperationFailure(
    "AllocationFailed",
    "Allocation failed. We do not have sufficient capacity for the requested VM size in this region. Read more about improving likelihood of allocation success at http://aka.ms/allocation-guidance",
  );
}

function capacityLimit(cluster: SimCluster, pool: SimPool): number | undefined {
  const limits = cluster.ctx.faults.active(
    "capacity-shortage",
    (f) => f.cluster === cluster.name && f.pool === pool.name,
  );
  return limits.length === 0 ? undefined : Math.min(...limits.map((f) => f.maxNodes));
}

/** Creates `count` scale-set instances; their kubelets register once provisioned. */
async function provisionMachines(cluster: SimCluster, pool: SimPool, count: number): Promise<Machine[]> {
  const limit = capacityLimit(cluster, pool);
  const allowed =
    limit === undefined ? count : Math.max(0, Math.min(count, limit - pool.liveMachines().length));
  const machines = Array.from({ length: allowed }, () => cluster.newMachine(pool));
  await cluster.timeline.sleep(cluster.ctx.timings.vmProvisionSeconds * MS);
  for (const machine of machines) {
    if (machine.state !== "provisioning") continue;
    machine.state = "running";
    cluster.ctx.ledger.machineStarted(cluster.name, pool.name, machine.name, cluster.now());
    registerNode(cluster, pool, machine, { ready: false });
  }
  cluster.kick();
  if (allowed < count) throw allocationFailed();
  await waitForReady(cluster, machines);
  return machines;
}

async function waitForReady(cluster: SimCluster, machines: Machine[]): Promise<void> {
  const deadline = cluster.now() + NODE_READY_TIMEOUT_MS;
  const pollMs = cluster.ctx.timings.drainRetrySeconds * MS || MS;
  for (;;) {
    const waiting = machines.filter((m) => {
      const node = cluster.node(m.name);
      return m.state === "running" && (!node || !isNodeReady(node));
    });
    if (waiting.length === 0) return;
    if (cluster.now() >= deadline) {
      throw new OperationFailure(
        "NodesNotReady",
        `Nodes did not become Ready within ${NODE_READY_TIMEOUT_MS / MINUTE}m0s: [${waiting.map((m) => m.name).join(" ")}]`,
      );
    }
    await cluster.timeline.sleep(pollMs);
  }
}

/** Pods a drain must move: everything but daemonset pods and mirror pods. */
function drainable(pod: KubeObject): boolean {
  return (
    controllerOf(pod)?.kind !== "DaemonSet" &&
    pod.metadata.annotations?.["kubernetes.io/config.mirror"] === undefined
  );
}

export interface DrainResult {
  drained: boolean;
  remaining: string[];
}

/**
 * Cordons and drains a node as the AKS upgrader does: evict (or, ignoring budgets, delete) every
 * drainable pod, retry blocked evictions, and wait until the pods are gone or the timeout passes.
 */
export async function drainNode(
  cluster: SimCluster,
  nodeName: string,
  options: { respectPdb: boolean; timeoutMs: number },
): Promise<DrainResult> {
  const node = cluster.node(nodeName);
  if (!node) return { drained: true, remaining: [] };
  if (!node.spec.unschedulable) {
    node.spec.unschedulable = true;
    cluster.store.touch("nodes", node);
  }
  cluster.recordEvent(node, "Normal", "Drain", `Draining node: ${nodeName}`, "upgrader");
  cluster.kick();
  const deadline = cluster.now() + options.timeoutMs;
  for (;;) {
    const pods = cluster.store.podsOnNode(nodeName).filter(drainable);
    if (pods.length === 0) return { drained: true, remaining: [] };
    for (const pod of pods) {
      if (isTerminating(pod)) continue;
      if (!options.respectPdb) {
        disruptPod(cluster, pod, "drain-ignoring-pdb");
        continue;
      }
      const status = evictPod(cluster, pod);
      if (status.code === 429 || status.code === 500) {
        const current = cluster.node(nodeName);
        if (current)
          cluster.recordEvent(
            current,
            "Warning",
            "Drain",
            `Eviction blocked by Too many Requests (usually a pdb): ${pod.metadata.name}`,
            "upgrader",
          );
      }
    }
    if (cluster.now() >= deadline) {
      return { drained: false, remaining: pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`) };
    }
    await cluster.timeline.sleep(cluster.ctx.timings.drainRetrySeconds * MS || MS);
  }
}

function drainFailure(node: string, result: DrainResult, timeoutMs: number): OperationFailure {
  return new OperationFailure(
    "PodDrainFailure",
    `Node '${node}' failed to be drained with error: 'Drain did not complete pods [${result.remaining.join(" ")}] within ${Math.round(timeoutMs / MINUTE)}m0s'`,
  );
}

function drainTimeoutMs(pool: SimPool): number {
  return (pool.props.upgradeSettings.drainTimeoutInMinutes ?? 30) * MINUTE;
}

/** Deletes the VM: its node disappears and pods still bound to it go with it. */
async function deleteMachine(
  cluster: SimCluster,
  pool: SimPool,
  machine: Machine,
  reason: string,
): Promise<void> {
  machine.state = "deleting";
  machine.registration?.cancel();
  await cluster.timeline.sleep(cluster.ctx.timings.vmDeleteSeconds * MS);
  removeNode(cluster, machine.name, reason);
  pool.machines.delete(machine.name);
  cluster.ctx.ledger.machineStopped(cluster.name, machine.name, cluster.now());
}

async function drainAndDelete(
  cluster: SimCluster,
  pool: SimPool,
  machines: Machine[],
  respectPdb: boolean,
  reason: string,
): Promise<void> {
  const timeoutMs = drainTimeoutMs(pool);
  const results = await Promise.all(
    machines.map((m) => drainNode(cluster, m.name, { respectPdb, timeoutMs })),
  );
  const failed = results.findIndex((r) => !r.drained);
  if (failed !== -1)
    throw drainFailure((machines[failed] as Machine).name, results[failed] as DrainResult, timeoutMs);
  await Promise.all(machines.map((m) => deleteMachine(cluster, pool, m, reason)));
}

export async function createPool(cluster: SimCluster, pool: SimPool): Promise<void> {
  await provisionMachines(cluster, pool, pool.props.count);
}

export async function deletePool(cluster: SimCluster, pool: SimPool, ignorePdb: boolean): Promise<void> {
  await drainAndDelete(cluster, pool, pool.liveMachines(), !ignorePdb, "pool-deleted");
  cluster.pools.delete(pool.name);
}

export async function deleteMachines(cluster: SimCluster, pool: SimPool, names: string[]): Promise<void> {
  const machines = names
    .map((n) => pool.machineByArmName(n))
    .filter((m): m is Machine => m !== undefined && m.state !== "deleting");
  pool.props.count = Math.max(0, pool.props.count - machines.length);
  await drainAndDelete(cluster, pool, machines, true, "machine-deleted");
}

/** Scale-set scale-in removes the highest instance ordinals first. */
async function scale(cluster: SimCluster, pool: SimPool): Promise<void> {
  const live = pool.liveMachines();
  const want = pool.props.count;
  if (want > live.length) await provisionMachines(cluster, pool, want - live.length);
  if (want < live.length) {
    const surplus = [...live].sort((a, b) => b.ordinal - a.ordinal).slice(0, live.length - want);
    await drainAndDelete(cluster, pool, surplus, true, "scaled-in");
  }
}

export function surgeCount(maxSurge: string | undefined, count: number): number {
  const text = maxSurge ?? "10%";
  const value = text.endsWith("%")
    ? Math.ceil((count * Number.parseInt(text, 10)) / 100)
    : Number.parseInt(text, 10);
  return Math.max(1, Number.isFinite(value) ? value : 1);
}

/** Surge upgrade: add new machines, then drain and replace the old ones a batch at a time. */
async function rollingUpgrade(cluster: SimCluster, pool: SimPool): Promise<void> {
  const settings = pool.props.upgradeSettings;
  const outdated = pool
    .liveMachines()
    .filter(
      (m) =>
        m.nodeImageVersion !== pool.props.nodeImageVersion ||
        m.orchestratorVersion !== pool.props.orchestratorVersion,
    )
    .sort((a, b) => a.ordinal - b.ordinal);
  if (outdated.length === 0) return;
  const surge = surgeCount(settings.maxSurge, pool.props.count);
  const timeoutMs = drainTimeoutMs(pool);
  const soakMs = (settings.nodeSoakDurationInMinutes ?? 0) * MINUTE;
  const remaining = [...outdated];
  await provisionMachines(cluster, pool, Math.min(surge, remaining.length));
  while (remaining.length > 0) {
    const batch = remaining.splice(0, surge);
    const results = await Promise.all(
      batch.map((m) => drainNode(cluster, m.name, { respectPdb: true, timeoutMs })),
    );
    const drained: Machine[] = [];
    for (const [i, machine] of batch.entries()) {
      const result = results[i] as DrainResult;
      if (result.drained) drained.push(machine);
      else if (settings.undrainableNodeBehavior === "Cordon") quarantine(cluster, machine);
      else throw drainFailure(machine.name, result, timeoutMs);
    }
    if (soakMs > 0) await cluster.timeline.sleep(soakMs);
    await Promise.all(drained.map((m) => deleteMachine(cluster, pool, m, "upgraded")));
    const next = Math.min(surge, remaining.length);
    if (next > 0) await provisionMachines(cluster, pool, next);
  }
  pool.currentOrchestratorVersion = pool.props.orchestratorVersion;
}

/** undrainableNodeBehavior Cordon: the blocked node stays cordoned and labelled for the operator. */
function quarantine(cluster: SimCluster, machine: Machine): void {
  const node = cluster.node(machine.name);
  if (!node) return;
  node.metadata.labels = { ...node.metadata.labels, [QUARANTINE_LABEL]: "Quarantined" };
  cluster.store.touch("nodes", node);
}

export interface PoolChange {
  upgrade: boolean;
  scale: boolean;
}

/** An update PUT: in-place changes are already applied; this rolls the image or version, then scales. */
export async function updatePool(cluster: SimCluster, pool: SimPool, change: PoolChange): Promise<void> {
  if (change.upgrade) await rollingUpgrade(cluster, pool);
  if (change.scale) await scale(cluster, pool);
  if (!change.upgrade && !change.scale)
    await cluster.timeline.sleep(cluster.ctx.timings.clusterUpdateSeconds * MS);
}

export async function upgradeNodeImage(cluster: SimCluster, pool: SimPool): Promise<void> {
  await rollingUpgrade(cluster, pool);
}
