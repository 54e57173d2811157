// The scan's steps run again, as after a crash, and with their earlier writes gone, as after a store that
// lost acknowledged writes: through the real Table Storage adapters on Azurite and the Resource Graph
// adapter against the simulated demo fleet. A step repeats no effect, and redoes a missing write rather
// than failing or counting a scan complete that has no rows.

import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { fixedTokenCredential, type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { ResourceGraphFleet, resourceGraphClient } from "../../shared/azure/resource-graph.ts";
import { TableAlertRepository } from "../../shared/azure/tables/alert-repository.ts";
import { TableDependencyRepository } from "../../shared/azure/tables/dependency-repository.ts";
import { TableInventoryRepository } from "../../shared/azure/tables/inventory-repository.ts";
import { TableNoticeRepository } from "../../shared/azure/tables/notice-repository.ts";
import { keyPart } from "../../shared/azure/tables/table-keys.ts";
import type { TableStore } from "../../shared/azure/tables/table-store.ts";
import type { FleetListing, ScanFinish } from "../../shared/domain/inventory/scan-steps.ts";
import { finishInventoryScan } from "../../shared/inventory/finish-scan.ts";
import { listAndRecordFleet } from "../../shared/inventory/list-fleet.ts";
import { decideScanAlerts } from "../../shared/inventory/scan-alerts.ts";
import { scanClusterDependencies } from "../../shared/inventory/scan-dependencies.ts";
import { KubeClusterFacts } from "../../shared/kube/cluster-facts.ts";
import { KubeconfigDirectory } from "../../shared/kube/kube-connection.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS } from "../../shared/kube/kube-requests.ts";
import { useAzuriteTables } from "../support/table-fixture.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const SCAN = { scanId: "2026-03-03T02:00:00Z", startedAt: "2026-03-03T02:00:00.000Z" };
const NOW = new Date("2026-03-03T02:00:05Z");

const tables = useAzuriteTables();
let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual", serviceBus: false });
});
afterAll(() => sim?.close());

function product() {
  const store = tables.store();
  const client = resourceGraphClient(fixedTokenCredential, {
    endpoint: sim.endpoints.resourceGraph,
    tlsOptions: { ca: sim.caPem },
  });
  return {
    store,
    fleet: new ResourceGraphFleet({
      client,
      scope: { subscriptions: [], managementGroups: [] },
      clock: sim.clock as VirtualClock,
    }),
    inventory: new TableInventoryRepository(store),
    alerts: new TableAlertRepository(store),
    notices: new TableNoticeRepository(store),
    dependencies: new TableDependencyRepository(store),
    clusterFacts: new KubeClusterFacts(new KubeconfigDirectory(dirname(sim.kubeconfigPath("aks-prod-weu"))), {
      ...DEFAULT_KUBE_REQUEST_OPTIONS,
      clock: sim.clock as VirtualClock,
    }),
    clock: sim.clock as VirtualClock,
  };
}

/** Rows a store lost: the scan's own row, or every row of its snapshot. */
async function loseScanRow(store: TableStore, scanId: string): Promise<void> {
  await (await store.table("Scans")).deleteEntity("scan", keyPart(scanId));
}
async function loseSnapshot(store: TableStore, scanId: string): Promise<number> {
  const table = await store.table("Snapshots");
  let lost = 0;
  for await (const row of table.listEntities({
    queryOptions: { filter: `PartitionKey eq '${keyPart(scanId)}'` },
  })) {
    await table.deleteEntity(row.partitionKey as string, row.rowKey as string);
    lost++;
  }
  return lost;
}

function finishOf(listing: FleetListing, more: Partial<ScanFinish> = {}): ScanFinish {
  return {
    ...SCAN,
    finishedAt: "2026-03-03T02:05:00.000Z",
    incompleteReasons: listing.incompleteReasons,
    unrecorded: [],
    listed: listing.listed,
    ...more,
  };
}

const poolNames = (pools: { ref: { cluster: string; pool: string } }[]) =>
  pools.map((p) => `${p.ref.cluster}/${p.ref.pool}`).sort();

