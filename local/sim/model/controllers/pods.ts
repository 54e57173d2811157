// Pod lifecycle as the kubelet and the apiserver drive it: bound pods sit in ContainerCreating for their
// startup time, then run (or crash-loop), Ready once their readiness time has passed; deleted pods stay
// Terminating for their grace period. The twin runs no code: a pod that is not restarted (restartPolicy
// Never or OnFailure, a one-shot command such as a smoke test) exits 0 after a short run and ends
// Succeeded; every other pod runs until deleted.

import { bytes, milliCores } from "../../scenario/quantity.ts";
import type { PodRuntime, SimCluster } from "../cluster.ts";
import { controllerOf, isNodeReady, type KubeObject } from "../kube-types.ts";
import { rfc3339 } from "../objects.ts";

const MS = 1000;
/** How long a crashing container runs before it exits again. */
const CRASH_RUN_MS = 3 * MS;
const BACKOFF_START_MS = 10 * MS;
const BACKOFF_CAP_MS = 300 * MS;
/** How long a one-shot pod's container runs before it exits 0. */
const ONE_SHOT_RUN_MS = 1 * MS;

export interface PodRequests {
  milliCpu: number;
  memory: number;
}

export function podRequests(pod: KubeObject): PodRequests {
  let milliCpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    milliCpu += milliCores(c.resources?.requests?.cpu);
    memory += bytes(c.resources?.requests?.memory);
  }
  return { milliCpu, memory };
}

export function isTerminal(pod: KubeObject): boolean {
  return pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed";
}

export function isTerminating(pod: KubeObject): boolean {
  return pod.metadata.deletionTimestamp !== undefined;
}

function runtimeOf(cluster: SimCluster, pod: KubeObject): PodRuntime {
  let runtime = cluster.podRuntime.get(pod.metadata.uid);
  if (!runtime) {
    runtime = { startupMs: cluster.ctx.timings.podStartupSeconds * MS };
    cluster.podRuntime.set(pod.metadata.uid, runtime);
  }
  return runtime;
}

function containerName(pod: KubeObject): string {
  return pod.spec?.containers?.[0]?.name ?? "main";
}

function containerId(cluster: SimCluster): string {
  return `containerd://${cluster.rng.hex(64)}`;
}

function setCondition(
  pod: KubeObject,
  type: string,
  status: "True" | "False",
  now: string,
  extra: Record<string, string> = {},
): void {
  pod.status.conditions ??= [];
  const conditions: Array<Record<string, unknown>> = pod.status.conditions;
  const existing = conditions.find((c) => c.type === type);
  const next = { type, status, lastProbeTime: null, lastTransitionTime: now, ...extra };
  if (!existing) conditions.push(next);
  else if (existing.status !== status || existing.reason !== extra.reason) Object.assign(existing, next);
}

const CONDITION_ORDER = [
  "PodReadyToStartContainers",
  "Initialized",
  "Ready",
  "ContainersReady",
  "PodScheduled",
];

function sortConditions(pod: KubeObject): void {
  pod.status.conditions?.sort(
    (a: { type: string }, b: { type: string }) =>
      CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type),
  );
}

/**
 * The pod gets its node and the kubelet starts pulling and creating. `byScheduler` false: the client
 * set spec.nodeName itself, so no scheduler took part (and none reports it).
 */
export function bindPod(cluster: SimCluster, pod: KubeObject, node: KubeObject, byScheduler = true): void {
  const now = cluster.iso();
  const nodeIp: string =
    node.status?.addresses?.find((a: { type: string }) => a.type === "InternalIP")?.address ?? "";
  pod.spec.nodeName = node.metadata.name;
  pod.status.phase = "Pending";
  pod.status.hostIP = nodeIp;
  pod.status.hostIPs = [{ ip: nodeIp }];
  pod.status.startTime = now;
  setCondition(pod, "PodScheduled", "True", now);
  setCondition(pod, "PodReadyToStartContainers", "False", now);
  setCondition(pod, "Initialized", "True", now);
  setReadiness(pod, false, now);
  sortConditions(pod);
  delete pod.status.message;
  delete pod.status.reason;
  pod.status.containerStatuses = [
    {
      name: containerName(pod),
      state: { waiting: { reason: "ContainerCreating" } },
      lastState: {},
      ready: false,
      restartCount: 0,
      image: pod.spec.containers?.[0]?.image ?? "",
      imageID: "",
      started: false,
    },
  ];
  cluster.store.touch("pods", pod);
  if (byScheduler && !cluster.instant) {
    cluster.recordEvent(
      pod,
      "Normal",
      "Scheduled",
      `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`,
      "default-scheduler",
    );
  }
  const runtime = runtimeOf(cluster, pod);
  if (cluster.instant) startPod(cluster, pod);
  else runtime.timer = cluster.timeline.after(runtime.startupMs, () => startPod(cluster, pod));
}

