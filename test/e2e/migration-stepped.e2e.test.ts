// The pools in step with the drain, end to end on the demo fleet: the new pool created short of whole and
// grown ahead of the drain, the old pool's drained machines deleted (AKS deleteMachines) behind it, batches cut by the disruption budgets. The simulator's ledger says what a
// real cluster cannot: budgets broken, pods lost, node-hours per pool.

import { describe, expect, it } from "vitest";
import type { Environment } from "./environment.ts";
import {
  approveAll,
  clusterState,
  driveMigration,
  expectLedgerClean,
  expectWorkersServedBy,
  migrationPath,
  post,
  RITA,
  scannedDemoPerTest,
  startMigration,
} from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const demo = scannedDemoPerTest();
const STEPPED = { batchSize: "auto", newPoolGrowth: "with-drain", oldPoolShrink: "with-drain" };

/** The live nodes of each pool of the cluster, as the Kubernetes API lists them. */
function poolSizes(environment: Environment): { batch: number; batchal3: number } {
  const { nodes } = clusterState(environment, "aks-prod-eus");
  const count = (pool: string) => nodes.filter((n) => n.metadata.labels.agentpool === pool).length;
  return { batch: count("batch"), batchal3: count("batchal3") };
}

/** Drives the migration, noting each change of the pools' sizes on the way. */
async function driveWatchingPools(
  environment: Environment,
  id: string,
  extra: Parameters<typeof driveMigration>[3] = {},
) {
  const sizes: { batch: number; batchal3: number }[] = [];
  const migration = await driveMigration(environment, id, approveAll(environment), {
    ...extra,
    onStep: (record) => {
      const now = poolSizes(environment);
      const last = sizes.at(-1);
      if (!last || last.batch !== now.batch || last.batchal3 !== now.batchal3) sizes.push(now);
      extra.onStep?.(record);
    },
  });
  return { migration, sizes };
}

describe("pool migration with the pools in step with the drain", () => {
  it("grows aks-prod-eus/batchal3 as aks-prod-eus/batch shrinks: never both at full size, no budget broken, no pod lost", async () => {
    const environment = await demo();
    const id = await startMigration(environment, "aks-prod-eus", "batch", STEPPED);
    const { migration, sizes } = await driveWatchingPools(environment, id);
    expect(migration.outcome, JSON.stringify(migration.history.slice(-5))).toBe("succeeded");
    expect(migration.nodes).toEqual({ drained: 4, total: 4 });

    // The new pool only grows, from fewer than four nodes; the old one only shrinks, to none.
    const grown = sizes.map((s) => s.batchal3).filter((n) => n > 0);
    expect(grown[0]).toBeLessThan(4);
    expect(grown).toEqual([...grown].sort((a, b) => a - b));
    expect(grown.at(-1)).toBe(4);
    // Its drained machines go before the retention, once their evicted pods have shut down.
    const old = sizes.map((s) => s.batch);
    expect(old).toEqual([...old].sort((a, b) => b - a));
    const events = migration.history.map((h: Json) => h.event as string);
    const deleted = events.findIndex((e: string) => e.startsWith("deleted the drained"));
    expect(deleted).toBeGreaterThan(-1);
    expect(deleted).toBeLessThan(events.findIndex((e: string) => e.startsWith("keeping batch")));
    expect(sizes.every((s) => s.batch + s.batchal3 < 8)).toBe(true);

    const { cluster } = clusterState(environment, "aks-prod-eus");
    expect([...cluster.pools.keys()].sort()).toEqual(["batchal3", "system"]);
    expectWorkersServedBy(environment, "batchal3");
    expectLedgerClean(environment);
    // Every cluster-touching step has its audit record: the machines' deletes and the pool's growth too.
    const audit = (await environment.api(`${migrationPath(id)}/audit`)).body;
    const actions = (audit.records ?? audit).map((r: Json) => `${r.stage} ${r.action}`);
    expect(actions.filter((a: string) => a === "intent delete-machines").length).toBeGreaterThan(0);
    expect(actions.filter((a: string) => a === "outcome delete-machines").length).toBe(
      actions.filter((a: string) => a === "intent delete-machines").length,
    );
  });

  it("rolls back after the old pool shrank: it is scaled back to four nodes, the pods go back to it, the new pool is deleted", async () => {
    const environment = await demo();
    const id = await startMigration(environment, "aks-prod-eus", "batch", STEPPED);
    let asked = false;
    const { migration, sizes } = await driveWatchingPools(environment, id, {
      onStep: () => {
        // Once machines went: at the drain's end or in the retention that follows.
        if (asked || poolSizes(environment).batch === 4) return;
        asked = true;
        void post(environment, `${migrationPath(id)}/rollback`, RITA, { comment: "halfway: go back" });
      },
    });
    expect(asked).toBe(true);
    expect(migration.outcome, JSON.stringify(migration.history.slice(-5))).toBe("rolled-back");
    expect(Math.min(...sizes.map((s) => s.batch))).toBeLessThan(4);
    expect(migration.summary.rolledBack.restored).toContain("batch scaled back to 4 nodes");

    const { cluster, nodes } = clusterState(environment, "aks-prod-eus");
    expect([...cluster.pools.keys()].sort()).toEqual(["batch", "system"]);
    const oldNodes = nodes.filter((n) => n.metadata.labels.agentpool === "batch");
    expect(oldNodes).toHaveLength(4);
    expect(oldNodes.every((n) => !(n.spec.taints ?? []).some((t: Json) => t.key === "lifecycle"))).toBe(true);
    expectWorkersServedBy(environment, "batch");
    expectLedgerClean(environment);
  });
});
