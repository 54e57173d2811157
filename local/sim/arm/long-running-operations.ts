// Writes answered as ARM long-running operations: the 409 while another operation holds the cluster,
// the Azure-AsyncOperation (and, with 202, Location) URLs in the answer, and the status and result
// endpoints those URLs point at.

import type { SimCluster } from "../model/cluster.ts";
import { ArmError } from "./arm-error.ts";
import { agentPoolResource } from "./arm-resources.ts";
import { noContent, ok, PATTERNS, type Params, type Reply, type Route, same } from "./arm-routes.ts";
import { type ArmOperation, type OperationRequest, Operations } from "./operations.ts";
import type { Json } from "./request-validation.ts";

export class LongRunningOperations {
  readonly operations = new Operations();
  /** The server's origin, known once it listens; the polling URLs start with it. */
  baseUrl = "";
  private readonly retryAfterSeconds: number;
  /** What an operation's result URL returns once it succeeded (the pool, while it exists). */
  private readonly results = new Map<string, () => Json | undefined>();

  constructor(retryAfterSeconds: number) {
    this.retryAfterSeconds = retryAfterSeconds;
  }

  readonly routes: Route[] = [
    { pattern: PATTERNS.operationStatus, method: "GET", handle: (p) => this.status(p) },
    { pattern: PATTERNS.operationResult, method: "GET", handle: (p) => this.result(p) },
  ];

  /** ARM's 409 while another operation holds the cluster; writes check it before they change anything. */
  refuseWhileBusy(cluster: SimCluster): void {
    const conflict = this.operations.conflict(cluster);
    if (conflict) throw new ArmError(409, "OperationNotAllowed", conflict);
  }

  /** Starts the operation; with `pool`, its result URL returns that pool once it succeeded. */
  start(cluster: SimCluster, request: OperationRequest, pool?: string): ArmOperation {
    this.refuseWhileBusy(cluster);
    const operation = this.operations.start(cluster, request);
    if (pool) {
      this.results.set(operation.id, () => {
        const current = cluster.pools.get(pool);
        return current ? agentPoolResource(cluster, current) : undefined;
      });
    }
    return operation;
  }

  /** The answer to the write that started `operation`: a 202 also says where to fetch the result. */
  answer(status: 200 | 201 | 202, body: unknown, operation: ArmOperation): Reply {
    const base = `${this.baseUrl}/subscriptions/${operation.subscriptionId}/providers/Microsoft.ContainerService/locations/${operation.location}`;
    const headers = {
      "Azure-AsyncOperation": `${base}/operations/${operation.id}?api-version=2016-03-30`,
      ...(status === 202
        ? { Location: `${base}/operationresults/${operation.id}?api-version=2016-03-30` }
        : {}),
      ...this.retryAfter(),
    };
    return { status, body, headers };
  }

  private retryAfter(): Record<string, string> {
    return this.retryAfterSeconds > 0 ? { "Retry-After": String(this.retryAfterSeconds) } : {};
  }

  private require(p: Params): ArmOperation {
    const operation = this.operations.get(p.operation as string);
    if (!operation || !same(operation.subscriptionId, p.sub)) {
      throw new ArmError(404, "NotFound", `Operation '${p.operation}' was not found.`);
    }
    return operation;
  }

  private status(p: Params): Reply {
    const operation = this.require(p);
    const iso = (ms: number) => new Date(ms).toISOString();
    return ok(
      {
        name: operation.id,
        status: operation.status,
        startTime: iso(operation.startTime),
        ...(operation.endTime !== undefined ? { endTime: iso(operation.endTime) } : {}),
        ...(operation.error ? { error: operation.error } : {}),
      },
      operation.status === "InProgress" ? this.retryAfter() : {},
    );
  }

  private result(p: Params): Reply {
    const operation = this.require(p);
    if (operation.status === "InProgress") return this.answer(202, undefined, operation);
    if (operation.error) throw new ArmError(400, operation.error.code, operation.error.message);
    const resource = this.results.get(operation.id)?.();
    return resource ? ok(resource) : noContent();
  }
}