/** Whether the kubelet could run this pod's container on its node, given the active faults. */
export function podCrashes(cluster: SimCluster, pod: KubeObject, node: KubeObject): boolean {
  const owner = controllerOf(pod);
  if (owner?.kind !== "DaemonSet") return false;
  const sku = node.metadata.labels?.["kubernetes.azure.com/os-sku-effective"] ?? "";
  const faulted = cluster.ctx.faults.active(
    "daemonset-crash",
    (f) =>
      f.cluster === cluster.name &&
      f.namespace === pod.metadata.namespace &&
      f.daemonSet === owner.name &&
      f.osSku.some((s) => s === sku),
  );
  if (faulted.length > 0) return true;
  const kernels = cluster.kernelAgents.get(owner.uid);
  const kernel: string = node.status?.nodeInfo?.kernelVersion ?? "";
  return kernels !== undefined && !kernels.some((prefix) => kernel.startsWith(prefix));
}

/** The kubelet starts the containers once the startup time has passed and the node is Ready. */
export function startPod(cluster: SimCluster, pod: KubeObject): void {
  const runtime = runtimeOf(cluster, pod);
  runtime.timer = undefined;
  if (cluster.store.get("pods", pod.metadata.namespace, pod.metadata.name) !== pod || isTerminating(pod))
    return;
  const node = cluster.node(pod.spec.nodeName);
  if (!node || !isNodeReady(node)) return;
  if (podCrashes(cluster, pod, node)) {
    const since = cluster.instant ? cluster.now() - 3600 * MS : cluster.now();
    runtime.crashSince = since;
    cluster.crashLooping.add(pod);
    if (!pod.status.podIP) assignIp(cluster, pod, node);
    refreshCrashLoop(cluster, pod, true);
    return;
  }
  const oneShot = pod.spec.restartPolicy === "Never" || pod.spec.restartPolicy === "OnFailure";
  markRunning(cluster, pod, node, 0, oneShot ? 0 : readinessDelay(cluster, runtime));
  if (oneShot) {
    if (cluster.instant) completePod(cluster, pod);
    else runtime.timer = cluster.timeline.after(ONE_SHOT_RUN_MS, () => completePod(cluster, pod));
  }
}

/** A scenario's pods start out as they would have long run: Ready at once. */
function readinessDelay(cluster: SimCluster, runtime: PodRuntime): number {
  return cluster.instant ? 0 : (runtime.readyMs ?? 0);
}

/** The readiness wait's timer, in place of one a crash loop or the node's absence left behind. */
function awaitReadiness(cluster: SimCluster, pod: KubeObject, runtime: PodRuntime, ms: number): void {
  runtime.timer?.cancel();
  const timer = cluster.timeline.after(ms, () => {
    if (runtime.timer === timer) runtime.timer = undefined;
    markReady(cluster, pod, runtime);
  });
  runtime.timer = timer;
}

/** What is left of the readiness wait when the node is back: it went on while the node was away. */
function readinessLeft(cluster: SimCluster, runtime: PodRuntime): number {
  return runtime.readyAt === undefined ? 0 : Math.max(0, runtime.readyAt - cluster.now());
}

/**
 * The readiness probe passes: the pod serves (and counts for its budgets and its controller). A node
 * that is not Ready reports nothing: its return decides (resumePodsOnNode).
 */
function markReady(cluster: SimCluster, pod: KubeObject, runtime: PodRuntime): void {
  const current = cluster.store.get("pods", pod.metadata.namespace, pod.metadata.name) === pod;
  if (!current || isTerminating(pod) || pod.status.phase !== "Running" || cluster.crashLooping.has(pod))
    return;
  const node = cluster.node(pod.spec.nodeName);
  if (!node || !isNodeReady(node)) return;
  runtime.readyAt = undefined;
  setReadiness(pod, true, cluster.iso());
  cluster.store.touch("pods", pod);
}

