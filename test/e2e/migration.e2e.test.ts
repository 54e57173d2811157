// Pool migrations end to end on the demo fleet: the product's HTTP API, the embedded host running the
// real orchestrations, the simulated fleet's ARM and Kubernetes APIs, SQLite state, on one virtual clock.
// People answer gates through the API (migration-driver.ts); the simulator's ledger says afterwards what
// a real cluster cannot: budgets broken, pods lost, node-hours per pool.

import { describe, expect, it } from "vitest";
import {
  ANA,
  approveAll,
  BEN,
  clusterState,
  driveMigration,
  scannedDemoPerTest,
  startMigration,
} from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const demo = scannedDemoPerTest();

describe("pool migration on the simulated fleet", () => {
  it("moves aks-prod-eus/batch to AzureLinux3 with two people approving: old pool gone, every pod on the new one, no budget broken, no pod lost", async () => {
    const environment = await demo();
    const id = await startMigration(environment, "aks-prod-eus", "batch");
    const migration = await driveMigration(environment, id, approveAll(environment));
    expect(migration.outcome, JSON.stringify(migration.history.slice(-5))).toBe("succeeded");
    expect(migration.nodes).toEqual({ drained: 4, total: 4 });
    // The health watch's last look during the drain, as people read it.
    expect(migration.health).toMatchObject({ verdict: "healthy", signals: [] });
    expect(Date.parse(migration.health.at)).toBeGreaterThan(Date.parse(migration.requestedAt));

    const { cluster, pods, nodes } = clusterState(environment, "aks-prod-eus");
    expect([...cluster.pools.keys()].sort()).toEqual(["batchal3", "system"]);
    const newNodes = nodes.filter((n) => n.metadata.labels.agentpool === "batchal3");
    expect(newNodes).toHaveLength(4);
    expect(
      newNodes.every((n) => n.metadata.labels["kubernetes.azure.com/os-sku-effective"] === "AzureLinux3"),
    ).toBe(true);
    const workers = pods.filter((p) => p.metadata.namespace === "batch" && !p.metadata.deletionTimestamp);
    expect(workers).toHaveLength(8);
    expect(
      workers.every(
        (p) => p.status.phase === "Running" && newNodes.some((n) => n.metadata.name === p.spec.nodeName),
      ),
    ).toBe(true);

    const ledger = environment.sim.ledger();
    expect(ledger.pdbViolations).toEqual([]);
    expect(ledger.outages).toEqual([]);
    expect(ledger.lostPods).toEqual([]);
    const hours = (pool: string) =>
      ledger.nodeHours.find((h) => h.cluster === "aks-prod-eus" && h.pool === pool)?.nodeHours ?? 0;
    expect(hours("batchal3")).toBeGreaterThan(0);
    expect(migration.summary.overlapNodeHours).toBeGreaterThan(0);
    // Two people answered; the history says who.
    const answers = migration.history.filter((h: Json) => /^gate (start|cutover): approve/.test(h.event));
    expect(answers.map((h: Json) => h.by)).toEqual([ANA.name, BEN.name]);
  });

  it("updates aks-dev-weu/ubuntu to AzureLinux3 in place when policy prefers it: the same pool reimaged, no pod lost", async () => {
    const environment = await demo();
    const id = await startMigration(environment, "aks-dev-weu", "ubuntu", { preferredStrategy: "in-place" });
    const migration = await driveMigration(environment, id, approveAll(environment));
    expect(migration.outcome, JSON.stringify(migration.history.slice(-5))).toBe("succeeded");
    expect(migration.strategy).toBe("in-place");
    const { cluster, nodes } = clusterState(environment, "aks-dev-weu");
    expect([...cluster.pools.keys()].sort()).toEqual(["system", "ubuntu"]);
    const reimaged = nodes.filter((n) => n.metadata.labels.agentpool === "ubuntu");
    expect(reimaged.length).toBeGreaterThan(0);
    expect(
      reimaged.every((n) => n.metadata.labels["kubernetes.azure.com/os-sku-effective"] === "AzureLinux3"),
    ).toBe(true);
    const ledger = environment.sim.ledger();
    expect(ledger.pdbViolations).toEqual([]);
    expect(ledger.outages).toEqual([]);
    expect(ledger.lostPods).toEqual([]);
  });
});
