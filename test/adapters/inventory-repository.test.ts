import type { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { TableInventoryRepository } from "../../shared/azure/tables/inventory-repository.ts";
import type { Cluster, NodePool } from "../../shared/domain/fleet/model.ts";
import type { InventoryRepository, PoolSnapshot } from "../../shared/domain/ports/inventory.ts";
import { aCluster, aPool, day, poolSnapshots } from "../support/pool-fixtures.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores, tables } = useStateStores();
const NOW = day("2026-01-10");

function snapshots(cluster: Cluster): PoolSnapshot[] {
  return poolSnapshots(cluster, NOW);
}

async function record(
  repo: InventoryRepository,
  scanId: string,
  clusters: Cluster[],
  incompleteReasons: string[] = [],
) {
  await repo.beginScan(scanId, `${scanId}T02:00:00Z`);
  for (const cluster of clusters) await repo.recordCluster(scanId, cluster, snapshots(cluster));
  return repo.finishScan(scanId, { finishedAt: `${scanId}T02:10:00Z`, incompleteReasons });
}

const azureLinux2 = (name: string): NodePool => aPool({ name });
const ubuntu = (name: string): NodePool =>
  aPool({
    name,
    osSku: "Ubuntu",
    orchestratorVersion: "1.33.2",
    nodeImageVersion: "AKSUbuntu-2204gen2containerd-202512.10.0",
  });

function clusterIn(subscriptionId: string, resourceGroup: string, name: string, pools: NodePool[]): Cluster {
  return aCluster(
    {
      name,
      subscriptionId,
      resourceGroup,
      id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    },
    pools,
  );
}

describe.each(stores)("InventoryRepository on $name", (store) => {
  it("records a scan: one row per cluster and pool, counts by state, filters, the latest pointer", async () => {
    const repo = store.fresh().inventory;
    const prod = clusterIn("SUB-A", "rg-prod", "prod", [azureLinux2("apps"), ubuntu("web")]);
    const dev = clusterIn("sub-b", "rg-dev", "dev", [ubuntu("tools")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", prod, snapshots(prod));
    await repo.recordCluster("2026-01-10", dev, snapshots(dev));
    await repo.recordClusterError("2026-01-10", dev.id, {
      stage: "dependencies",
      message: "connect ECONNREFUSED",
      at: "2026-01-10T02:05:00Z",
    });
    const summary = await repo.finishScan("2026-01-10", {
      finishedAt: "2026-01-10T02:10:00Z",
      incompleteReasons: [],
    });

    expect(summary).toMatchObject({
      scanId: "2026-01-10",
      status: "complete",
      clusterCount: 2,
      poolCount: 3,
      clustersWithErrors: 1,
      poolsByState: { "end-of-support": 1, "retirement-announced": 2 },
    });
    expect(await repo.latestScan()).toEqual(summary);

    const names = async (filter: Parameters<typeof repo.listPools>[1]) =>
      (await repo.listPools("2026-01-10", filter)).map((p) => p.ref.pool).sort();
    expect(await names({})).toEqual(["apps", "tools", "web"]);
    expect(await names({ state: "end-of-support" })).toEqual(["apps"]);
    expect(await names({ osSku: "ubuntu" })).toEqual(["tools", "web"]);
    expect(await names({ subscriptionId: "sub-a" })).toEqual(["apps", "web"]);
    expect(await names({ cluster: prod.id.toUpperCase() })).toEqual(["apps", "web"]);
    expect(await names({ cluster: "dev" })).toEqual(["tools"]);

    const pool = (await repo.listPools("2026-01-10", { cluster: "prod", state: "end-of-support" }))[0];
    expect(pool?.pool).toEqual(prod.nodePools[0]);
    expect(pool?.assessment.imageRemoval).toBe("2026-03-31");

    const clusters = await repo.listClusters("2026-01-10");
    const devRow = clusters.find((c) => c.cluster.name === "dev");
    expect(devRow?.errors).toEqual([
      { stage: "dependencies", message: "connect ECONNREFUSED", at: "2026-01-10T02:05:00Z" },
    ]);
    expect(devRow?.poolNames).toEqual(["tools"]);
    expect(clusters.find((c) => c.cluster.name === "prod")?.cluster).not.toHaveProperty("nodePools");
  });

  it("stores ids with characters Table Storage forbids in keys (/ \\ # ? and control characters)", async () => {
    const repo = store.fresh().inventory;
    const cluster = aCluster(
      {
        name: "odd#name?",
        id: "/subscriptions/s/resourceGroups/rg\\x/providers/Microsoft.ContainerService/managedClusters/odd#name?\u0001",
      },
      [ubuntu("p%1\u007f"), ubuntu("p/2")],
    );
    await record(repo, "2026-01-10", [cluster]);
    const pools = await repo.listPools("2026-01-10", { cluster: cluster.id });
    expect(pools.map((p) => p.ref.pool).sort()).toEqual(["p%1\u007f", "p/2"]);
    expect(pools[0]?.ref.clusterId).toBe(cluster.id);
    expect((await repo.listClusters("2026-01-10"))[0]?.cluster.id).toBe(cluster.id);
  });

  it("never takes a pool missing from an incomplete scan as deleted: it is carried forward, flagged stale", async () => {
    const repo = store.fresh().inventory;
    const east = aCluster({ name: "east" }, [ubuntu("a"), ubuntu("b")]);
    const west = aCluster({ name: "west" }, [ubuntu("c")]);
    await record(repo, "2026-01-10", [east, west]);

    // Resource Graph truncated the next scan: west was not seen, and east's pool b was cut off.
    const eastSeen = aCluster({ name: "east" }, [ubuntu("a"), ubuntu("new")]);
    const second = await record(repo, "2026-01-11", [eastSeen], ["Resource Graph truncated the results"]);
    expect(second.status).toBe("incomplete");
    expect(second.incompleteReasons).toEqual(["Resource Graph truncated the results"]);

    const known = await repo.latestKnownPools();
    const view = known
      .map((p) => `${p.ref.cluster}/${p.ref.pool} ${p.scanId}${p.stale ? " stale" : ""}`)
      .sort();
    expect(view).toEqual([
      "east/a 2026-01-11",
      "east/b 2026-01-10 stale",
      "east/new 2026-01-11",
      "west/c 2026-01-10 stale",
    ]);

    // A second incomplete scan: "new" is carried from the scan before, b and c from the complete one.
    await record(repo, "2026-01-12", [aCluster({ name: "east" }, [ubuntu("a")])], ["throttled"]);
    const again = (await repo.latestKnownPools()).map((p) => `${p.ref.pool} ${p.scanId} ${p.stale}`).sort();
    expect(again).toEqual([
      "a 2026-01-12 false",
      "b 2026-01-10 true",
      "c 2026-01-10 true",
      "new 2026-01-11 true",
    ]);
    expect((await repo.latestKnownPools({ cluster: "west" })).map((p) => p.ref.pool)).toEqual(["c"]);

    // A complete scan is the truth again: what it does not list is gone.
    await record(repo, "2026-01-13", [aCluster({ name: "east" }, [ubuntu("a")])]);
    expect((await repo.latestKnownPools()).map((p) => `${p.ref.pool} ${p.stale}`)).toEqual(["a false"]);
  });

  it("marks a scan incomplete when a cluster could not be listed", async () => {
    const repo = store.fresh().inventory;
    const ok = aCluster({ name: "ok" }, [ubuntu("a")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", ok, snapshots(ok));
    const brokenId =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/broken";
    await repo.recordClusterError("2026-01-10", brokenId, {
      stage: "inventory",
      message: "ARM 500",
      at: "2026-01-10T02:01:00Z",
    });
    const summary = await repo.finishScan("2026-01-10", {
      finishedAt: "2026-01-10T02:10:00Z",
      incompleteReasons: [],
    });
    expect(summary.status).toBe("incomplete");
    expect(summary.incompleteReasons).toEqual(["1 cluster(s) could not be listed"]);
    const broken = (await repo.listClusters("2026-01-10")).find((c) => c.cluster.id === brokenId);
    expect(broken?.cluster.name).toBe("broken");
    expect(broken?.errors.map((e) => e.message)).toEqual(["ARM 500"]);
  });

  it("keeps history for trends, oldest first, within a range", async () => {
    const repo = store.fresh().inventory;
    await record(repo, "2026-01-10", [aCluster({ name: "x" }, [azureLinux2("a"), ubuntu("b")])]);
    await record(repo, "2026-01-11", [aCluster({ name: "x" }, [ubuntu("b"), ubuntu("c")])]);
    await record(repo, "2026-01-12", [aCluster({ name: "x" }, [ubuntu("c")])], ["partial"]);
    await repo.beginScan("2026-01-13", "2026-01-13T02:00:00Z"); // still running: not a data point

    const trend = await repo.trends();
    expect(trend.map((s) => [s.scanId, s.status, s.poolsByState])).toEqual([
      ["2026-01-10", "complete", { "end-of-support": 1, "retirement-announced": 1 }],
      ["2026-01-11", "complete", { "retirement-announced": 2 }],
      ["2026-01-12", "incomplete", { "retirement-announced": 1 }],
    ]);
    expect((await repo.trends({ from: "2026-01-11", to: "2026-01-11" })).map((s) => s.scanId)).toEqual([
      "2026-01-11",
    ]);
  });

  it("selects a cluster's and a subscription's pools exactly, however long their ids", async () => {
    const repo = store.fresh().inventory;
    const longest = clusterIn("sub-1", "r".repeat(90), "k".repeat(63), [ubuntu("a"), ubuntu("b")]);
    const clusters = [
      clusterIn("sub-1", "rg", "c-1", [ubuntu("a")]),
      clusterIn("sub-1", "rg", "c-10", [ubuntu("b")]),
      clusterIn("sub-10", "rg", "c-1", [ubuntu("c")]),
      longest,
    ];
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    for (const cluster of clusters) await repo.recordCluster("2026-01-10", cluster, snapshots(cluster));
    // Recorded again with one pool fewer: the pool it lost goes, whatever the length of its key.
    const shrunk = { ...longest, nodePools: [ubuntu("a")] };
    await repo.recordCluster("2026-01-10", shrunk, snapshots(shrunk));

    const pools = async (filter: Parameters<typeof repo.listPools>[1]) =>
      (await repo.listPools("2026-01-10", filter))
        .map((p) => `${p.ref.subscriptionId}/${p.ref.cluster}/${p.ref.pool}`)
        .sort();
    expect(await pools({ cluster: (clusters[0] as Cluster).id })).toEqual(["sub-1/c-1/a"]);
    expect(await pools({ cluster: (clusters[1] as Cluster).id })).toEqual(["sub-1/c-10/b"]);
    expect(await pools({ subscriptionId: "SUB-1" })).toEqual([
      "sub-1/c-1/a",
      "sub-1/c-10/b",
      `sub-1/${"k".repeat(63)}/a`,
    ]);
    expect(await pools({ subscriptionId: "sub-10" })).toEqual(["sub-10/c-1/c"]);
    expect(await pools({ cluster: longest.id })).toEqual([`sub-1/${"k".repeat(63)}/a`]);
  });

  it("replaces a cluster's pools when its recording is retried, keeping errors recorded meanwhile", async () => {
    const repo = store.fresh().inventory;
    const first = aCluster({ name: "c" }, [ubuntu("a"), ubuntu("b")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", first, snapshots(first));
    await repo.recordClusterError("2026-01-10", first.id, {
      stage: "dependencies",
      message: "timeout",
      at: "t",
    });
    const retried = aCluster({ name: "c" }, [ubuntu("a")]);
    await repo.recordCluster("2026-01-10", retried, snapshots(retried));
    expect((await repo.listPools("2026-01-10")).map((p) => p.ref.pool)).toEqual(["a"]);
    expect((await repo.listClusters("2026-01-10"))[0]?.errors.map((e) => e.message)).toEqual(["timeout"]);
  });

  it("records a page of clusters at once as recordCluster records each, replacing what was recorded", async () => {
    const repo = store.fresh().inventory;
    const before = aCluster({ name: "c" }, [ubuntu("a"), ubuntu("b")]);
    const page = [aCluster({ name: "c" }, [ubuntu("a")]), aCluster({ name: "d" }, [azureLinux2("x")])];
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", before, snapshots(before));
    await repo.recordClusters(
      "2026-01-10",
      page.map((cluster) => ({ cluster, pools: snapshots(cluster) })),
    );
    expect((await repo.listPools("2026-01-10")).map((p) => `${p.ref.cluster}/${p.ref.pool}`).sort()).toEqual([
      "c/a",
      "d/x",
    ]);
    expect((await repo.listClusters("2026-01-10")).map((c) => c.poolNames)).toEqual([["a"], ["x"]]);
    await repo.finishScan("2026-01-10", { finishedAt: "2026-01-10T02:10:00Z", incompleteReasons: [] });
    await expect(repo.recordClusters("2026-01-10", [{ cluster: before, pools: [] }])).rejects.toThrow();
  });

  it("keeps every error when several writers record them on one cluster at once", async () => {
    const state = store.fresh();
    const repo = state.inventory;
    const cluster = aCluster({ name: "c" }, [ubuntu("a")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", cluster, snapshots(cluster));
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        state.another().inventory.recordClusterError("2026-01-10", cluster.id, {
          stage: "dependencies",
          message: `e${n}`,
          at: "t",
        }),
      ),
    );
    const errors = (await repo.listClusters("2026-01-10"))[0]?.errors.map((e) => e.message).sort();
    expect(errors).toEqual(["e1", "e2", "e3", "e4"]);
  });

  it("begins a scan once when two writers begin it at once: both get the one recorded", async () => {
    const state = store.fresh();
    const [first, second] = await Promise.all([
      state.inventory.beginScan("2026-01-10", "2026-01-10T02:00:00Z"),
      state.another().inventory.beginScan("2026-01-10", "2026-01-10T02:00:01Z"),
    ]);
    expect(first).toEqual(second);
    expect(await state.inventory.getScan("2026-01-10")).toEqual(first);
  });

  it("records an error once when a retried activity records it again", async () => {
    const repo = store.fresh().inventory;
    const cluster = aCluster({ name: "c" }, [ubuntu("a")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await repo.recordCluster("2026-01-10", cluster, snapshots(cluster));
    const failure = { stage: "dependencies" as const, message: "connect ECONNREFUSED" };
    await repo.recordClusterError("2026-01-10", cluster.id, { ...failure, at: "2026-01-10T02:05:00Z" });
    // The activity ran again (its first result was lost) and failed the same way a moment later.
    await repo.recordClusterError("2026-01-10", cluster.id, { ...failure, at: "2026-01-10T02:06:00Z" });
    // A listing retried after an unreadable row was recorded.
    const unreadable = { stage: "inventory" as const, message: "no kubernetesVersion", at: "t" };
    await repo.recordClusterError("2026-01-10", cluster.id, unreadable);
    await repo.recordClusterError("2026-01-10", cluster.id, unreadable);
    expect((await repo.listClusters("2026-01-10"))[0]?.errors).toEqual([
      { ...failure, at: "2026-01-10T02:05:00Z" },
      unreadable,
    ]);
  });

  it("returns the recorded scan when begun twice, and refuses writes to unknown or finished scans", async () => {
    const repo = store.fresh().inventory;
    const first = await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    expect(await repo.beginScan("2026-01-10", "2026-01-10T09:00:00Z")).toEqual(first);
    const cluster = aCluster({ name: "c" }, [ubuntu("a")]);
    await expect(repo.recordCluster("2026-01-09", cluster, snapshots(cluster))).rejects.toThrow(
      "scan 2026-01-09 was never begun",
    );
    await repo.finishScan("2026-01-10", { finishedAt: "2026-01-10T02:10:00Z", incompleteReasons: [] });
    await expect(repo.recordCluster("2026-01-10", cluster, snapshots(cluster))).rejects.toThrow(
      "scan 2026-01-10 is already finished (complete)",
    );
    await expect(repo.beginScan("yesterday", "x")).rejects.toThrow('scan id "yesterday" must be a UTC day');
  });

  it("does not move the latest pointer back when an older scan finishes last", async () => {
    const repo = store.fresh().inventory;
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    await record(repo, "2026-01-11", [aCluster({ name: "c" }, [ubuntu("a")])]);
    await repo.finishScan("2026-01-10", { finishedAt: "2026-01-11T05:00:00Z", incompleteReasons: [] });
    expect((await repo.latestScan())?.scanId).toBe("2026-01-11");
  });
});

describe("TableInventoryRepository", () => {
  it("reads a cluster's or a subscription's pools as a row-key range, not a scan of the partition", async () => {
    const store = tables.store();
    const repo = new TableInventoryRepository(store);
    const cluster = clusterIn("sub-1", "rg", "c-1", [ubuntu("a")]);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    const client: TableClient = await store.table("Snapshots");
    const filters: string[] = [];
    const listEntities = client.listEntities.bind(client);
    client.listEntities = ((options) => {
      filters.push(String(options?.queryOptions?.filter));
      return listEntities(options);
    }) as typeof client.listEntities;
    await repo.recordCluster("2026-01-10", cluster, snapshots(cluster));
    await repo.listPools("2026-01-10", { subscriptionId: "sub-1" });
    await repo.listPools("2026-01-10", { cluster: cluster.id });

    const clusterRange =
      "RowKey ge 'p|%2Fsubscriptions%2Fsub-1%2Fresourcegroups%2Frg%2Fproviders%2Fmicrosoft.containerservice%2Fmanagedclusters%2Fc-1%2Fagentpools%2F'";
    expect(filters).toHaveLength(3);
    expect(filters[0]).toContain(clusterRange);
    expect(filters[1]).toContain("RowKey ge 'p|%2Fsubscriptions%2Fsub-1%2F'");
    expect(filters[2]).toContain(clusterRange);
  });

  it("keeps a snapshot in one partition: the latest snapshot is a single partition query", async () => {
    const store = tables.store();
    const repo = new TableInventoryRepository(store);
    const cluster = aCluster({ name: "one" }, [ubuntu("a"), ubuntu("b")]);
    await record(repo, "2026-01-10", [cluster]);
    const latest = await repo.latestScan();
    const client: TableClient = await store.table("Snapshots");
    const partitions = new Set<string>();
    for await (const row of client.listEntities()) partitions.add(row.partitionKey as string);
    expect([...partitions]).toEqual([latest?.scanId]);
  });

  it("writes a cluster of over 99 pools with its row last: a crash between transactions leaves no row", async () => {
    const store = tables.store();
    const repo = new TableInventoryRepository(store);
    const cluster = aCluster(
      { name: "wide" },
      Array.from({ length: 150 }, (_, i) => ubuntu(`p${i}`)),
    );
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    const client: TableClient = await store.table("Snapshots");
    const submitTransaction = client.submitTransaction.bind(client);
    let transactions = 0;
    client.submitTransaction = (async (actions) => {
      if (++transactions === 2) throw new Error("the process died");
      return submitTransaction(actions);
    }) as typeof client.submitTransaction;
    await expect(repo.recordCluster("2026-01-10", cluster, snapshots(cluster))).rejects.toThrow("died");
    // No row names pools that were never written, so finishing the scan sees the cluster missing.
    expect(await repo.listClusters("2026-01-10")).toEqual([]);

    await repo.recordCluster("2026-01-10", cluster, snapshots(cluster));
    const [row] = await repo.listClusters("2026-01-10");
    expect(row?.poolNames).toHaveLength(150);
    expect(await repo.listPools("2026-01-10")).toHaveLength(150);
  });

  it("retries a wide cluster's row alone when another writer changed it while its pool rows were written", async () => {
    const store = tables.store();
    const repo = new TableInventoryRepository(store);
    await repo.beginScan("2026-01-10", "2026-01-10T02:00:00Z");
    const wide = aCluster(
      { name: "wide" },
      Array.from({ length: 150 }, (_, i) => ubuntu(`p${i}`)),
    );
    await repo.recordCluster("2026-01-10", wide, snapshots(wide));
    // Listed again with 40 pools: 40 upserts, 110 deletes and the row, in two transactions.
    const narrow = { ...wide, nodePools: wide.nodePools.slice(0, 40) };
    const client: TableClient = await store.table("Snapshots");
    const submitTransaction = client.submitTransaction.bind(client);
    let raced = false;
    client.submitTransaction = (async (actions) => {
      const holdsRow = actions.some(([, entity]) => String(entity.rowKey).startsWith("c|"));
      if (holdsRow && !raced) {
        raced = true;
        // The dependency scan records its failure on the row meanwhile.
        await repo.recordClusterError("2026-01-10", wide.id, {
          stage: "dependencies",
          message: "connect ECONNREFUSED",
          at: "2026-01-10T02:05:00Z",
        });
      }
      return submitTransaction(actions);
    }) as typeof client.submitTransaction;
    await repo.recordCluster("2026-01-10", narrow, snapshots(narrow));
    expect(raced).toBe(true);
    expect(await repo.listPools("2026-01-10")).toHaveLength(40);
    const [row] = await repo.listClusters("2026-01-10");
    expect(row?.poolNames).toHaveLength(40);
  });
});