describe("list-fleet, run again", () => {
  it("records the same snapshot a second time, and begins the scan again when its row went missing", async () => {
    const deps = product();
    await deps.inventory.beginScan(SCAN.scanId, SCAN.startedAt);
    await loseScanRow(deps.store, SCAN.scanId);

    const first = await listAndRecordFleet(deps, SCAN, NOW);
    expect(first.listed).toEqual({ clusters: 4, pools: 9 });
    expect(await deps.inventory.getScan(SCAN.scanId)).toMatchObject({ ...SCAN, status: "running" });
    const clusters = await deps.inventory.listClusters(SCAN.scanId);
    const pools = await deps.inventory.listPools(SCAN.scanId);

    const second = await listAndRecordFleet(deps, SCAN, NOW);
    expect(second.clusters).toEqual(first.clusters);
    expect(await deps.inventory.listClusters(SCAN.scanId)).toEqual(clusters);
    expect(await deps.inventory.listPools(SCAN.scanId)).toEqual(pools);
    expect(pools).toHaveLength(9);
  });
});

describe("finish-scan, run again or after its earlier writes were lost", () => {
  it("begins a scan whose row is missing and counts it; run again, returns the same summary", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    await loseScanRow(deps.store, SCAN.scanId);

    const summary = await finishInventoryScan(deps, finishOf(listing));
    expect(summary).toMatchObject({
      scanId: SCAN.scanId,
      startedAt: SCAN.startedAt,
      status: "complete",
      clusterCount: 4,
      poolCount: 9,
    });
    expect(await finishInventoryScan(deps, finishOf(listing))).toEqual(summary);
    expect(await deps.inventory.latestScan()).toEqual(summary);
  });

  it("moves the latest pointers when run again after a crash left a finished scan behind them", async () => {
    const deps = product();
    const earlier = { scanId: "2026-03-02T02:00:00Z", startedAt: "2026-03-02T02:00:00.000Z" };
    await deps.inventory.beginScan(earlier.scanId, earlier.startedAt);
    await deps.inventory.finishScan(earlier.scanId, { finishedAt: earlier.startedAt, incompleteReasons: [] });
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    const summary = await finishInventoryScan(deps, finishOf(listing));
    // Killed between the scan's row and the pointers: the pointers still name the earlier scan.
    const scans = await deps.store.table("Scans");
    for (const pointer of ["latest", "latest-complete"]) {
      await scans.upsertEntity(
        { partitionKey: "pointer", rowKey: pointer, ScanId: earlier.scanId },
        "Replace",
      );
    }
    expect((await deps.inventory.latestScan())?.scanId).toBe(earlier.scanId);

    expect(await finishInventoryScan(deps, finishOf(listing))).toEqual(summary);
    expect(await deps.inventory.latestScan()).toEqual(summary);
    expect(new Set((await deps.inventory.latestKnownPools()).map((pool) => pool.scanId))).toEqual(
      new Set([SCAN.scanId]),
    );
  });

  it("records what the fan-out could not store once, however often it runs", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    const [failed] = listing.clusters;
    if (!failed) throw new Error("the demo fleet listed no cluster");
    const finish = finishOf(listing, { unrecorded: [{ clusterId: failed.id, error: "connect ETIMEDOUT" }] });

    const summary = await finishInventoryScan(deps, finish);
    expect(summary).toMatchObject({ status: "complete", clusterCount: 4, clustersWithErrors: 1 });
    expect(await finishInventoryScan(deps, finish)).toEqual(summary);
    const row = (await deps.inventory.listClusters(SCAN.scanId)).find((c) => c.cluster.id === failed.id);
    expect(row?.errors).toEqual([
      { stage: "dependencies", message: "connect ETIMEDOUT", at: finish.finishedAt },
    ]);
    expect((await deps.dependencies.clusterDependencies(failed.id))?.lastError).toEqual({
      scanId: SCAN.scanId,
      at: finish.finishedAt,
      message: "connect ETIMEDOUT",
    });
  });

  it("lists the fleet again when the listing's rows are gone, rather than calling an empty scan complete", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    expect(await loseSnapshot(deps.store, SCAN.scanId)).toBe(4 + 9);
    // A cluster whose dependency scan failed after its listing row was lost: a row with only the error.
    const [failed] = listing.clusters;
    if (!failed) throw new Error("the demo fleet listed no cluster");
    const finish = finishOf(listing, { unrecorded: [{ clusterId: failed.id, error: "connect ETIMEDOUT" }] });

    const summary = await finishInventoryScan(deps, finish);
    expect(summary).toMatchObject({
      status: "complete",
      incompleteReasons: [],
      clusterCount: 4,
      poolCount: 9,
      clustersWithErrors: 1,
    });
    expect(poolNames(await deps.inventory.listPools(SCAN.scanId))).toEqual([
      "aks-dev-weu/system",
      "aks-dev-weu/ubuntu",
      "aks-prod-eus/batch",
      "aks-prod-eus/system",
      "aks-prod-weu/apps",
      "aks-prod-weu/system",
      "aks-prod-weu/win",
      "aks-test-neu/system",
      "aks-test-neu/workers",
    ]);
  });

  it("marks the scan incomplete, saying why, when the rows are gone and the fleet cannot be listed again", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    await loseSnapshot(deps.store, SCAN.scanId);
    const fault = sim.fleet.faults.add({
      kind: "arm-error",
      status: 500,
      pathContains: "Microsoft.ResourceGraph",
    });
    try {
      const summary = await finishInventoryScan(deps, finishOf(listing));
      expect(summary).toMatchObject({ status: "incomplete", clusterCount: 0, poolCount: 0 });
      expect(summary.incompleteReasons).toEqual([
        expect.stringMatching(/^Resource Graph could not list the tenant: still failing after 8 attempts/),
        "4 cluster(s) with 9 pool(s) were listed, but only 0 with 0 pool(s) are recorded",
      ]);
      // Incomplete: the pools it lost are not taken as deleted, nor is this scan the latest complete one.
      expect((await deps.inventory.latestScan())?.status).toBe("incomplete");
    } finally {
      sim.fleet.faults.remove(fault.id);
    }
  });
});