function setReadiness(pod: KubeObject, ready: boolean, now: string): void {
  const reason: Record<string, string> = ready
    ? {}
    : { reason: "ContainersNotReady", message: `containers with unready status: [${containerName(pod)}]` };
  setCondition(pod, "Ready", ready ? "True" : "False", now, reason);
  setCondition(pod, "ContainersReady", ready ? "True" : "False", now, reason);
  if (ready) {
    for (const c of pod.status.conditions) {
      if (c.type === "Ready" || c.type === "ContainersReady") {
        delete c.reason;
        delete c.message;
      }
    }
  }
  const status = pod.status.containerStatuses?.[0];
  if (status) status.ready = ready;
}

/** A one-shot pod's container exited 0: the pod is Succeeded and stays until someone deletes it. */
function completePod(cluster: SimCluster, pod: KubeObject): void {
  const runtime = runtimeOf(cluster, pod);
  runtime.timer = undefined;
  if (cluster.store.get("pods", pod.metadata.namespace, pod.metadata.name) !== pod || isTerminating(pod))
    return;
  const now = cluster.iso();
  pod.status.phase = "Succeeded";
  setCondition(pod, "PodReadyToStartContainers", "False", now);
  setCondition(pod, "Ready", "False", now, { reason: "PodCompleted" });
  setCondition(pod, "ContainersReady", "False", now, { reason: "PodCompleted" });
  const status = pod.status.containerStatuses?.[0];
  if (status) {
    status.state = {
      terminated: {
        exitCode: 0,
        reason: "Completed",
        startedAt: status.state?.running?.startedAt ?? now,
        finishedAt: now,
        containerID: status.containerID,
      },
    };
    status.ready = false;
    status.started = false;
  }
  cluster.store.touch("pods", pod);
  cluster.kick();
}

function assignIp(cluster: SimCluster, pod: KubeObject, node: KubeObject): void {
  const hostNetwork = pod.spec.hostNetwork === true;
  const ip = hostNetwork ? pod.status.hostIP : cluster.podIp(node);
  pod.status.podIP = ip;
  pod.status.podIPs = [{ ip }];
}

/** The container runs; Ready at once, or after `readyAfterMs` (its readiness probe). */
function markRunning(
  cluster: SimCluster,
  pod: KubeObject,
  node: KubeObject,
  restartCount = 0,
  readyAfterMs = 0,
): void {
  const now = cluster.iso();
  const runtime = runtimeOf(cluster, pod);
  runtime.readyAt = readyAfterMs > 0 ? cluster.now() + readyAfterMs : undefined;
  if (!pod.status.podIP) assignIp(cluster, pod, node);
  pod.status.phase = "Running";
  setCondition(pod, "PodReadyToStartContainers", "True", now);
  setReadiness(pod, readyAfterMs === 0, now);
  const status = pod.status.containerStatuses?.[0];
  if (status) {
    status.state = { running: { startedAt: now } };
    status.started = true;
    status.restartCount = restartCount;
    status.containerID = containerId(cluster);
    status.imageID = `${status.image.split(":")[0]}@sha256:${cluster.rng.hex(64)}`;
  }
  cluster.store.touch("pods", pod);
  if (readyAfterMs > 0) awaitReadiness(cluster, pod, runtime, readyAfterMs);
}

/** A pod's containers are running but its node stopped reporting: the node controller marks it unready. */
export function markPodNotReady(cluster: SimCluster, pod: KubeObject): void {
  const ready = pod.status?.conditions?.find((c: { type: string }) => c.type === "Ready");
  if (!ready || ready.status === "False") return;
  setCondition(pod, "Ready", "False", cluster.iso());
  const status = pod.status.containerStatuses?.[0];
  if (status) status.ready = false;
  cluster.store.touch("pods", pod);
}

/** Brings pods back when their node is Ready again (containers kept running) or starts waiting ones. */
export function resumePodsOnNode(cluster: SimCluster, node: KubeObject): void {
  for (const pod of cluster.store.podsOnNode(node.metadata.name)) {
    if (isTerminating(pod)) {
      const due = Date.parse(pod.metadata.deletionTimestamp as string);
      if (due <= cluster.now()) completeTermination(cluster, pod);
      continue;
    }
    const runtime = runtimeOf(cluster, pod);
    if (pod.status.phase === "Pending" && runtime.timer === undefined) startPod(cluster, pod);
    else if (pod.status.phase === "Running" && !cluster.crashLooping.has(pod)) {
      const restarts = pod.status.containerStatuses?.[0]?.restartCount ?? 0;
      markRunning(cluster, pod, node, restarts, readinessLeft(cluster, runtime));
    }
  }
}

