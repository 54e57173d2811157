// The PoolOperations port over ARM with the real ContainerServiceClient. Writes start a long-running
// operation and return at once with the SDK poller's serialized state; pollOperation restores a poller
// from it (in any process, with any instance of this adapter) and polls once. The cluster and its pools
// are read with ARM GETs and mapped by the managedClusters format. Capacity comes from Microsoft.Compute
// (usages and resource SKUs), which this client has no operations for: those GETs go through its own
// pipeline, so credential, TLS and retries are the same.

import { AsyncLocalStorage } from "node:async_hooks";
import { type AgentPool, type ContainerServiceClient, restorePoller } from "@azure/arm-containerservice";
import {
  createDefaultHttpClient,
  createPipelineRequest,
  isRestError,
  type PipelinePolicy,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import { type Cluster, MANAGED_CLUSTER_ID, type NodePool } from "../domain/fleet/model.ts";
import type { PoolSpec } from "../domain/migration/migration-plan.ts";
import {
  type CapacityFacts,
  type OperationStatus,
  type PoolChanges,
  type PoolOperations,
  type PoolRequestOutcome,
  PoolRequestRefused,
} from "../domain/ports/pool-operations.ts";
import { readAgentPoolResource, readClusterResource } from "../formats/managed-cluster.ts";
import { parseRetryAfter } from "../retry-policy.ts";

/** Polled again after this long when ARM's answer has no Retry-After. */
export const DEFAULT_RETRY_AFTER_SECONDS = 15;

const USAGES_API_VERSION = "2024-07-01";
const SKUS_API_VERSION = "2021-07-01";

export interface ArmPoolOperationsOptions {
  /** The subscription's client (AzureClients.containerService). */
  arm: (subscriptionId: string) => ContainerServiceClient;
  /** ARM's endpoint, where the Microsoft.Compute reads go. */
  endpoint: string;
  defaultRetryAfterSeconds?: number;
}

/** What a write needs of the poller the client returns (awaiting one would poll until done: never done here). */
interface Submitted {
  submitted(): Promise<void>;
  serialize(): Promise<string>;
}
type OnResponse = (response: { status: number; parsedBody?: unknown }) => void;

/**
 * The responses one poll received, collected by a policy on the client's pipeline (observePolls): the
 * restored poller keeps neither ARM's Retry-After nor a failed operation's error code.
 */
const pollResponses = new AsyncLocalStorage<PipelineResponse[]>();
const OBSERVE_POLICY = "agent-pools-observe-poll";
const observePoll: PipelinePolicy = {
  name: OBSERVE_POLICY,
  async sendRequest(request, next) {
    const response = await next(request);
    pollResponses.getStore()?.push(response);
    return response;
  },
};

interface ClusterTarget {
  client: ContainerServiceClient;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export class ArmPoolOperations implements PoolOperations {
  private readonly arm: (subscriptionId: string) => ContainerServiceClient;
  private readonly endpoint: string;
  private readonly defaultRetryAfterSeconds: number;
  /** Sends the Microsoft.Compute reads through the clients' pipelines. */
  private readonly http = createDefaultHttpClient();

  constructor(options: ArmPoolOperationsOptions) {
    this.arm = options.arm;
    this.endpoint = options.endpoint.replace(/\/+$/, "");
    this.defaultRetryAfterSeconds = options.defaultRetryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS;
  }

  async readCluster(clusterId: string): Promise<Cluster> {
    const { client, resourceGroup, name } = this.target(clusterId);
    const body = await refusals(() =>
      wireBody((onResponse) => client.managedClusters.get(resourceGroup, name, { onResponse })),
    );
    const read = readClusterResource(body);
    if (!read.ok)
      throw new Error(`ARM's answer for ${clusterId} is not a managed cluster: ${read.problems.join("; ")}`);
    return read.cluster;
  }

  async readPool(clusterId: string, pool: string): Promise<NodePool | undefined> {
    const { client, resourceGroup, name } = this.target(clusterId);
    let body: unknown;
    try {
      body = await wireBody((onResponse) => client.agentPools.get(resourceGroup, name, pool, { onResponse }));
    } catch (error) {
      if (isRestError(error) && error.statusCode === 404) return undefined;
      throw refusal(error);
    }
    const read = readAgentPoolResource(body);
    if (!read.ok)
      throw new Error(
        `ARM's answer for pool ${pool} of ${clusterId} is not an agent pool: ${read.problems.join("; ")}`,
      );
    return read.pool;
  }

  createPool(clusterId: string, spec: PoolSpec): Promise<PoolRequestOutcome> {
    const { client, resourceGroup, name } = this.target(clusterId);
    return this.submit((onResponse) =>
      client.agentPools.createOrUpdate(resourceGroup, name, spec.name, agentPoolOf(spec), { onResponse }),
    );
  }

  async updatePool(clusterId: string, pool: string, changes: PoolChanges): Promise<PoolRequestOutcome> {
    const { client, resourceGroup, name } = this.target(clusterId);
    const current = await refusals(() => client.agentPools.get(resourceGroup, name, pool));
    return this.submit((onResponse) =>
      client.agentPools.createOrUpdate(resourceGroup, name, pool, withChanges(current, changes), {
        onResponse,
      }),
    );
  }

  deletePool(clusterId: string, pool: string): Promise<PoolRequestOutcome> {
    const { client, resourceGroup, name } = this.target(clusterId);
    return this.submit(
      (onResponse) => client.agentPools.delete(resourceGroup, name, pool, { onResponse }),
      "gone",
    );
  }

  machines(clusterId: string, pool: string): Promise<string[]> {
    const { client, resourceGroup, name } = this.target(clusterId);
    return refusals(async () => {
      const names: string[] = [];
      for await (const machine of client.machines.list(resourceGroup, name, pool))
        if (machine.name) names.push(machine.name);
      return names;
    });
  }

  deleteMachines(clusterId: string, pool: string, machineNames: string[]): Promise<PoolRequestOutcome> {
    const { client, resourceGroup, name } = this.target(clusterId);
    return this.submit((onResponse) =>
      client.agentPools.deleteMachines(resourceGroup, name, pool, { machineNames }, { onResponse }),
    );
  }

  async pollOperation(operation: string): Promise<OperationStatus> {
    const client = this.arm(subscriptionOfOperation(operation));
    observePolls(client);
    // The token's URL and method choose how the result is read; the operation named here only labels errors.
    const poller = restorePoller(client, operation, client.agentPools.createOrUpdate);
    const responses: PipelineResponse[] = [];
    try {
      await pollResponses.run(responses, () => poller.poll());
    } catch (error) {
      if (isRestError(error)) throw refusal(error);
      const failure = operationFailure(responses.at(-1));
      if (failure) return failure;
      throw error;
    }
    if (poller.operationState?.status === "succeeded") return { status: "succeeded" };
    return { status: "running", retryAfterSeconds: this.retryAfterSeconds(responses.at(-1)) };
  }

  async capacity(clusterId: string, location: string, vmSize: string): Promise<CapacityFacts> {
    const { client, subscriptionId } = this.target(clusterId);
    const base = `${this.endpoint}/subscriptions/${subscriptionId}/providers/Microsoft.Compute`;
    const filter = encodeURIComponent(`location eq '${location}'`);
    const skus = await this.listCompute<ResourceSku>(
      client,
      `${base}/skus?api-version=${SKUS_API_VERSION}&$filter=${filter}`,
    );
    const sku = skus?.find((s) => s.resourceType === "virtualMachines" && sameName(s.name, vmSize));
    const vcpus = Number(sku?.capabilities?.find((c) => c.name === "vCPUs")?.value);
    const facts: CapacityFacts = Number.isInteger(vcpus) && vcpus > 0 ? { vcpusPerNode: vcpus } : {};
    if (!sku?.family) return facts;
    const usages = await this.listCompute<Usage>(
      client,
      `${base}/locations/${encodeURIComponent(location)}/usages?api-version=${USAGES_API_VERSION}`,
    );
    const usage = usages?.find((u) => sameName(u.name?.value, sku.family));
    if (usage?.limit === undefined || usage.currentValue === undefined) return facts;
    return {
      ...facts,
      quota: { family: sku.family as string, limit: usage.limit, used: usage.currentValue },
    };
  }

  /** Every item of a Microsoft.Compute list, following nextLink; undefined when ARM will not tell (403, 404). */
  private async listCompute<T>(client: ContainerServiceClient, url: string): Promise<T[] | undefined> {
    const items: T[] = [];
    let next: string | undefined = url;
    while (next) {
      const response = await client.pipeline.sendRequest(
        this.http,
        createPipelineRequest({ url: next, method: "GET" }),
      );
      if (response.status === 403 || response.status === 404) return undefined;
      const body = response.bodyAsText ? JSON.parse(response.bodyAsText) : {};
      if (response.status >= 400) {
        const error = body.error ?? {};
        throw new Error(
          `ARM answered ${response.status} ${error.code ?? ""} for ${new URL(next).pathname}: ${error.message ?? response.bodyAsText}`,
        );
      }
      items.push(...((body.value ?? []) as T[]));
      next = body.nextLink;
    }
    return items;
  }

  /**
   * Sends a write and returns once ARM took it: the operation's token, or busy on a 409. A delete that
   * finds nothing (ARM's 204, or a 404) is gone. Other refusals throw PoolRequestRefused.
   */
  private async submit(
    start: (onResponse: OnResponse) => Submitted,
    missing: "gone" | "refused" = "refused",
  ): Promise<PoolRequestOutcome> {
    let initialStatus: number | undefined;
    const poller = start((response) => {
      initialStatus ??= response.status;
    });
    try {
      await poller.submitted();
    } catch (error) {
      if (!isRestError(error)) throw error;
      if (error.statusCode === 404 && missing === "gone") return { kind: "gone" };
      if (isBusy(error)) {
        return {
          kind: "busy",
          retryAfterSeconds: this.retryAfterSeconds(error.response),
          reason: error.message,
        };
      }
      throw refusal(error);
    }
    if (initialStatus === 204 && missing === "gone") return { kind: "gone" };
    return { kind: "accepted", operation: await poller.serialize() };
  }

  /** ARM's Retry-After, else the default. */
  private retryAfterSeconds(response: PipelineResponse | undefined): number {
    const ms = parseRetryAfter(response?.headers.get("retry-after") ?? null);
    return ms === undefined ? this.defaultRetryAfterSeconds : Math.ceil(ms / 1000);
  }

  private target(clusterId: string): ClusterTarget {
    const match = MANAGED_CLUSTER_ID.exec(clusterId);
    if (!match) throw new Error(`'${clusterId}' is not a managedClusters resource id`);
    const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
    return { client: this.arm(subscriptionId), subscriptionId, resourceGroup, name };
  }
}

/** The JSON ARM sent, before the SDK's deserialization: the managedClusters format reads the wire shape. */
async function wireBody(get: (onResponse: OnResponse) => Promise<unknown>): Promise<unknown> {
  let body: unknown;
  await get((response) => {
    body = response.parsedBody;
  });
  return body;
}

async function refusals<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw refusal(error);
  }
}