describe("scan-dependencies, run again", () => {
  it("replaces the cluster's results with the same ones, and records a failure once", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    const prod = listing.clusters.find((c) => c.id.endsWith("/aks-prod-weu"));
    const test = listing.clusters.find((c) => c.id.endsWith("/aks-test-neu"));
    if (!prod || !test) throw new Error("the demo fleet lacks aks-prod-weu or aks-test-neu");
    const scanOf = (cluster: typeof prod) =>
      scanClusterDependencies(deps, { scanId: SCAN.scanId, clusterId: cluster.id, pools: cluster.pools });

    expect(await scanOf(prod)).toMatchObject({ kind: "scanned", complexPools: ["apps", "win"] });
    const results = await deps.dependencies.clusterDependencies(prod.id);
    expect(await scanOf(prod)).toMatchObject({ kind: "scanned", complexPools: ["apps", "win"] });
    expect((await deps.dependencies.clusterDependencies(prod.id))?.pools).toEqual(results?.pools);

    const fault = sim.fleet.faults.add({ kind: "kube-error", cluster: "aks-test-neu" });
    try {
      expect(await scanOf(test)).toMatchObject({ kind: "failed", recorded: true });
      expect(await scanOf(test)).toMatchObject({ kind: "failed", recorded: true });
    } finally {
      sim.fleet.faults.remove(fault.id);
    }
    const row = (await deps.inventory.listClusters(SCAN.scanId)).find((c) => c.cluster.id === test.id);
    expect(row?.errors.map((error) => error.stage)).toEqual(["dependencies"]);
    expect(row?.poolNames).toEqual(test.pools);
  });
});

describe("decide-alerts, run again", () => {
  it("decides nothing new the second time: the pending alerts stay the same, each once", async () => {
    const deps = product();
    const listing = await listAndRecordFleet(deps, SCAN, NOW);
    await finishInventoryScan(deps, finishOf(listing));
    const first = await decideScanAlerts(deps, SCAN.scanId, NOW);
    expect(first).toMatchObject({ pools: 9, decided: 14 });
    const pending = (await deps.alerts.pendingAlerts()).map((outbox) => outbox.alert.id);

    expect(await decideScanAlerts(deps, SCAN.scanId, NOW)).toMatchObject({ pools: 9, decided: 0 });
    expect((await deps.alerts.pendingAlerts()).map((outbox) => outbox.alert.id)).toEqual(pending);
    expect(new Set(pending).size).toBe(14);
  });
});
