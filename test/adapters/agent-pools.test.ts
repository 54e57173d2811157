// The agent pools adapter through the real ContainerServiceClient against the simulator over HTTPS, on a
// paused virtual clock that each poll moves by ARM's Retry-After: create, update and delete as
// long-running operations polled one step at a time (by another adapter instance too), 409 while another
// operation runs, an operation that fails, ARM's refusals, reads mapped to the domain, and the capacity
// Microsoft.Compute tells (usages and resource SKUs, a 403 included).

import { dirname } from "node:path";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { loadScenarioFile } from "../../local/sim/scenario/load.ts";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { ArmPoolOperations, DEFAULT_RETRY_AFTER_SECONDS } from "../../shared/azure/agent-pools.ts";
import { azureClientsFor } from "../../shared/azure/arm-client-factory.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import { MIGRATION_TAG, type PoolSpec } from "../../shared/domain/migration/migration-plan.ts";
import {
  type OperationStatus,
  type PoolOperations,
  PoolRequestRefused,
} from "../../shared/domain/ports/pool-operations.ts";
import { KubeconfigDirectory } from "../../shared/kube/kube-connection.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS } from "../../shared/kube/kube-requests.ts";
import { KubeNodeOperations } from "../../shared/kube/node-operations.ts";
import { requestPoolChange } from "../../shared/migration/pool-changes.ts";
import { useSqliteFiles } from "../support/state-stores.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const PROD = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";
const NONPROD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const clusterId = (subscription: string, group: string, name: string) =>
  `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;
const WEU = clusterId(PROD, "rg-prod-weu", "aks-prod-weu");
const DEV = clusterId(NONPROD, "rg-dev", "aks-dev-weu");
const NEU = clusterId(NONPROD, "rg-test", "aks-test-neu");
/** The Retry-After the scenario's ARM puts on running operations. */
const ARM_RETRY_AFTER = 30;
const SUBNET =
  "/subscriptions/3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-weu/subnets/aks-apps";

const SPEC: PoolSpec = {
  name: "appsazl3",
  mode: "User",
  osType: "Linux",
  osSku: "AzureLinux3",
  vmSize: "Standard_D8ds_v5",
  count: 2,
  orchestratorVersion: "1.31.8",
  availabilityZones: ["1", "2"],
  nodeLabels: { team: "shop" },
  nodeTaints: ["dedicated=shop:NoSchedule"],
  maxPods: 50,
  vnetSubnetId: SUBNET,
  enableAutoScaling: true,
  minCount: 2,
  maxCount: 5,
  tags: { [MIGRATION_TAG]: "migration:aks-prod-weu:apps:1", costCenter: "shop" },
};

const sqlite = useSqliteFiles();
let sim: Simulator;
let clock: VirtualClock;

/** A new adapter on new clients, as a restarted process would make. */
function freshAdapter(): PoolOperations {
  const azure = azureClientsFor({
    armEndpoint: sim.endpoints.arm,
    armCaFile: sim.caPath,
    credential: { kind: "local-token", token: "agent-pools-test" },
  });
  return new ArmPoolOperations({
    arm: (subscriptionId) => azure.containerService(subscriptionId),
    endpoint: sim.endpoints.arm,
  });
}

/** The clusters' nodes as the migration reads them, through the simulator's kubeconfigs. */
function nodes(): KubeNodeOperations {
  const kubeconfigs = new KubeconfigDirectory(dirname(sim.kubeconfigPath("aks-dev-weu")));
  return new KubeNodeOperations(kubeconfigs, { ...DEFAULT_KUBE_REQUEST_OPTIONS, clock });
}

/** A delete of drained machines as the migration asks for it (requestPoolChange), audited in a new store. */
function deleteMachines(migrationId: string, pool: string, machines: string[]) {
  const { audit } = sqliteRepositories(sqlite.open(sqlite.newFile()));
  const outcome = requestPoolChange(
    { pools: freshAdapter(), nodes: nodes(), audit, clock },
    {
      migrationId,
      step: "shrink-old-pool:0:0",
      actor: "pool-migration",
      reason: "drained",
      clusterId: DEV,
      request: { kind: "delete-machines", pool, machines },
    },
  );
  return { audit, outcome };
}

/** Polls as the workflow does: wait what the poll said, poll again, until the operation ends. */
async function pollToEnd(
  pools: PoolOperations,
  operation: string,
): Promise<{ end: OperationStatus; polls: OperationStatus[] }> {
  const polls: OperationStatus[] = [];
  for (let i = 0; i < 200; i++) {
    const status = await pools.pollOperation(operation);
    polls.push(status);
    if (status.status !== "running") return { end: status, polls };
    await clock.advanceBy(status.retryAfterSeconds * 1000);
  }
  throw new Error(`still running after ${polls.length} polls`);
}

function accepted(outcome: Awaited<ReturnType<PoolOperations["createPool"]>>): string {
  if (outcome.kind !== "accepted") throw new Error(`expected accepted, got ${JSON.stringify(outcome)}`);
  return outcome.operation;
}

async function nodesOf(cluster: string, pool: string): Promise<k8s.V1Node[]> {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath(cluster));
  const list = await kc.makeApiClient(k8s.CoreV1Api).listNode({ labelSelector: `agentpool=${pool}` });
  return list.items;
}

const ready = (node: k8s.V1Node) => node.status?.conditions?.find((c) => c.type === "Ready")?.status;
const osSkuOf = (node: k8s.V1Node) => node.metadata?.labels?.["kubernetes.azure.com/os-sku-effective"];

beforeAll(async () => {
  const scenario = loadScenarioFile(DEMO);
  scenario.arm.asyncRetryAfterSeconds = ARM_RETRY_AFTER;
  const prod = scenario.subscriptions.find((s) => s.id === PROD);
  if (prod) prod.quota = { standardDDSv5Family: 100 };
  sim = await startSimulator({ scenario, clock: "virtual", serviceBus: false });
  clock = sim.clock as VirtualClock;
  // Time moves only when a poll's wait moves it.
  clock.pause();
});

afterAll(() => sim?.close());

describe("capacity, where Microsoft.Compute tells", () => {
  it("gives the VM size's vCPUs and its family's quota in the region: the scenario's limit, used by the region's pools", async () => {
    const facts = await freshAdapter().capacity(WEU, "westeurope", "Standard_D8ds_v5");
    // system: 3 x D4ds_v5, apps: 6 x D8ds_v5, both of the DDSv5 family.
    expect(facts).toEqual({
      vcpusPerNode: 8,
      quota: { family: "standardDDSv5Family", limit: 100, used: 60 },
    });
  });

  it("gives the default limit where the subscription names none", async () => {
    const facts = await freshAdapter().capacity(DEV, "westeurope", "Standard_D4s_v5");
    // system: 2 x D2s_v5, ubuntu: 3 x D4s_v5.
    expect(facts).toEqual({ vcpusPerNode: 4, quota: { family: "standardDSv5Family", limit: 350, used: 16 } });
  });

  it("leaves the quota out when usages answer 403, and everything out for a size ARM does not offer", async () => {
    sim.fleet.faults.add({ kind: "arm-error", status: 403, pathContains: "/usages", times: 1 });
    const pools = freshAdapter();
    expect(await pools.capacity(WEU, "westeurope", "Standard_D8ds_v5")).toEqual({ vcpusPerNode: 8 });
    expect(await pools.capacity(WEU, "westeurope", "Standard_Z99s_v9")).toEqual({});
  });
});

describe("agent pool operations", () => {
  it("creates a pool from the spec: accepted at once, polled on ARM's Retry-After to success, its nodes Ready", async () => {
    const pools = freshAdapter();
    const operation = accepted(await pools.createPool(WEU, SPEC));
    expect(JSON.parse(operation)).toMatchObject({ state: { status: "running" } });
    expect((await pools.readPool(WEU, SPEC.name))?.provisioningState).toBe("Creating");

    const { end, polls } = await pollToEnd(pools, operation);
    expect(end).toEqual({ status: "succeeded" });
    expect(polls[0]).toEqual({ status: "running", retryAfterSeconds: ARM_RETRY_AFTER });
    expect(polls.length).toBeGreaterThan(1);

    // The pool as ARM reports it is the spec: every field carried over (the model and the spec share names).
    expect(await pools.readPool(WEU, SPEC.name)).toMatchObject({ ...SPEC, provisioningState: "Succeeded" });
    const nodes = await nodesOf("aks-prod-weu", SPEC.name);
    expect(nodes.map(ready)).toEqual(["True", "True"]);
    expect(nodes.map(osSkuOf)).toEqual(["AzureLinux3", "AzureLinux3"]);
    expect(nodes[0]?.metadata?.labels?.team).toBe("shop");

    const cluster = await pools.readCluster(WEU);
    expect(cluster).toMatchObject({
      name: "aks-prod-weu",
      location: "westeurope",
      kubernetesVersion: "1.31.8",
    });
    expect(cluster.nodePools.map((p) => p.name)).toEqual(["system", "apps", "win", SPEC.name]);
    expect(cluster.nodePools.find((p) => p.name === SPEC.name)?.vnetSubnetId).toBe(SUBNET);
  });

  it("resumes polling from the token in another adapter instance, as a workflow restarted elsewhere does", async () => {
    const operation = accepted(
      await freshAdapter().createPool(WEU, { ...SPEC, name: "resumed", nodeLabels: {} }),
    );
    const elsewhere = freshAdapter();
    const { end } = await pollToEnd(elsewhere, operation);
    expect(end).toEqual({ status: "succeeded" });
    expect((await elsewhere.readPool(WEU, "resumed"))?.provisioningState).toBe("Succeeded");
    // The token stays valid once the operation ended: polling it again says the same.
    expect(await freshAdapter().pollOperation(operation)).toEqual({ status: "succeeded" });
  });

  it("answers busy while another operation holds the cluster, and accepts once it ended", async () => {
    const pools = freshAdapter();
    const first = accepted(await pools.createPool(WEU, { ...SPEC, name: "first" }));
    const busy = await pools.createPool(WEU, { ...SPEC, name: "second" });
    expect(busy).toEqual({
      kind: "busy",
      retryAfterSeconds: DEFAULT_RETRY_AFTER_SECONDS,
      reason: expect.stringContaining("Another agentpool operation (first - Creating) is in progress"),
    });
    expect(await pools.readPool(WEU, "second")).toBeUndefined();
    expect((await pollToEnd(pools, first)).end).toEqual({ status: "succeeded" });
    const second = accepted(await pools.createPool(WEU, { ...SPEC, name: "second" }));
    expect((await pollToEnd(pools, second)).end).toEqual({ status: "succeeded" });
  });

  it("reports an operation ARM fails with ARM's code and message, the pool left Failed", async () => {
    sim.fleet.faults.add({
      kind: "arm-operation-fails",
      cluster: "aks-prod-weu",
      pool: "broken",
      operation: "create",
      code: "AllocationFailed",
      message:
        "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.",
    });
    const pools = freshAdapter();
    const operation = accepted(await pools.createPool(WEU, { ...SPEC, name: "broken" }));
    const { end } = await pollToEnd(pools, operation);
    expect(end).toEqual({
      status: "failed",
      code: "AllocationFailed",
      error:
        "Allocation failed. We do not have sufficient capacity for the requested VM size in this region.",
    });
    expect((await pools.readPool(WEU, "broken"))?.provisioningState).toBe("Failed");
  });

  it("refuses what ARM refuses with its code and message, and sends nothing for it", async () => {
    const pools = freshAdapter();
    const refused = await pools
      .createPool(WEU, { ...SPEC, name: "badsize", vmSize: "Standard_Z99s_v9" })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(PoolRequestRefused);
    expect(refused).toMatchObject({ status: 400, code: "InvalidParameter" });
    expect(refused.message).toContain("The VM size of Standard_Z99s_v9 is not allowed");
    expect(await pools.readPool(WEU, "badsize")).toBeUndefined();
    await expect(pools.readCluster(clusterId(PROD, "rg-prod-weu", "aks-nowhere"))).rejects.toMatchObject({
      name: "PoolRequestRefused",
      status: 404,
      code: "ResourceNotFound",
    });
  });

  it("leaves throttling to the SDK's retries, and throws it (not a refusal) when it lasts", async () => {
    const pools = freshAdapter();
    const throttle = {
      kind: "arm-error",
      status: 429,
      retryAfterSeconds: 0,
      method: "GET",
      pathContains: "/agentPools/system",
    } as const;
    sim.fleet.faults.add({ ...throttle, times: 1 });
    expect((await pools.readPool(WEU, "system"))?.name).toBe("system");
    const fault = sim.fleet.faults.add(throttle);
    const lasting = await pools.readPool(WEU, "system").catch((e) => e);
    sim.fleet.faults.remove(fault.id);
    expect(lasting).not.toBeInstanceOf(PoolRequestRefused);
    expect(lasting).toMatchObject({
      name: "RestError",
      statusCode: 429,
      code: "SubscriptionRequestsThrottled",
    });
  });

  it("changes the osSku of a pool in place: its nodes are reimaged onto the new OS", async () => {
    const pools = freshAdapter();
    expect((await nodesOf("aks-test-neu", "system")).map(osSkuOf)).toEqual(["AzureLinux2", "AzureLinux2"]);
    const operation = accepted(await pools.updatePool(NEU, "system", { osSku: "AzureLinux3" }));
    expect((await pollToEnd(pools, operation)).end).toEqual({ status: "succeeded" });
    const pool = await pools.readPool(NEU, "system");
    expect(pool).toMatchObject({
      osSku: "AzureLinux3",
      count: 2,
      mode: "System",
      provisioningState: "Succeeded",
    });
    expect(pool?.nodeImageVersion).toMatch(/^AKSAzureLinux-V3gen2-/);
    const nodes = await nodesOf("aks-test-neu", "system");
    expect(nodes.map(osSkuOf)).toEqual(["AzureLinux3", "AzureLinux3"]);
    expect(nodes.map(ready)).toEqual(["True", "True"]);
  });

  it("turns a pool's autoscaler off (bounds cleared) and on again with new bounds, keeping the rest", async () => {
    const pools = freshAdapter();
    const off = accepted(
      await pools.updatePool(WEU, SPEC.name, { enableAutoScaling: false, minCount: null, maxCount: null }),
    );
    expect((await pollToEnd(pools, off)).end).toEqual({ status: "succeeded" });
    const stopped = await pools.readPool(WEU, SPEC.name);
    expect(stopped).toMatchObject({
      enableAutoScaling: false,
      count: 2,
      osSku: "AzureLinux3",
      vnetSubnetId: SUBNET,
    });
    expect(stopped?.minCount).toBeUndefined();
    expect(stopped?.maxCount).toBeUndefined();

    const on = accepted(
      await pools.updatePool(WEU, SPEC.name, { enableAutoScaling: true, minCount: 1, maxCount: 4 }),
    );
    expect((await pollToEnd(pools, on)).end).toEqual({ status: "succeeded" });
    expect(await pools.readPool(WEU, SPEC.name)).toMatchObject({
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 4,
      count: 2,
      nodeTaints: ["dedicated=shop:NoSchedule"],
      // A read-modify-PUT keeps the tags: the pool stays the migration's.
      tags: SPEC.tags,
    });
  });

  it("scales a pool up by its count, then deletes named machines: their nodes go, the count drops, a second request finds them gone", async () => {
    const pools = freshAdapter();
    const grow = accepted(await pools.updatePool(DEV, "ubuntu", { count: 4 }));
    expect((await pollToEnd(pools, grow)).end).toEqual({ status: "succeeded" });
    const names = (await nodesOf("aks-dev-weu", "ubuntu")).map((n) => n.metadata?.name as string).sort();
    expect(names).toHaveLength(4);
    const [first, second] = names as [string, string];
    const operation = accepted(await pools.deleteMachines(DEV, "ubuntu", [first, second]));
    expect((await pollToEnd(pools, operation)).end).toEqual({ status: "succeeded" });
    expect((await nodesOf("aks-dev-weu", "ubuntu")).map((n) => n.metadata?.name).sort()).toEqual(
      names.slice(2),
    );
    expect(await pools.readPool(DEV, "ubuntu")).toMatchObject({ count: 2 });
    // As after a crash: the request again, for machines already gone (their nodes too), sends nothing.
    const again = await deleteMachines("m5", "ubuntu", [first, second]);
    expect(await again.outcome).toEqual({ kind: "gone" });
    expect((await again.audit.list("m5")).map((r) => r.result)).toEqual([undefined, "gone"]);
  });

  it("deletes a pool (its nodes go), and a second delete finds it gone", async () => {
    const pools = freshAdapter();
    const operation = accepted(await pools.deletePool(WEU, "resumed"));
    expect((await pollToEnd(pools, operation)).end).toEqual({ status: "succeeded" });
    expect(await pools.readPool(WEU, "resumed")).toBeUndefined();
    expect(await nodesOf("aks-prod-weu", "resumed")).toEqual([]);
    expect(await pools.deletePool(WEU, "resumed")).toEqual({ kind: "gone" });
  });
});

describe("a create the migration asks for again (requestPoolChange)", () => {
  const createOf = (spec: PoolSpec, migrationId: string) => {
    const { audit } = sqliteRepositories(sqlite.open(sqlite.newFile()));
    const change = {
      migrationId,
      step: "create-pool",
      actor: "workflow",
      reason: "the new pool",
      clusterId: WEU,
      request: { kind: "create" as const, spec },
    };
    return {
      audit,
      outcome: requestPoolChange({ pools: freshAdapter(), nodes: nodes(), audit, clock }, change),
    };
  };

  it("finds its own pool (its MIGRATION_TAG) already there, as after a crash, and sends nothing", async () => {
    const { audit, outcome } = createOf(SPEC, "migration:aks-prod-weu:apps:1");
    expect(await outcome).toEqual({ kind: "exists" });
    expect(await audit.list("migration:aks-prod-weu:apps:1")).toEqual([]);
  });

  it("refuses a pool of that name another migration made, or nobody's, naming the pool and whose it is", async () => {
    const other = createOf({ ...SPEC, tags: { [MIGRATION_TAG]: "migration:aks-prod-weu:apps:2" } }, "m2");
    await expect(other.outcome).rejects.toMatchObject({
      name: "PoolRequestRefused",
      status: 409,
      code: "PoolNameTaken",
      message: "pool aks-prod-weu/appsazl3 already exists and is migration migration:aks-prod-weu:apps:1's",
    });
    // The scenario's own pool "apps" carries no tag.
    const untagged = createOf({ ...SPEC, name: "apps" }, "m3");
    await expect(untagged.outcome).rejects.toMatchObject({
      code: "PoolNameTaken",
      message: `pool aks-prod-weu/apps already exists and is not a migration's (no ${MIGRATION_TAG} tag)`,
    });
    expect(await other.audit.list("m2")).toEqual([]);
    expect((await freshAdapter().readPool(WEU, "apps"))?.tags).toBeUndefined();
  });
});

