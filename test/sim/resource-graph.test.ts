import type { RestError } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO, type Fixture, startFixture } from "./fixture.ts";

const POOLS_QUERY = `resources
| where type =~ 'Microsoft.ContainerService/managedClusters'
| mv-expand pool = properties.agentPoolProfiles
| project id, cluster = name, subscriptionId, poolName = tostring(pool.name), osSku = tostring(pool.osSKU),
    nodeImageVersion = tostring(pool.nodeImageVersion), orchestratorVersion = tostring(pool.orchestratorVersion), count = pool['count']
| extend family = tolower(osSku)`;

describe("Resource Graph over HTTPS with the real ResourceGraphClient", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await startFixture({ scenarioFile: DEMO });
  });
  afterAll(() => f.sim.close());

  it("answers the product's pool inventory query, one row per pool", async () => {
    f.clock.pause();
    await f.clock.advanceBy(10_000);
    const result = await f
      .graph()
      .resources({ query: POOLS_QUERY, options: { resultFormat: "objectArray" } });
    expect(result.totalRecords).toBe(9);
    expect(result.resultTruncated).toBe("false");
    expect(result.skipToken).toBeUndefined();
    const rows = result.data as Array<Record<string, unknown>>;
    expect(rows).toContainEqual(
      expect.objectContaining({
        cluster: "aks-prod-weu",
        poolName: "apps",
        osSku: "AzureLinux",
        nodeImageVersion: "AKSAzureLinux-V2gen2-202512.06.0",
        count: 6,
        family: "azurelinux",
      }),
    );
    expect(Object.keys(rows[0] ?? {})).toEqual([
      "id",
      "cluster",
      "subscriptionId",
      "poolName",
      "osSku",
      "nodeImageVersion",
      "orchestratorVersion",
      "count",
      "family",
    ]);
  });

  it("returns the table format with typed columns and honours the subscriptions filter", async () => {
    const result = await f.graph().resources({
      query: POOLS_QUERY,
      subscriptions: ["7c9e6679-7425-40de-944b-e07fc1f90ae7"],
      options: { resultFormat: "table" },
    });
    const table = result.data as { columns: Array<{ name: string; type: string }>; rows: unknown[][] };
    expect(table.columns.find((c) => c.name === "count")?.type).toBe("integer");
    expect(new Set(table.rows.map((r) => r[1]))).toEqual(new Set(["aks-dev-weu", "aks-test-neu"]));
  });

  it("pages with $skipToken only when id is projected", async () => {
    const graph = f.graph();
    const first = await graph.resources({
      query: POOLS_QUERY,
      options: { top: 4, resultFormat: "objectArray" },
    });
    expect(first.count).toBe(4);
    expect(first.skipToken).toBeDefined();
    const second = await graph.resources({
      query: POOLS_QUERY,
      options: { top: 4, skipToken: first.skipToken, resultFormat: "objectArray" },
    });
    const third = await graph.resources({
      query: POOLS_QUERY,
      options: { top: 4, skipToken: second.skipToken, resultFormat: "objectArray" },
    });
    expect(third.count).toBe(1);
    expect(third.skipToken).toBeUndefined();
    const ids = [first, second, third].flatMap((page) =>
      (page.data as Array<{ id: string; poolName: string }>).map((r) => `${r.id}/${r.poolName}`),
    );
    expect(new Set(ids).size).toBe(9);
    const noId = await graph.resources({
      query: "resources | project name",
      options: { top: 2, resultFormat: "objectArray" },
    });
    expect(noId.resultTruncated).toBe("true");
    expect(noId.skipToken).toBeUndefined();
  });

  it("serves the scheduled end-of-support events table", async () => {
    const result = await f.graph().resources({
      query: `containerserviceeventresources
| where type == "microsoft.containerservice/managedclusters/scheduledevents"
| where properties has "EOLNotification"
| extend description = tostring(properties.description)
| extend details = parse_json(tostring(properties.eventDetails))
| project id, name, description, details
| order by name asc`,
    });
    const rows = result.data as Array<{ id: string; description: string; details: Record<string, unknown> }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.id.toLowerCase()).toContain(
      "/resourcegroups/rg-prod-eus/providers/microsoft.containerservice/managedclusters/aks-prod-eus",
    );
    expect(rows[0]?.description).toBe("KubernetesVersionOutOfSupport");
    expect(rows[0]?.details).toMatchObject({
      kubernetesVersion: "1.30.12",
      eolDate: "2025-08-22T00:00:00Z",
      supportType: "Community",
      region: "eastus",
    });
  });

  it("refuses KQL outside the subset with ARG's error shape", async () => {
    const unsupported = (await f
      .graph()
      .resources({ query: "resources | summarize count() by type" })
      .catch((e: RestError) => e)) as RestError;
    expect(unsupported).toMatchObject({ statusCode: 400, code: "BadRequest" });
    const path = "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
    const summarize = await f.raw("POST", path, { query: "resources | summarize count() by type" });
    expect(summarize.status).toBe(400);
    expect(summarize.body.error.message).toMatch(
      /^Please provide below info when asking for support: timestamp = .*, correlationId = [0-9a-f-]{36}\.$/,
    );
    expect(summarize.body.error.details).toEqual([
      {
        code: "InvalidQuery",
        message:
          "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
      },
      {
        code: "InvalidQueryLanguage",
        message: "InvalidQueryLanguage",
        line: 1,
        characterPositionInLine: 12,
        token: "summarize",
      },
    ]);
    const broken = await f.raw("POST", path, { query: "resources | where type =~ " });
    expect(broken.body.error.details[1]).toMatchObject({ code: "ParserFailure", line: 1, token: "<EOF>" });
    const unknownColumn = await f.raw("POST", path, { query: "resources | project nmae" });
    expect(unknownColumn.body.error.details[1]).toMatchObject({
      code: "FailedToResolveScalarExpression",
      token: "nmae",
    });
  });

  it("throttles past 15 queries per 5 simulated seconds, with quota headers and Retry-After", async () => {
    await f.clock.advanceBy(5_000);
    const graph = f.graph();
    const remaining: string[] = [];
    for (let i = 0; i < 15; i++) {
      await graph.resources(
        { query: "resources | project id", options: { top: 1 } },
        { onResponse: (raw) => remaining.push(raw.headers.get("x-ms-user-quota-remaining") ?? "") },
      );
    }
    expect(remaining).toEqual(Array.from({ length: 15 }, (_, i) => String(14 - i)));
    const throttled = (await graph
      .resources({ query: "resources | project id" })
      .catch((e: RestError) => e)) as RestError;
    expect(throttled.statusCode).toBe(429);
    expect(throttled.response?.headers.get("retry-after")).toBe("5");
    expect(throttled.response?.headers.get("x-ms-user-quota-resets-after")).toBe("00:00:05");
    expect(throttled.code).toBe("RateLimiting");
    await f.clock.advanceBy(5_000);
    await expect(
      graph.resources({ query: "resources | project id", options: { top: 1 } }),
    ).resolves.toMatchObject({ count: 1 });
    f.clock.resume();
  });
});