/** ARM's 4xx as PoolRequestRefused (not worth asking again); throttling, 5xx and the rest unchanged. */
function refusal(error: unknown): unknown {
  if (!isRestError(error) || error.statusCode === undefined) return error;
  const status = error.statusCode;
  if (status < 400 || status >= 500 || status === 408 || status === 429) return error;
  return new PoolRequestRefused(status, error.code ?? "", error.message);
}

/** ARM's 409 while another operation runs on the cluster or pool. */
function isBusy(error: { statusCode?: number; code?: string; message: string }): boolean {
  return (
    error.statusCode === 409 &&
    (error.code === "OperationNotAllowed" || /another .*operation.* in progress/i.test(error.message))
  );
}

/** The operation's end as its status URL told it (Failed or Canceled, with ARM's error). */
function operationFailure(last: PipelineResponse | undefined): OperationStatus | undefined {
  if (!last?.bodyAsText || last.status >= 300) return undefined;
  const body = JSON.parse(last.bodyAsText) as {
    status?: string;
    error?: { code?: string; message?: string };
  };
  if (!body.status || !/fail|cancel/i.test(body.status)) return undefined;
  return {
    status: "failed",
    error: body.error?.message ?? `The operation ended ${body.status}.`,
    ...(body.error?.code && { code: body.error.code }),
  };
}