describe("a delete of drained machines (requestPoolChange)", () => {
  it("answers refused with ARM's reason, audited as failed, rather than failing the activity", async () => {
    const { audit, outcome } = deleteMachines("m4", "nosuch", ["aks-nosuch-0"]);
    expect(await outcome).toMatchObject({ kind: "refused", reason: expect.stringMatching(/^404 /) });
    const records = await audit.list("m4");
    expect(records.map((r) => [r.stage, r.action])).toEqual([
      ["intent", "delete-machines"],
      ["outcome", "delete-machines"],
    ]);
    expect(records[1]?.result).toMatch(/^failed: /);
  });

  it("deletes nothing, and fails, when the pool lists no machine named as nodes still there", async () => {
    const pool = sim.fleet.clusters.find((c) => c.name === "aks-dev-weu")?.pools.get("system");
    if (!pool) throw new Error("no system pool on aks-dev-weu");
    pool.machinesNamedByInstance = true;
    try {
      const names = (await nodesOf("aks-dev-weu", "system")).map((n) => n.metadata?.name as string);
      const asked = deleteMachines("m6", "system", names.slice(0, 1));
      await expect(asked.outcome).rejects.toThrow(
        `pool system lists no machine named ${names[0]}, yet those nodes are still there: not deleting any`,
      );
      expect((await nodesOf("aks-dev-weu", "system")).map((n) => n.metadata?.name)).toEqual(names);
      expect((await asked.audit.list("m6")).map((r) => r.result)).toEqual([
        undefined,
        expect.stringMatching(/^failed: pool system lists no machine named/),
      ]);
    } finally {
      pool.machinesNamedByInstance = false;
    }
  });
});