describe("Resource Graph over a fleet of 600 clusters", () => {
  it("returns 1,000 rows a page and a $skipToken for the rest", async () => {
    const clusters = Array.from({ length: 600 }, (_, i) => ({
      name: `aks-${i}`,
      resourceGroup: `rg-${i % 7}`,
      location: "westeurope",
      kubernetesVersion: "1.32.5",
      pools: [
        {
          name: "system",
          mode: "System" as const,
          osSku: "AzureLinux3" as const,
          vmSize: "Standard_D2s_v5",
          count: 1,
        },
      ],
      workloads: { systemComponents: false },
    }));
    const f = await startFixture({
      scenario: { name: "many", subscriptions: [{ id: "11111111-2222-4333-8444-555555555555", clusters }] },
    });
    try {
      const graph = f.graph();
      const first = await graph.resources({ query: "resources | project id, name, type" });
      expect(first).toMatchObject({ totalRecords: 1200, count: 1000, resultTruncated: "false" });
      const second = await graph.resources({
        query: "resources | project id, name, type",
        options: { skipToken: first.skipToken },
      });
      expect(second.count).toBe(200);
      expect(second.skipToken).toBeUndefined();
      const ids = new Set(
        [...(first.data as Array<{ id: string }>), ...(second.data as Array<{ id: string }>)].map(
          (r) => r.id,
        ),
      );
      expect(ids.size).toBe(1200);
      await expect(
        graph.resources({ query: "resources | project id", options: { top: 1001 } }),
      ).rejects.toMatchObject({ statusCode: 400 });
    } finally {
      await f.sim.close();
    }
  });
});
