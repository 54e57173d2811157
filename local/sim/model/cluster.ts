// One simulated AKS cluster: its ARM-side pools and machines and its Kubernetes objects in one store;
// after each change the controllers (controllers/) bring them back in line. The HTTP layers only
// translate to and from this.

import type { EffectiveOsSku } from "../scenario/os-images.ts";
import type { ClusterSpec, Timings } from "../scenario/schema.ts";
import type { VmSize } from "../scenario/vm-sizes.ts";
import type { FaultRegistry } from "./faults.ts";
import { KubeStore } from "./kube-store.ts";
import { controllerOf, type KubeObject } from "./kube-types.ts";
import type { Ledger } from "./ledger.ts";
import { meta, rfc3339 } from "./objects.ts";
import { type Machine, SimPool } from "./pool.ts";
import type { PresentedCredentials } from "./presented-credentials.ts";
import { hashString, SeededRandom } from "./random.ts";
import type { Timeline, TimerHandle } from "./timeline.ts";

export interface SimContext {
  timeline: Timeline;
  faults: FaultRegistry;
  ledger: Ledger;
  credentials: PresentedCredentials;
  timings: Timings;
  vmSizes: Readonly<Record<string, VmSize>>;
  latestNodeImages: Partial<Record<EffectiveOsSku, string>>;
  tenantId: string;
  /**
   * One pass of the controllers over a cluster, true when it changed anything. The fleet passes it in:
   * the controllers act on the cluster, so the cluster cannot import them.
   */
  reconcile: (cluster: SimCluster) => boolean;
}

/** What the twin knows about a pod beyond its API object. */
export interface PodRuntime {
  startupMs: number;
  /** Running but not Ready this long after each start of its container. */
  readyMs?: number;
  /** When the readiness wait under way ends (simulated ms); none once Ready. */
  readyAt?: number;
  /** Time the container needs to exit after SIGTERM; undefined means it uses the whole grace period. */
  shutdownMs?: number;
  timer?: TimerHandle;
  /** When the current crash loop began (simulated ms). */
  crashSince?: number;
  /** Set when an eviction, not a plain delete, started the termination. */
  evicted?: boolean;
}

export interface WorkloadParams {
  startupMs: number;
  readyMs?: number;
  shutdownMs?: number;
}

/** The ARM operation holding the cluster, if any (another write gets 409 OperationNotAllowed). */
export interface ClusterOperationLock {
  pool?: string;
  state: string;
}

const MS = 1000;

export class SimCluster {
  readonly name: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly location: string;
  readonly id: string;
  readonly nodeResourceGroup: string;
  readonly ctx: SimContext;
  readonly store = new KubeStore();
  readonly pools = new Map<string, SimPool>();
  readonly rng: SeededRandom;
  /** Bearer token written into this cluster's kubeconfig. */
  readonly token: string;
  spec: ClusterSpec;
  lock?: ClusterOperationLock;
  /** Where this cluster's Kubernetes API listens, once the simulator has started it. */
  apiServerUrl = "";
  clusterProvisioningState = "Succeeded";

  readonly podRuntime = new Map<string, PodRuntime>();
  readonly workloadParams = new Map<string, WorkloadParams>();
  /** Kernel prefixes a kernel-bound daemonset's module loads on, by daemonset uid. */
  readonly kernelAgents = new Map<string, string[]>();
  readonly crashLooping = new Set<KubeObject>();
  private reconcileQueued = false;
  private readonly eventsByCause = new Map<string, KubeObject>();
  private daemonSetInputsChanged = true;
  private nodeIpCounter = 4;
  private podCidrCounter = 0;
  private readonly podIpCounters = new Map<string, number>();
  /** During bootstrap everything starts at once: the scenario describes a fleet already running. */
  instant = false;

