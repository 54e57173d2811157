import type { RestError } from "@azure/core-rest-pipeline";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, FAST, type Fixture, PROD_SUBSCRIPTION, readyStatus, startFixture } from "./fixture.ts";

const RG = "rg-prod-weu";
const CLUSTER = "aks-prod-weu";

describe("ARM over HTTPS with the real ContainerServiceClient", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ scenarioFile: DEMO });
  });
  afterAll(() => f.sim.close());

  it("lists managed clusters by subscription and resource group, with their pools", async () => {
    const arm = f.arm();
    const all = [];
    for await (const cluster of arm.managedClusters.list()) all.push(cluster);
    expect(all.map((c) => c.name).sort()).toEqual(["aks-prod-eus", "aks-prod-weu"]);
    const inGroup = [];
    for await (const cluster of arm.managedClusters.listByResourceGroup(RG)) inGroup.push(cluster);
    expect(inGroup.map((c) => c.name)).toEqual([CLUSTER]);
    const cluster = await arm.managedClusters.get(RG, CLUSTER);
    expect(cluster.kubernetesVersion).toBe("1.31.8");
    expect(cluster.storageProfile?.diskCSIDriver?.enabled).toBe(true);
    expect(cluster.autoScalerProfile?.scaleDownDelayAfterAdd).toBe("10m");
    const pools = [];
    for await (const pool of arm.agentPools.list(RG, CLUSTER)) pools.push(pool);
    expect(pools.map((p) => [p.name, p.osSKU, p.count, p.provisioningState])).toEqual([
      ["system", "AzureLinux", 3, "Succeeded"],
      ["apps", "AzureLinux", 6, "Succeeded"],
      ["win", "Windows2022", 2, "Succeeded"],
    ]);
  });

  it("answers missing resources with ARM's error codes", async () => {
    const arm = f.arm();
    await expect(arm.managedClusters.get(RG, "nope")).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceNotFound",
    });
    await expect(arm.managedClusters.get("rg-missing", CLUSTER)).rejects.toMatchObject({
      statusCode: 404,
      code: "ResourceGroupNotFound",
    });
    await expect(arm.agentPools.get(RG, CLUSTER, "ghost")).rejects.toMatchObject({
      statusCode: 404,
      code: "NotFound",
    });
    const unauthenticated = await f.raw(
      "GET",
      `/subscriptions/${PROD_SUBSCRIPTION}?api-version=2022-12-01`,
      undefined,
      {},
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body.error.code).toBe("AuthenticationFailed");
    const noVersion = await f.raw("GET", `/subscriptions/${PROD_SUBSCRIPTION}`);
    expect(noVersion.body.error.code).toBe("MissingApiVersionParameter");
  });

  it("reports the latest node image of the pool's OS family", async () => {
    const profile = await f.arm().agentPools.getUpgradeProfile(RG, CLUSTER, "apps");
    expect(profile).toMatchObject({
      kubernetesVersion: "1.31.8",
      osType: "Linux",
      latestNodeImageVersion: "AKSAzureLinux-V2gen2-202512.06.0",
    });
  });

  it("rejects unknown fields in a PUT agentPool body as AKS does", async () => {
    const path = `/subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}/agentPools/extra?api-version=2026-06-01`;
    const response = await f.raw("PUT", path, {
      properties: { count: 1, vmSize: "Standard_D4s_v5", securityProfile: {}, sshAccess: "LocalUser" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("UnmarshalError");
    expect(response.body.error.message).toContain('json: unknown field "sshAccess"');
    const misplaced = await f.raw("PUT", path, { name: "extra", count: 1 });
    expect(misplaced.body.error.message).toContain('unknown field "count"');
  });

  it("creates a pool as a long-running operation: 409 while it runs, nodes Ready in Kubernetes when it succeeds", async () => {
    const arm = f.arm();
    const core = f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api);
    f.clock.pause();
    const poller = arm.agentPools.createOrUpdate(
      RG,
      CLUSTER,
      "azl3",
      { count: 2, vmSize: "Standard_D8ds_v5", osSKU: "AzureLinux3", mode: "User" },
      FAST,
    );
    await poller.submitted();
    expect(poller.operationState?.status).toBe("running");
    expect((await arm.agentPools.get(RG, CLUSTER, "azl3")).provisioningState).toBe("Creating");
    const conflict = await arm.agentPools.delete(RG, CLUSTER, "apps", FAST).catch((e: RestError) => e);
    expect(conflict).toMatchObject({ statusCode: 409, code: "OperationNotAllowed" });
    expect((conflict as RestError).message).toContain(
      "Another agentpool operation (azl3 - Creating) is in progress",
    );
    // Machines register NotReady once provisioned, and turn Ready after the boot delay.
    await f.clock.advanceBy(61_000);
    const booting = await core.listNode({ labelSelector: "agentpool=azl3" });
    expect(booting.items.map(readyStatus)).toEqual(["False", "False"]);
    f.clock.resume();
    const pool = await poller;
    expect(pool.provisioningState).toBe("Succeeded");
    expect(pool.nodeImageVersion).toBe("AKSAzureLinux-V3gen2-202602.13.5");
    const nodes = await core.listNode({ labelSelector: "kubernetes.azure.com/agentpool=azl3" });
    expect(nodes.items.map(readyStatus)).toEqual(["True", "True"]);
    const labels = nodes.items[0]?.metadata?.labels ?? {};
    expect(labels["kubernetes.azure.com/os-sku-effective"]).toBe("AzureLinux3");
    expect(labels["kubernetes.azure.com/node-image-version"]).toBe("AKSAzureLinux-V3gen2-202602.13.5");
    expect(nodes.items[0]?.status?.nodeInfo?.osImage).toBe("Microsoft Azure Linux 3.0");
  });

  it("deletes chosen machines and scales the pool down", async () => {
    const arm = f.arm();
    const core = f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api);
    const before = await core.listNode({ labelSelector: "agentpool=azl3" });
    const victim = before.items[0]?.metadata?.name as string;
    await arm.agentPools.deleteMachines(RG, CLUSTER, "azl3", { machineNames: [victim] }, FAST);
    const after = await core.listNode({ labelSelector: "agentpool=azl3" });
    expect(after.items.map((n) => n.metadata?.name)).not.toContain(victim);
    expect(after.items).toHaveLength(1);
    expect((await arm.agentPools.get(RG, CLUSTER, "azl3")).count).toBe(1);
    await expect(
      arm.agentPools.deleteMachines(
        RG,
        CLUSTER,
        "azl3",
        { machineNames: ["aks-azl3-00000000-vmss00zzzz"] },
        FAST,
      ),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: "InvalidParameter",
    });
  });

  it("updates the cluster autoscaler profile through a managed cluster PUT", async () => {
    const arm = f.arm();
    const cluster = await arm.managedClusters.get(RG, CLUSTER);
    cluster.autoScalerProfile = { ...cluster.autoScalerProfile, scaleDownUnneededTime: "20m" };
    const updated = await arm.managedClusters.createOrUpdate(RG, CLUSTER, cluster, FAST);
    expect(updated.provisioningState).toBe("Succeeded");
    expect(updated.autoScalerProfile?.scaleDownUnneededTime).toBe("20m");
    const reread = (await arm.managedClusters.get(RG, CLUSTER)).autoScalerProfile;
    expect(reread?.scaleDownUnneededTime).toBe("20m");
    // The three boolean settings stay booleans through the round trip, as the API's model types them.
    expect(reread).toMatchObject({
      daemonsetEvictionForEmptyNodes: false,
      daemonsetEvictionForOccupiedNodes: true,
      ignoreDaemonsetsUtilization: false,
    });
  });

  it("refuses autoscaler settings of the wrong type or unknown name, as AKS's decoder does", async () => {
    const path = `/subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}?api-version=2026-06-01`;
    const put = (autoScalerProfile: Record<string, unknown>) =>
      f.raw("PUT", path, { location: "westeurope", properties: { autoScalerProfile } });
    const number = await put({ "scan-interval": 20 });
    expect(number.status).toBe(400);
    expect(number.body.error).toMatchObject({ code: "UnmarshalError" });
    expect(number.body.error.message).toContain("scan-interval");
    const text = await put({ "ignore-daemonsets-utilization": "true" });
    expect(text.body.error.message).toContain("ignore-daemonsets-utilization of type bool");
    const unknown = await put({ "scale-down-sometimes": "1m" });
    expect(unknown.body.error.message).toContain('unknown field "scale-down-sometimes"');
    expect((await f.arm().managedClusters.get(RG, CLUSTER)).autoScalerProfile?.scanInterval).toBe("10s");
  });

  // Budgets blocking a delete, and ignore-pod-disruption-budget: faults.test.ts.
  it("deletes a pool as a long-running operation: its nodes leave Kubernetes, the pool answers 404", async () => {
    const arm = f.arm();
    const core = f.kube(CLUSTER).makeApiClient(k8s.CoreV1Api);
    await arm.agentPools.delete(RG, CLUSTER, "azl3", FAST);
    await expect(arm.agentPools.get(RG, CLUSTER, "azl3")).rejects.toMatchObject({ statusCode: 404 });
    expect((await core.listNode({ labelSelector: "agentpool=azl3" })).items).toHaveLength(0);
  });

  it("serves Microsoft.Compute's usages per VM family in a region and its resource SKUs", async () => {
    const usages = await f.raw(
      "GET",
      `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Compute/locations/westeurope/usages?api-version=2024-07-01`,
    );
    expect(usages.status).toBe(200);
    const byName = Object.fromEntries(
      usages.body.value.map((u: { name: { value: string } }) => [u.name.value, u]),
    );
    // aks-prod-weu's pools: system 3 x D4ds_v5 and apps 6 x D8ds_v5 (DDSv5), win 2 x D4s_v5 (DSv5).
    expect(byName.standardDDSv5Family).toEqual({
      limit: 350,
      unit: "Count",
      currentValue: 60,
      name: { value: "standardDDSv5Family", localizedValue: "Standard DDSv5 Family vCPUs" },
    });
    expect(byName.standardDSv5Family.currentValue).toBe(8);
    expect(byName.cores).toMatchObject({
      currentValue: 68,
      name: { localizedValue: "Total Regional vCPUs" },
    });

    const skus = await f.raw(
      "GET",
      `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=${encodeURIComponent("location eq 'westeurope'")}`,
    );
    const d8 = skus.body.value.find((s: { name: string }) => s.name === "Standard_D8ds_v5");
    expect(d8).toMatchObject({
      resourceType: "virtualMachines",
      family: "standardDDSv5Family",
      locations: ["westeurope"],
      capabilities: [
        { name: "vCPUs", value: "8" },
        { name: "MemoryGB", value: "32" },
      ],
    });
    const badFilter = await f.raw(
      "GET",
      `/subscriptions/${PROD_SUBSCRIPTION}/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=${encodeURIComponent("name eq 'x'")}`,
    );
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.error.code).toBe("InvalidFilter");
  });

  it("takes null in an agent pool PUT as Go does: null bounds turn the autoscaler's bounds off", async () => {
    const arm = f.arm();
    const path = `/subscriptions/${PROD_SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}/agentPools/apps?api-version=2026-06-01`;
    const put = await f.raw("PUT", path, {
      properties: { enableAutoScaling: false, minCount: null, maxCount: null },
    });
    expect(put.status).toBe(200);
    const pool = await arm.agentPools.get(RG, CLUSTER, "apps");
    expect([pool.enableAutoScaling, pool.minCount, pool.maxCount, pool.count]).toEqual([
      false,
      undefined,
      undefined,
      6,
    ]);
  });
});
