// The seed's rollback signals ("How Do You Know When to Roll Back?"): a node NotReady, more than N
// restarts per node per hour, pods Pending longer than N minutes, daemonset pods failing. A signal that
// clears within its grace lets the drain go on; one that persists past `persistSeconds` halts it.

/** One look at the cluster (the observe-health activity). */
export interface HealthObservation {
  at: string;
  notReadyNodes: string[];
  /** Total container restarts of the pods on each node now. */
  restartsByNode: Record<string, number>;
  /** Pending pods and since when they are pending. */
  pendingPods: { pod: string; since: string }[];
  /** Daemonset pods not running or crash-looping on the watched nodes. */
  failingDaemonSetPods: string[];
}