  constructor(spec: ClusterSpec, subscriptionId: string, ctx: SimContext, seed: string) {
    this.spec = spec;
    this.name = spec.name;
    this.subscriptionId = subscriptionId;
    this.resourceGroup = spec.resourceGroup;
    this.location = spec.location;
    this.ctx = ctx;
    this.id = `/subscriptions/${subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${spec.name}`;
    this.nodeResourceGroup = `MC_${spec.resourceGroup}_${spec.name}_${spec.location}`;
    this.rng = new SeededRandom(`${seed}/${subscriptionId}/${spec.name}`);
    this.token = `sim-${this.rng.hex(32)}`;
    this.store.watch(({ resource, object }) => {
      if (
        resource === "nodes" ||
        resource === "daemonsets" ||
        (resource === "pods" && controllerOf(object)?.kind === "DaemonSet")
      ) {
        this.daemonSetInputsChanged = true;
      }
    });
  }

  /** Whether anything a daemonset depends on changed since the last call. */
  takeDaemonSetChanges(): boolean {
    const changed = this.daemonSetInputsChanged;
    this.daemonSetInputsChanged = false;
    return changed;
  }

  get timeline(): Timeline {
    return this.ctx.timeline;
  }

  now(): number {
    return this.ctx.timeline.now();
  }

  iso(ms = this.now()): string {
    return rfc3339(ms);
  }

  get kubernetesVersion(): string {
    return this.spec.kubernetesVersion;
  }

  uid(): string {
    return this.rng.uuid();
  }

  addPool(name: string, props: SimPool["props"], kernelOverride?: string): SimPool {
    const vmssId = String(10_000_000 + (hashString(`${this.id}/${name}`) % 90_000_000));
    const pool = new SimPool(name, vmssId, props, this.uid(), kernelOverride);
    this.pools.set(name, pool);
    return pool;
  }

  /** A new scale-set instance with the pool's current image (not yet running). */
  newMachine(pool: SimPool, createdAt = this.now()): Machine {
    const ordinal = pool.nextOrdinal++;
    const zones = pool.props.availabilityZones;
    const sku = pool.effectiveSku;
    const machine: Machine = {
      name: pool.machineName(ordinal),
      ordinal,
      zone: zones.length > 0 ? `${this.location}-${zones[ordinal % zones.length]}` : "0",
      createdAt,
      nodeImageVersion: pool.props.nodeImageVersion,
      orchestratorVersion: pool.props.orchestratorVersion,
      osSku: sku,
      kernelVersion: pool.currentKernel(),
      state: "provisioning",
    };
    pool.machines.set(machine.name, machine);
    return machine;
  }

  ensureNamespace(name: string, createdAt = this.now()): void {
    if (this.store.get("namespaces", undefined, name)) return;
    this.store.create("namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: meta({ name, uid: this.uid(), labels: { "kubernetes.io/metadata.name": name } }, createdAt),
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }

  /** Defaults the apiserver's admission adds to every pod, and the twin's runtime record. */
  preparePod(pod: KubeObject, params: WorkloadParams): void {
    const spec = pod.spec;
    spec.tolerations = [...(spec.tolerations ?? [])];
    for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
      if (
        !spec.tolerations.some(
          (t: { key?: string; effect?: string }) => t.key === key && t.effect === "NoExecute",
        )
      ) {
        spec.tolerations.push({
          key,
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: this.ctx.timings.notReadyEvictionSeconds,
        });
      }
    }
    spec.serviceAccountName ??= "default";
    spec.serviceAccount ??= spec.serviceAccountName;
    spec.enableServiceLinks ??= true;
    spec.preemptionPolicy ??= "PreemptLowerPriority";
    spec.priority ??=
      spec.priorityClassName === "system-node-critical"
        ? 2000001000
        : spec.priorityClassName === "system-cluster-critical"
          ? 2000000000
          : 0;
    spec.terminationGracePeriodSeconds ??= 30;
    pod.status = {
      phase: "Pending",
      qosClass: qosClass(spec),
    };
    this.podRuntime.set(pod.metadata.uid, { ...params });
  }