/** The subscription an operation token's request went to (the token is the SDK's serialized poller). */
function subscriptionOfOperation(operation: string): string {
  let url: unknown;
  try {
    url = JSON.parse(operation)?.state?.config?.initialRequestUrl;
  } catch {
    url = undefined;
  }
  const subscriptionId = typeof url === "string" ? /\/subscriptions\/([^/?]+)/i.exec(url)?.[1] : undefined;
  if (!subscriptionId) throw new Error("not an agent pool operation token");
  return subscriptionId;
}

/** Adds the policy that lets pollOperation see the responses of its poll, once per client. */
function observePolls(client: ContainerServiceClient): void {
  if (!client.pipeline.getOrderedPolicies().some((policy) => policy.name === OBSERVE_POLICY)) {
    client.pipeline.addPolicy(observePoll);
  }
}

function agentPoolOf(spec: PoolSpec): AgentPool {
  return {
    type: "VirtualMachineScaleSets",
    mode: spec.mode,
    osType: spec.osType,
    osSKU: spec.osSku,
    vmSize: spec.vmSize,
    count: spec.count,
    orchestratorVersion: spec.orchestratorVersion,
    ...(spec.availabilityZones.length > 0 && { availabilityZones: spec.availabilityZones }),
    nodeLabels: spec.nodeLabels,
    nodeTaints: spec.nodeTaints,
    ...(spec.maxPods !== undefined && { maxPods: spec.maxPods }),
    ...(spec.vnetSubnetId !== undefined && { vnetSubnetID: spec.vnetSubnetId }),
    enableAutoScaling: spec.enableAutoScaling,
    ...(spec.enableAutoScaling && { minCount: spec.minCount, maxCount: spec.maxCount }),
    ...(spec.tags !== undefined && { tags: spec.tags }),
  };
}

/** The pool as read (its tags too, which a PUT without them would clear), with the changes on it. */
function withChanges(current: AgentPool, changes: PoolChanges): AgentPool {
  const { osSku, ...scaling } = changes;
  return {
    ...current,
    ...(osSku !== undefined && { osSKU: osSku }),
    // A null bound goes on the wire as null, which clears it; the SDK's model has no null.
    ...(scaling as Pick<AgentPool, "enableAutoScaling" | "minCount" | "maxCount" | "count">),
  };
}

interface ResourceSku {
  resourceType?: string;
  name?: string;
  family?: string;
  capabilities?: { name?: string; value?: string }[];
}

interface Usage {
  name?: { value?: string };
  limit?: number;
  currentValue?: number;
}

/** Azure names compare without regard to case. */
function sameName(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
