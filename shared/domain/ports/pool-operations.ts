// Agent pools through ARM: read, create, update, delete, each a long-running operation that the workflow
// polls on durable timers (an activity never blocks on one). Adapter: shared/azure/agent-pools.ts.

import type { Cluster, NodePool } from "../fleet/model.ts";
import type { PoolSpec, VcpuQuota } from "../migration/migration-plan.ts";

/**
 * accepted: ARM took the request; `operation` is an opaque, JSON-safe token (the operation's status URL
 * and what polling it needs), kept in history so a restarted workflow resumes polling it.
 * busy: 409 OperationNotAllowed (another operation runs on the cluster or pool): wait and read again.
 * gone: a delete found nothing to delete.
 */
export type PoolRequestOutcome =
  | { kind: "accepted"; operation: string }
  | { kind: "busy"; retryAfterSeconds: number; reason: string }
  | { kind: "gone" };

export type OperationStatus =
  | { status: "running"; retryAfterSeconds: number }
  | { status: "succeeded" }
  /** error: ARM's message; code: ARM's error code, when ARM gave one. */
  | { status: "failed"; error: string; code?: string };

/**
 * ARM refused the request itself (a 4xx other than busy: a bad spec, a missing cluster, no permission):
 * asking again changes nothing, so it is not retried. Anything else an adapter throws is transient.
 */
export class PoolRequestRefused extends Error {
  override name = "PoolRequestRefused";
  readonly status: number;
  /** ARM's error code (InvalidParameter, PropertyChangeNotAllowed, AuthorizationFailed, ...). */
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** What may change on an existing pool. */
export interface PoolChanges {
  osSku?: string;
  enableAutoScaling?: boolean;
  /** null clears the bound (with the autoscaler off). */
  minCount?: number | null;
  maxCount?: number | null;
  count?: number;
}

export type PoolRequest =
  | { kind: "create"; spec: PoolSpec }
  | { kind: "update"; pool: string; changes: PoolChanges }
  | { kind: "delete"; pool: string }
  /** AKS deleteMachines: the named machines (their nodes) go and the pool's count drops by as many. */
  | { kind: "delete-machines"; pool: string; machines: string[] };

export interface CapacityFacts {
  /** Undefined when ARM does not tell. */
  quota?: VcpuQuota;
  vcpusPerNode?: number;
}

/** Every method throws PoolRequestRefused for what ARM refuses, anything else for what may pass. */
export interface PoolOperations {
  /** The cluster with its pools as ARM reports them now; throws when it does not exist. */
  readCluster(clusterId: string): Promise<Cluster>;
  /** Undefined when ARM answers 404. */
  readPool(clusterId: string, pool: string): Promise<NodePool | undefined>;
  capacity(clusterId: string, location: string, vmSize: string): Promise<CapacityFacts>;
  createPool(clusterId: string, spec: PoolSpec): Promise<PoolRequestOutcome>;
  /** Reads the pool and PUTs it back with the changes (ARM has no PATCH for agent pools). */
  updatePool(clusterId: string, pool: string, changes: PoolChanges): Promise<PoolRequestOutcome>;
  deletePool(clusterId: string, pool: string): Promise<PoolRequestOutcome>;
  /** The names of the pool's machines, as deleteMachines takes them. */
  machines(clusterId: string, pool: string): Promise<string[]>;
  /** Deletes the named machines of the pool. */
  deleteMachines(clusterId: string, pool: string, machines: string[]): Promise<PoolRequestOutcome>;
  /** One poll of an accepted operation, never waiting; any instance of the adapter can take the token. */
  pollOperation(operation: string): Promise<OperationStatus>;
}
