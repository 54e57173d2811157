// The whole simulated estate: subscriptions and their clusters on one timeline, with the faults in
// force and the ledger of what happened. ARM, Resource Graph and each Kubernetes API read this. It is
// where the controllers meet the clusters: it hands them the reconcile pass and applies faults through them.

import type { Clock } from "../../clock.ts";
import type { Scenario } from "../scenario/schema.ts";
import { VM_SIZES } from "../scenario/vm-sizes.ts";
import { SimCluster, type SimContext } from "./cluster.ts";
import { bootstrapCluster } from "./cluster-bootstrap.ts";
import { nodeNotReadyFault, setReadiness } from "./controllers/nodes.ts";
import { completeDueTerminations, reevaluateCrashes } from "./controllers/pods.ts";
import { reconcileOnce } from "./controllers/reconcile.ts";
import { type ActiveFault, FaultRegistry } from "./faults.ts";
import { Ledger } from "./ledger.ts";
import { PresentedCredentials } from "./presented-credentials.ts";
import { Timeline } from "./timeline.ts";

export interface SubscriptionInfo {
  id: string;
  displayName: string;
  /** vCPU limits per VM family, in every region. */
  quota: Readonly<Record<string, number>>;
}

export class Fleet {
  readonly scenario: Scenario;
  readonly timeline: Timeline;
  readonly faults = new FaultRegistry();
  readonly ledger = new Ledger();
  readonly credentials = new PresentedCredentials();
  readonly subscriptions: SubscriptionInfo[];
  readonly clusters: SimCluster[] = [];
  readonly context: SimContext;
  readonly startedAt: number;

  constructor(scenario: Scenario, clock: Clock) {
    this.scenario = scenario;
    this.timeline = new Timeline(clock);
    this.startedAt = clock.now();
    this.context = {
      timeline: this.timeline,
      faults: this.faults,
      ledger: this.ledger,
      credentials: this.credentials,
      timings: scenario.timings,
      vmSizes: { ...VM_SIZES, ...scenario.vmSizes },
      latestNodeImages: scenario.latestNodeImages,
      tenantId: scenario.tenantId,
      reconcile: reconcileOnce,
    };
    this.subscriptions = scenario.subscriptions.map((s) => ({
      id: s.id,
      displayName: s.displayName ?? s.id,
      quota: s.quota,
    }));
    const seed = String(scenario.seed ?? scenario.name);
    // Scenario faults are in force from the first instant: crash loops are already under way.
    for (const fault of scenario.faults) this.faults.add(fault);
    for (const subscription of scenario.subscriptions) {
      for (const spec of subscription.clusters) {
        // A daemonset's crashOnOsSku is such a fault, so the admin API shows it and can clear it.
        for (const ds of spec.workloads.daemonSets) {
          if (!ds.crashOnOsSku?.length) continue;
          this.faults.add({
            kind: "daemonset-crash",
            cluster: spec.name,
            namespace: ds.namespace,
            daemonSet: ds.name,
            osSku: ds.crashOnOsSku,
          });
        }
        const cluster = new SimCluster(spec, subscription.id, this.context, seed);
        bootstrapCluster(cluster);
        this.clusters.push(cluster);
      }
    }
    for (const fault of this.faults.list()) this.applyFault(fault, "added");
    this.faults.onChange((fault, change) => this.applyFault(fault, change));
    this.timeline.onTick(() => {
      for (const cluster of this.clusters) cluster.kick();
    });
  }

  cluster(name: string): SimCluster | undefined {
    return this.clusters.find((c) => c.name === name);
  }

  /** ARM looks clusters up case-insensitively by subscription, resource group and name. */
  findCluster(subscriptionId: string, resourceGroup: string, name: string): SimCluster | undefined {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    return this.clusters.find(
      (c) =>
        same(c.subscriptionId, subscriptionId) && same(c.resourceGroup, resourceGroup) && same(c.name, name),
    );
  }

  subscription(id: string): SubscriptionInfo | undefined {
    return this.subscriptions.find((s) => s.id.toLowerCase() === id.toLowerCase());
  }

  /** Makes a fault's effect visible at once where a real system would show it immediately. */
  private applyFault(fault: ActiveFault, change: "added" | "removed"): void {
    const spec = fault.spec;
    if (!("cluster" in spec)) return;
    const cluster = this.cluster(spec.cluster);
    if (!cluster) return;
    switch (spec.kind) {
      case "daemonset-crash":
        reevaluateCrashes(cluster);
        break;
      case "pod-stuck-terminating":
        if (change === "removed") completeDueTerminations(cluster);
        break;
      case "node-not-ready": {
        const machine = cluster.pools
          .get(spec.pool)
          ?.liveMachines()
          .find((m) => m.ordinal === spec.ordinal);
        const node = machine && cluster.node(machine.name);
        if (!node || !machine) break;
        const stillFaulted = nodeNotReadyFault(cluster, spec.pool, spec.ordinal);
        setReadiness(cluster, node, stillFaulted ? "unreachable" : "ready");
        break;
      }
      default:
        break;
    }
    cluster.kick();
  }

  close(): void {
    this.timeline.close();
  }
}
