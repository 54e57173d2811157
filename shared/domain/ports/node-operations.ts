// A cluster's nodes and pods through the Kubernetes API, as a pool migration acts on them: taints,
// evictions (never a delete unless a person chose it), scaling, and the signals the health gates read.
// Adapter: shared/kube/node-operations.ts.

import type { WorkloadRef } from "../risk/migration-risk.ts";
import type {
  KubeDaemonSet,
  KubeNode,
  KubePod,
  KubePodDisruptionBudget,
  KubeTaint,
} from "../workloads/cluster-facts.ts";

/** A pod by name and the uid it had when the drain saw it: the same name with another uid is a new pod. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

/** A pod's controlling owner, as its ownerReferences name it. */
export interface PodController {
  kind: string;
  name: string;
}

/**
 * evicted: the API admitted the eviction (201). gone: 404, or the name now has another uid.
 * blocked: 429, a budget allows no disruption now (retry after the hint, never delete).
 * throttled: 429 naming no budget (API priority and fairness): the API server asks to come back later.
 * refused: 500 (several budgets match) or 403 (forbidden): a person must look at it.
 */
export type EvictionOutcome =
  | { kind: "evicted" }
  | { kind: "gone" }
  | { kind: "blocked"; retryAfterSeconds: number; reason: string }
  | { kind: "throttled"; retryAfterSeconds: number }
  | { kind: "refused"; status: number; reason: string };

export interface NodeOperations {
  /** Nodes of one pool (agentpool label), or every node. */
  nodes(clusterId: string, pool?: string): Promise<KubeNode[]>;
  /** Adds or removes a taint; "unchanged" when the node already was that way, or is gone. */
  setTaint(
    clusterId: string,
    node: string,
    taint: KubeTaint,
    present: boolean,
  ): Promise<"changed" | "unchanged">;
  /** Pods bound to these nodes (every pod when `nodes` is undefined). */
  pods(clusterId: string, nodes?: readonly string[]): Promise<KubePod[]>;
  disruptionBudgets(clusterId: string): Promise<KubePodDisruptionBudget[]>;
  daemonSets(clusterId: string): Promise<KubeDaemonSet[]>;
  /** The pod as it is now; undefined when it is gone or the name has another uid. */
  pod(clusterId: string, pod: PodRef): Promise<KubePod | undefined>;
  evict(clusterId: string, pod: PodRef, gracePeriodSeconds?: number): Promise<EvictionOutcome>;
  /** Only after a person chose it for this pod. */
  deletePod(clusterId: string, pod: PodRef, gracePeriodSeconds?: number): Promise<"deleted" | "gone">;
  /**
   * The workload a pod's controller belongs to (a ReplicaSet's Deployment, else the ReplicaSet; a
   * StatefulSet; another controller, by the pods it controls), named as a person would, with its desired
   * and ready replicas; undefined for a Job's, a DaemonSet's or a static pod, or when it is gone.
   */
  controllerReplicas(
    clusterId: string,
    namespace: string,
    controller: PodController,
  ): Promise<{ workload: string; desired: number; ready: number } | undefined>;
  /** Desired and ready replicas of a deployment or statefulset. */
  replicas(clusterId: string, workload: WorkloadRef): Promise<{ desired: number; ready: number } | undefined>;
  scale(clusterId: string, workload: WorkloadRef, replicas: number): Promise<void>;
  /** Runs a pod pinned to `node` that exits 0 when the node can run containers; its phase when asked. */
  runSmokePod(clusterId: string, node: string, name: string): Promise<void>;
  smokePodPhase(clusterId: string, name: string): Promise<string | undefined>;
  deleteSmokePod(clusterId: string, name: string): Promise<void>;
}