  // ---------------------------------------------------------------- lookups

  node(name: string): KubeObject | undefined {
    return this.store.get("nodes", undefined, name);
  }

  machine(name: string): { pool: SimPool; machine: Machine } | undefined {
    for (const pool of this.pools.values()) {
      const machine = pool.machines.get(name);
      if (machine) return { pool, machine };
    }
    return undefined;
  }

  nodeIp(): string {
    const n = this.nodeIpCounter++;
    return `10.224.${Math.floor(n / 256)}.${n % 256}`;
  }

  podCidr(): string {
    return `10.244.${this.podCidrCounter++ % 256}.0/24`;
  }

  podIp(node: KubeObject): string {
    const cidr: string = node.spec?.podCIDR ?? "10.244.0.0/24";
    const next = (this.podIpCounters.get(node.metadata.name) ?? 1) + 1;
    this.podIpCounters.set(node.metadata.name, next > 250 ? 2 : next);
    return cidr.replace(/\.0\/24$/, `.${next}`);
  }

  // ---------------------------------------------------------------- events

  /** Records a core/v1 Event, folding repeats into a count as the event recorder does. */
  recordEvent(
    involved: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    component: string,
    host?: string,
  ): void {
    const namespace = involved.metadata.namespace ?? "default";
    const now = this.iso();
    const key = `${involved.metadata.uid}|${reason}|${message}`;
    const existing = this.eventsByCause.get(key);
    if (existing && this.store.get("events", namespace, existing.metadata.name) === existing) {
      const event = existing as KubeObject & { count: number; lastTimestamp: string };
      event.count++;
      event.lastTimestamp = now;
      this.store.touch("events", existing);
      return;
    }
    const event = {
      apiVersion: "v1",
      kind: "Event",
      metadata: meta(
        { name: `${involved.metadata.name}.${this.rng.hex(16)}`, namespace, uid: this.uid() },
        this.now(),
      ),
      involvedObject: {
        kind: involved.kind ?? "Unknown",
        ...(involved.metadata.namespace ? { namespace: involved.metadata.namespace } : {}),
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: involved.apiVersion ?? "v1",
        resourceVersion: involved.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component, ...(host ? { host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: host ?? "",
    } as unknown as KubeObject;
    this.store.create("events", event);
    this.eventsByCause.set(key, event);
    this.pruneEvents();
  }

  private pruneEvents(): void {
    // The apiserver keeps events for an hour (--event-ttl); the twin prunes once they pile up.
    if (this.store.count("events") < 20_000) return;
    const cutoff = this.now() - 3600 * MS;
    for (const [key, event] of this.eventsByCause) {
      if (Date.parse((event as unknown as { lastTimestamp: string }).lastTimestamp) >= cutoff) continue;
      this.store.remove("events", event);
      this.eventsByCause.delete(key);
    }
  }

  // ---------------------------------------------------------------- reconcile

  /** Asks the controllers to run once the current change is complete (same turn, before time moves). */
  kick(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    queueMicrotask(() => this.reconcileNow());
  }

  reconcileNow(): void {
    this.reconcileQueued = false;
    for (let pass = 0; pass < 10; pass++) {
      if (!this.ctx.reconcile(this)) break;
    }
  }
}

function qosClass(spec: {
  containers?: Array<{ resources?: { requests?: object; limits?: Record<string, string> } }>;
}): string {
  const containers = spec.containers ?? [];
  const any = containers.some((c) => c.resources?.requests || c.resources?.limits);
  if (!any) return "BestEffort";
  const guaranteed = containers.every((c) => {
    const requests = (c.resources?.requests ?? {}) as Record<string, string>;
    const limits = c.resources?.limits ?? {};
    return limits.cpu && limits.memory && requests.cpu === limits.cpu && requests.memory === limits.memory;
  });
  return guaranteed ? "Guaranteed" : "Burstable";
}
