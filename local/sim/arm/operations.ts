// ARM long-running operations: each write on a cluster becomes an operation that holds the cluster
// (another write gets 409 OperationNotAllowed), runs in simulated time and ends Succeeded or Failed with
// ARM's {code, message}. Polled through Azure-AsyncOperation and Location URLs.

import { randomUUID } from "node:crypto";
import type { SimCluster } from "../model/cluster.ts";
import type { PoolProvisioningState } from "../model/pool.ts";

export class OperationFailure extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = "OperationFailure";
    this.code = code;
  }
}

export type OperationKind = "create" | "update" | "delete" | "deleteMachines" | "updateCluster";

export interface ArmOperation {
  id: string;
  kind: OperationKind;
  subscriptionId: string;
  location: string;
  status: "InProgress" | "Succeeded" | "Failed" | "Canceled";
  startTime: number;
  endTime?: number;
  error?: { code: string; message: string };
}

export interface OperationRequest {
  kind: OperationKind;
  /** The pool it works on; absent for cluster-level operations. */
  pool?: string;
  /** The provisioning state shown while it runs (pool state, or the cluster's for cluster operations). */
  state: PoolProvisioningState;
  work: () => Promise<void>;
}

const MS = 1000;

export class Operations {
  private readonly byId = new Map<string, ArmOperation>();

  get(id: string): ArmOperation | undefined {
    return this.byId.get(id.toLowerCase());
  }

  /** The 409 body ARM returns while another operation holds the cluster, or undefined when free. */
  conflict(cluster: SimCluster): string | undefined {
    const lock = cluster.lock;
    if (!lock) return undefined;
    const what = lock.pool
      ? `Another agentpool operation (${lock.pool} - ${lock.state})`
      : `Another operation (${lock.state})`;
    return `Operation is not allowed: ${what} is in progress, please wait for it to finish before starting a new operation. See https://aka.ms/aks-pending-operation for more details`;
  }

  start(cluster: SimCluster, request: OperationRequest): ArmOperation {
    const timeline = cluster.timeline;
    const failure = cluster.ctx.faults.take(
      "arm-operation-fails",
      (f) =>
        f.cluster === cluster.name &&
        (f.pool === undefined || f.pool === request.pool) &&
        (f.operation === "any" || f.operation === request.kind),
    );
    const operation: ArmOperation = {
      id: randomUUID(),
      kind: request.kind,
      subscriptionId: cluster.subscriptionId,
      location: cluster.location,
      status: "InProgress",
      startTime: timeline.now(),
    };
    this.byId.set(operation.id, operation);
    cluster.lock = { ...(request.pool ? { pool: request.pool } : {}), state: request.state };
    const pool = request.pool ? cluster.pools.get(request.pool) : undefined;
    if (pool) pool.provisioningState = request.state;
    else cluster.clusterProvisioningState = request.state;
    const run = async () => {
      if (failure) {
        // The operation gets as far as provisioning, then the platform reports the fault.
        await timeline.sleep(cluster.ctx.timings.vmProvisionSeconds * MS);
        throw new OperationFailure(failure.code, failure.message);
      }
      await request.work();
    };
    void run().then(
      () => this.finish(cluster, request, operation),
      (error: unknown) => this.finish(cluster, request, operation, error),
    );
    return operation;
  }

  private finish(
    cluster: SimCluster,
    request: OperationRequest,
    operation: ArmOperation,
    error?: unknown,
  ): void {
    operation.endTime = cluster.timeline.now();
    if (error === undefined) operation.status = "Succeeded";
    else {
      operation.status = "Failed";
      operation.error =
        error instanceof OperationFailure
          ? { code: error.code, message: error.message }
          : { code: "InternalOperationError", message: `The operation failed: ${String(error)}` };
    }
    cluster.lock = undefined;
    const pool = request.pool ? cluster.pools.get(request.pool) : undefined;
    const state = operation.status === "Succeeded" ? "Succeeded" : "Failed";
    if (pool) pool.provisioningState = state;
    else if (!request.pool) cluster.clusterProvisioningState = state;
    cluster.kick();
  }
}
