// The Resource Graph adapter through the real ResourceGraphClient: against the simulator (paging with
// $skipToken, subscription batches, 429 and quota waits on virtual time), and against a local HTTPS
// server for what the simulator never does (truncated results, a tenant over the subscription limit,
// unreadable rows, a batch refused).

import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { loadScenarioFile } from "../../local/sim/scenario/load.ts";
import { fixedTokenCredential, type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { ensureCertificates } from "../../local/sim/tls/certificates.ts";
import {
  type GraphScope,
  MAX_SUBSCRIPTIONS_PER_QUERY,
  parseQuotaDuration,
  ResourceGraphFleet,
  resourceGraphClient,
} from "../../shared/azure/resource-graph.ts";
import type { ClusterPage } from "../../shared/domain/ports/fleet.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const PROD = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";
const NONPROD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const TENANT: GraphScope = { subscriptions: [], managementGroups: [] };

interface Recorded {
  fleet: ResourceGraphFleet;
  /** Bodies of the queries sent, in order. */
  queries: Array<{ subscriptions?: string[]; managementGroups?: string[]; options: Record<string, unknown> }>;
}

function fleetOn(
  endpoint: string,
  ca: string,
  clock: VirtualClock,
  scope: GraphScope,
  pageSize?: number,
): Recorded {
  const client = resourceGraphClient(fixedTokenCredential, { endpoint, tlsOptions: { ca } });
  const queries: Recorded["queries"] = [];
  const record: PipelinePolicy = {
    name: "record-queries",
    sendRequest: (request, next) => {
      queries.push(JSON.parse(String(request.body)));
      return next(request);
    },
  };
  client.pipeline.addPolicy(record);
  return {
    fleet: new ResourceGraphFleet({ client, scope, clock, ...(pageSize !== undefined && { pageSize }) }),
    queries,
  };
}

async function listAll(fleet: ResourceGraphFleet) {
  const pages: ClusterPage[] = [];
  const report = await fleet.listClusters(async (page) => {
    pages.push(page);
  });
  return { report, pages, names: pages.flatMap((p) => p.clusters.map((c) => c.name)).sort() };
}

describe("Resource Graph adapter against the simulated fleet", () => {
  let sim: Simulator;
  let clock: VirtualClock;
  beforeAll(async () => {
    sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual", serviceBus: false });
    clock = sim.clock as VirtualClock;
  });
  afterAll(() => sim.close());
  const on = (scope: GraphScope, pageSize?: number) =>
    fleetOn(sim.endpoints.resourceGraph, sim.caPem, clock, scope, pageSize);

  it("lists every managed cluster of the tenant as the model, asking for objectArray explicitly", async () => {
    const { fleet, queries } = on(TENANT);
    const { report, names, pages } = await listAll(fleet);
    expect(names).toEqual(["aks-dev-weu", "aks-prod-eus", "aks-prod-weu", "aks-test-neu"]);
    expect(report).toMatchObject({ clusters: 4, unreadable: 0, incompleteReasons: [] });
    expect(queries).toHaveLength(1);
    expect(queries[0]?.options).toMatchObject({ resultFormat: "objectArray", $top: 1000 });
    const prod = pages[0]?.clusters.find((c) => c.name === "aks-prod-weu");
    expect(prod?.nodePools.map((p) => [p.name, p.osSku, p.count])).toEqual([
      ["system", "AzureLinux", 3],
      ["apps", "AzureLinux", 6],
      ["win", "Windows2022", 2],
    ]);
  });

  it("follows $skipToken page by page", async () => {
    const { fleet, queries } = on(TENANT, 1);
    const { report, pages, names } = await listAll(fleet);
    expect(pages.map((p) => p.clusters.length)).toEqual([1, 1, 1, 1]);
    expect(names).toHaveLength(4);
    expect(report.stats).toMatchObject({ queries: 4, pages: 4, throttled: 0 });
    expect(queries[0]?.options.$skipToken).toBeUndefined();
    expect(queries.slice(1).every((q) => typeof q.options.$skipToken === "string")).toBe(true);
  });

  it("asks for the next page before handing over the current one", async () => {
    const { fleet, queries } = on(TENANT, 1);
    const asked: number[] = [];
    const report = await fleet.listClusters(async (page) => {
      // The next page's query is on its way while this page is recorded: wait until the client sends it.
      if (asked.length < 3) await vi.waitFor(() => expect(queries.length).toBe(asked.length + 2));
      asked.push(queries.length);
      expect(page.clusters).toHaveLength(1);
    });
    expect(asked).toEqual([2, 3, 4, 4]);
    expect(report.stats).toMatchObject({ queries: 4, pages: 4 });
  });

  it("queries fewer than 300 subscriptions at a time and lists each cluster once", async () => {
    const unknown = Array.from(
      { length: 650 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    const { fleet, queries } = on({ subscriptions: [PROD, ...unknown, NONPROD, PROD], managementGroups: [] });
    const { report, names } = await listAll(fleet);
    expect(queries.map((q) => q.subscriptions?.length)).toEqual([299, 299, 55]);
    expect(Math.max(...queries.map((q) => q.subscriptions?.length ?? 0))).toBeLessThan(300);
    expect(MAX_SUBSCRIPTIONS_PER_QUERY).toBeLessThan(300);
    expect(names).toEqual(["aks-dev-weu", "aks-prod-eus", "aks-prod-weu", "aks-test-neu"]);
    expect(report.incompleteReasons).toEqual([]);
  });

  it("waits out 429 answers (Retry-After) on the clock and still lists everything", async () => {
    const fault = sim.fleet.faults.add({
      kind: "arm-error",
      status: 429,
      retryAfterSeconds: 7,
      pathContains: "Microsoft.ResourceGraph",
      times: 2,
    });
    const before = clock.now();
    const { fleet } = on(TENANT);
    const { report, names } = await listAll(fleet);
    expect(names).toHaveLength(4);
    expect(report.stats).toMatchObject({ queries: 3, throttled: 2, waitedMs: 14_000 });
    expect(report.incompleteReasons).toEqual([]);
    expect(clock.now() - before).toBeGreaterThanOrEqual(14_000);
    expect(sim.fleet.faults.list().some((f) => f.id === fault.id)).toBe(false);
  });

  it("gives up on a scope that keeps failing and reports it, without throwing", async () => {
    const fault = sim.fleet.faults.add({
      kind: "arm-error",
      status: 503,
      pathContains: "Microsoft.ResourceGraph",
    });
    try {
      const { fleet, queries } = on({ subscriptions: [PROD], managementGroups: [] });
      const { report, names } = await listAll(fleet);
      expect(names).toEqual([]);
      expect(queries).toHaveLength(8);
      expect(report.incompleteReasons).toEqual([
        expect.stringMatching(
          /^Resource Graph could not list 1 subscription: still failing after 8 attempts \(last: 503: /,
        ),
      ]);
    } finally {
      sim.fleet.faults.remove(fault.id);
    }
  });

  it("reads x-ms-user-quota-remaining and waits for the reset instead of running into 429", async () => {
    const scenario = {
      ...loadScenarioFile(DEMO),
      resourceGraph: { quotaRequests: 2, quotaWindowSeconds: 5 },
    };
    const small = await startSimulator({ scenario, clock: "virtual", serviceBus: false });
    try {
      const smallClock = small.clock as VirtualClock;
      const { fleet } = fleetOn(small.endpoints.resourceGraph, small.caPem, smallClock, TENANT, 1);
      const before = smallClock.now();
      const { report, names } = await listAll(fleet);
      expect(names).toHaveLength(4);
      // Two queries per 5 s window: the third and fourth wait for the next window, none is refused.
      expect(report.stats.throttled).toBe(0);
      expect(report.stats.waitedMs).toBe(5_000);
      expect(smallClock.now() - before).toBeGreaterThanOrEqual(5_000);
    } finally {
      await small.close();
    }
  });
});

describe("Resource Graph adapter against answers the simulator does not give", () => {
  const rows = (
    JSON.parse(readFileSync(new URL("../fixtures/fleet-resource-graph.json", import.meta.url), "utf8")) as {
      data: Array<Record<string, unknown>>;
    }
  ).data;
  let server: Server;
  let endpoint: string;
  let ca: string;
  /** How the stub answers one query body. */
  let answer: (body: { subscriptions?: string[] }) => {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
  };

  beforeAll(async () => {
    const tls = await ensureCertificates(join(tmpdir(), `rg-stub-${process.pid}`));
    ca = tls.caPem;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const reply = answer(JSON.parse(Buffer.concat(chunks).toString("utf8")));
        response
          .writeHead(reply.status, { "content-type": "application/json", ...reply.headers })
          .end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("marks truncated results, a tenant over the subscription limit and unreadable rows as incomplete", async () => {
    const broken = { ...rows[1], properties: { agentPoolProfiles: "not a list" } };
    answer = () => ({
      status: 200,
      headers: { "x-ms-tenant-subscription-limit-hit": "true" },
      body: { totalRecords: 5, count: 3, resultTruncated: "true", data: [rows[0], broken, rows[2]] },
    });
    const { fleet, queries } = fleetOn(endpoint, ca, new VirtualClock(0), TENANT);
    const { report, pages } = await listAll(fleet);
    expect(queries[0]?.options).toMatchObject({ allowPartialScopes: true, resultFormat: "objectArray" });
    expect(pages[0]?.clusters.map((c) => c.name)).toEqual(["ledger-prod-neu", "data-dev-wus2"]);
    expect(pages[0]?.unreadable).toEqual([
      {
        id: rows[1]?.id,
        problems: [
          "properties.kubernetesVersion: is missing",
          "properties.agentPoolProfiles: Invalid input: expected array, received string",
        ],
      },
    ]);
    expect(report.incompleteReasons).toEqual([
      "Resource Graph answered for part of the tenant only: the tenant has more subscriptions than one query covers (x-ms-tenant-subscription-limit-hit)",
      "Resource Graph truncated the results for the tenant (resultTruncated)",
      "1 managed cluster row(s) could not be read (see the clusters' errors)",
    ]);
  });

  it("reports a refused batch and goes on with the others", async () => {
    answer = (body) =>
      body.subscriptions?.includes("11111111-1111-4111-8111-111111111111")
        ? { status: 400, body: { error: { code: "BadRequest", message: "Subscription is disabled." } } }
        : { status: 200, body: { totalRecords: 1, count: 1, resultTruncated: "false", data: [rows[0]] } };
    const subscriptions = Array.from(
      { length: 300 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    );
    subscriptions[299] = "11111111-1111-4111-8111-111111111111";
    const { fleet, queries } = fleetOn(endpoint, ca, new VirtualClock(0), {
      subscriptions,
      managementGroups: [],
    });
    const { report, names } = await listAll(fleet);
    expect(queries).toHaveLength(2);
    expect(names).toEqual(["ledger-prod-neu"]);
    expect(report.incompleteReasons).toEqual([
      expect.stringMatching(/^Resource Graph could not list subscriptions 300-300 of 300: 400: /),
    ]);
  });

  /** A first page pointing at a second; the second answered as `next` says. */
  function secondPageAnswered(next: { status: number; body: unknown }) {
    answer = (body) =>
      (body as { options?: { $skipToken?: string } }).options?.$skipToken
        ? next
        : {
            status: 200,
            body: { totalRecords: 2, count: 1, resultTruncated: "false", data: [rows[0]], $skipToken: "t" },
          };
  }

  /** What the process reports as unhandled rejections while `work` runs, and a moment after. */
  async function unhandledDuring(work: () => Promise<void>): Promise<unknown[]> {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.prependListener("unhandledRejection", onUnhandled);
    try {
      await work();
      await new Promise((resolve) => setTimeout(resolve, 300));
      return unhandled;
    } finally {
      process.removeListener("unhandledRejection", onUnhandled);
    }
  }

  it("reports a next page refused while the current one is recorded, and leaves nothing unhandled", async () => {
    secondPageAnswered({ status: 400, body: { error: { code: "BadRequest", message: "refused" } } });
    const { fleet, queries } = fleetOn(endpoint, ca, new VirtualClock(0), TENANT);
    const unhandled = await unhandledDuring(async () => {
      const report = await fleet.listClusters(async () => {
        // Recording the page outlasts the next page's answer.
        await vi.waitFor(() => expect(queries).toHaveLength(2));
        await new Promise((resolve) => setTimeout(resolve, 300));
      });
      expect(report.incompleteReasons).toEqual([expect.stringMatching(/could not list the tenant: 400/)]);
    });
    expect(unhandled).toEqual([]);
  });

  it("stops asking for the next page once the current one cannot be recorded", async () => {
    secondPageAnswered({ status: 503, body: { error: { code: "ServiceUnavailable", message: "busy" } } });
    const clock = new VirtualClock(0);
    const { fleet, queries } = fleetOn(endpoint, ca, clock, TENANT);
    // Held still, so the refused next page waits for its second try until the listing has failed.
    clock.pause();
    const unhandled = await unhandledDuring(async () => {
      const listing = fleet.listClusters(async () => {
        await vi.waitFor(() => expect(queries).toHaveLength(2));
        throw new Error("the state store is unavailable");
      });
      await expect(listing).rejects.toThrow("the state store is unavailable");
      clock.resume();
    });
    // Without stopping, the refused page would be tried 8 times.
    expect(queries).toHaveLength(2);
    expect(unhandled).toEqual([]);
  });

  it("reads the quota reset time as hh:mm:ss", () => {
    expect(parseQuotaDuration("00:00:05")).toBe(5_000);
    expect(parseQuotaDuration("01:02:03.5")).toBe(3_723_500);
    expect(parseQuotaDuration("5s")).toBeUndefined();
  });
});