interface CrashState {
  restartCount: number;
  running: boolean;
  phaseStart: number;
  lastExit?: number;
  backoffMs: number;
}

/** Where a crash-looping container is at `now`: kubelet backoff 10s doubling to 5m between restarts. */
function crashState(since: number, now: number): CrashState {
  let restarts = 0;
  let start = since;
  let lastExit: number | undefined;
  for (;;) {
    const exit = start + CRASH_RUN_MS;
    const backoff = Math.min(BACKOFF_START_MS * 2 ** restarts, BACKOFF_CAP_MS);
    if (now < exit)
      return {
        restartCount: restarts,
        running: true,
        phaseStart: start,
        ...(lastExit ? { lastExit } : {}),
        backoffMs: backoff,
      };
    if (now < exit + backoff)
      return {
        restartCount: restarts,
        running: false,
        phaseStart: start,
        lastExit: exit,
        backoffMs: backoff,
      };
    if (backoff === BACKOFF_CAP_MS) {
      const period = CRASH_RUN_MS + BACKOFF_CAP_MS;
      const skipped = Math.floor((now - start) / period);
      restarts += skipped;
      start += skipped * period;
      lastExit = start - BACKOFF_CAP_MS;
      continue;
    }
    restarts++;
    lastExit = exit;
    start = exit + backoff;
  }
}

function formatBackoff(ms: number): string {
  const s = ms / 1000;
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

/** Brings a crash-looping pod's status up to now; the kubelet's restarts are computed, not scheduled. */
export function refreshCrashLoop(cluster: SimCluster, pod: KubeObject, force = false): void {
  const runtime = cluster.podRuntime.get(pod.metadata.uid);
  if (runtime?.crashSince === undefined) return;
  const state = crashState(runtime.crashSince, cluster.now());
  const status = pod.status.containerStatuses?.[0];
  if (!status) return;
  const wasRunning = status.state?.running !== undefined;
  if (!force && status.restartCount === state.restartCount && wasRunning === state.running) return;
  const now = cluster.iso();
  const name = containerName(pod);
  pod.status.phase = "Running";
  setCondition(pod, "PodReadyToStartContainers", "True", now);
  for (const type of ["Ready", "ContainersReady"]) {
    setCondition(pod, type, "False", now, {
      reason: "ContainersNotReady",
      message: `containers with unready status: [${name}]`,
    });
  }
  status.restartCount = state.restartCount;
  status.ready = false;
  status.started = state.running;
  status.containerID = containerId(cluster);
  status.state = state.running
    ? { running: { startedAt: rfc3339(state.phaseStart) } }
    : {
        waiting: {
          reason: "CrashLoopBackOff",
          message: `back-off ${formatBackoff(state.backoffMs)} restarting failed container=${name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        },
      };
  status.lastState = state.lastExit
    ? {
        terminated: {
          exitCode: 1,
          reason: "Error",
          startedAt: rfc3339(state.lastExit - CRASH_RUN_MS),
          finishedAt: rfc3339(state.lastExit),
          containerID: status.containerID,
        },
      }
    : {};
  cluster.store.touch("pods", pod);
  if (!state.running && !cluster.instant) {
    cluster.recordEvent(
      pod,
      "Warning",
      "BackOff",
      `Back-off restarting failed container ${name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
      "kubelet",
      pod.spec.nodeName,
    );
  }
}

export function refreshCrashLoops(cluster: SimCluster): void {
  for (const pod of cluster.crashLooping) refreshCrashLoop(cluster, pod);
}

/** Re-evaluates crash faults for running pods (after a fault is added or removed). */
export function reevaluateCrashes(cluster: SimCluster): void {
  for (const pod of cluster.store.list("pods")) {
    if (pod.status?.phase !== "Running" || isTerminating(pod)) continue;
    const node = cluster.node(pod.spec.nodeName);
    if (!node) continue;
    const crashes = podCrashes(cluster, pod, node);
    const looping = cluster.crashLooping.has(pod);
    if (crashes && !looping) {
      runtimeOf(cluster, pod).crashSince = cluster.now();
      cluster.crashLooping.add(pod);
      refreshCrashLoop(cluster, pod, true);
    } else if (!crashes && looping) {
      const restarts =
        crashState(runtimeOf(cluster, pod).crashSince as number, cluster.now()).restartCount + 1;
      cluster.crashLooping.delete(pod);
      runtimeOf(cluster, pod).crashSince = undefined;
      pod.status.containerStatuses[0].lastState = pod.status.containerStatuses[0].lastState ?? {};
      markRunning(cluster, pod, node, restarts, readinessDelay(cluster, runtimeOf(cluster, pod)));
    }
  }
}

/**
 * Starts a graceful deletion (the apiserver's side of DELETE and of an admitted eviction). Unbound pods
 * and zero-grace deletes go at once; others stay Terminating until their container exits.
 */
export function beginPodDeletion(cluster: SimCluster, pod: KubeObject, gracePeriodSeconds?: number): void {
  const grace = gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
  if (!pod.spec?.nodeName || grace === 0) {
    finalizePod(cluster, pod);
    return;
  }
  const runtime = runtimeOf(cluster, pod);
  const now = cluster.now();
  if (isTerminating(pod)) {
    // A second delete may only shorten the grace period.
    const current = Date.parse(pod.metadata.deletionTimestamp as string);
    if (now + grace * MS >= current) return;
  } else if (!cluster.instant) {
    cluster.recordEvent(
      pod,
      "Normal",
      "Killing",
      `Stopping container ${containerName(pod)}`,
      "kubelet",
      pod.spec.nodeName,
    );
  }
  runtime.timer?.cancel();
  pod.metadata.deletionTimestamp = rfc3339(now + grace * MS);
  pod.metadata.deletionGracePeriodSeconds = grace;
  cluster.store.touch("pods", pod);
  // No running container, nothing to wait for: not started yet, exited, or down between crash-loop restarts.
  const running = pod.status?.phase === "Running" && !cluster.crashLooping.has(pod);
  const exitMs = running ? Math.min(runtime.shutdownMs ?? grace * MS, grace * MS) : 0;
  runtime.timer = cluster.timeline.after(exitMs, () => completeTermination(cluster, pod));
}

/** The kubelet confirms the container is gone, unless a fault or an unreachable node keeps it. */
export function completeTermination(cluster: SimCluster, pod: KubeObject): void {
  const runtime = cluster.podRuntime.get(pod.metadata.uid);
  if (runtime) runtime.timer = undefined;
  if (cluster.store.get("pods", pod.metadata.namespace, pod.metadata.name) !== pod) return;
  const stuck = cluster.ctx.faults.active(
    "pod-stuck-terminating",
    (f) =>
      f.cluster === cluster.name &&
      f.namespace === pod.metadata.namespace &&
      pod.metadata.name.startsWith(f.podPrefix),
  );
  if (stuck.length > 0) return;
  const node = cluster.node(pod.spec.nodeName);
  if (node && !isNodeReady(node)) return;
  finalizePod(cluster, pod);
}

/** Terminating pods whose time has come, once nothing holds them any more (a fault was cleared). */
export function completeDueTerminations(cluster: SimCluster): void {
  for (const pod of cluster.store.list("pods")) {
    if (!isTerminating(pod) || cluster.podRuntime.get(pod.metadata.uid)?.timer) continue;
    if (Date.parse(pod.metadata.deletionTimestamp as string) <= cluster.now())
      completeTermination(cluster, pod);
  }
}

/** The workload a pod belongs to: its deployment rather than the deployment's replicaset. */
function topController(cluster: SimCluster, pod: KubeObject): { kind: string; name: string } | undefined {
  const owner = controllerOf(pod);
  if (owner?.kind !== "ReplicaSet") return owner;
  const rs = cluster.store.get("replicasets", pod.metadata.namespace, owner.name);
  const deployment = rs && controllerOf(rs);
  return deployment ?? owner;
}

/**
 * Removes the pod object. `lostWith` names the machine event that took a still-running controller pod
 * with it; the ledger records those.
 */
export function finalizePod(cluster: SimCluster, pod: KubeObject, lostWith?: string): void {
  const runtime = cluster.podRuntime.get(pod.metadata.uid);
  runtime?.timer?.cancel();
  cluster.podRuntime.delete(pod.metadata.uid);
  cluster.crashLooping.delete(pod);
  const owner = topController(cluster, pod);
  if (lostWith && owner && owner.kind !== "DaemonSet" && !isTerminating(pod) && !isTerminal(pod)) {
    cluster.ctx.ledger.recordLostPod({
      at: cluster.iso(),
      cluster: cluster.name,
      namespace: pod.metadata.namespace ?? "",
      pod: pod.metadata.name,
      owner: { kind: owner.kind, name: owner.name },
      node: pod.spec?.nodeName ?? "",
      reason: lostWith,
    });
  }
  cluster.store.remove("pods", pod);
}
