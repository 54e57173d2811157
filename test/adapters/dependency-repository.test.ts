import { describe, expect, it } from "vitest";
import type { PoolMigrationRisk, RiskReason } from "../../shared/domain/risk/migration-risk.ts";
import { RISK_RULES } from "../../shared/domain/risk/migration-risk.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores } = useStateStores();
const CLUSTER =
  "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod#1";

function reason(code: keyof typeof RISK_RULES, name: string, detail = "found"): RiskReason {
  return {
    code,
    severity: RISK_RULES[code].severity,
    workload: { kind: "Deployment", namespace: "apps", name },
    detail,
    fix: RISK_RULES[code].fix,
  };
}

function risk(pool: string, reasons: RiskReason[]): PoolMigrationRisk {
  return { pool, nodes: [`aks-${pool}-0`], complexity: reasons.length > 0 ? "complex" : "simple", reasons };
}

describe.each(stores)("DependencyRepository on $name", (store) => {
  it("stores each pool's migration risk for the cluster and replaces them on the next scan", async () => {
    const repo = store.fresh().dependencies;
    const apps = risk("apps", [reason("single-replica", "api"), reason("no-pdb", "web")]);
    await repo.recordDependencies(CLUSTER, {
      scanId: "2026-01-10",
      scannedAt: "2026-01-10T02:03:00Z",
      pools: [apps, risk("sys", [])],
    });
    const first = await repo.clusterDependencies(CLUSTER.toUpperCase());
    expect(first).toEqual({
      clusterId: CLUSTER,
      scanId: "2026-01-10",
      scannedAt: "2026-01-10T02:03:00Z",
      pools: [apps, risk("sys", [])],
    });

    await repo.recordDependencies(CLUSTER, {
      scanId: "2026-01-11",
      scannedAt: "2026-01-11T02:03:00Z",
      pools: [risk("sys", [])],
    });
    const second = await repo.clusterDependencies(CLUSTER);
    expect(second?.scanId).toBe("2026-01-11");
    expect(second?.pools.map((p) => p.pool)).toEqual(["sys"]);
    expect(await repo.clusterDependencies("/subscriptions/s/unknown")).toBeUndefined();
  });

  it("keeps the last good results when a cluster's scan fails, and says so", async () => {
    const repo = store.fresh().dependencies;
    const apps = risk("apps", [reason("bare-pod", "debug")]);
    await repo.recordDependencies(CLUSTER, {
      scanId: "2026-01-10",
      scannedAt: "2026-01-10T02:03:00Z",
      pools: [apps],
    });
    const error = { scanId: "2026-01-11", at: "2026-01-11T02:04:00Z", message: "Unauthorized" };
    await repo.recordDependencyError(CLUSTER, error);
    expect(await repo.clusterDependencies(CLUSTER)).toMatchObject({
      scanId: "2026-01-10",
      pools: [apps],
      lastError: error,
    });

    const never =
      "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/never";
    await repo.recordDependencyError(never, error);
    expect(await repo.clusterDependencies(never)).toMatchObject({ pools: [], lastError: error });
  });

  it("splits a result over 64 KiB across properties and keeps every reason", async () => {
    const repo = store.fresh().dependencies;
    const reasons = Array.from({ length: 400 }, (_, i) => reason("no-pdb", `web-${i}`, "x".repeat(500)));
    const big = risk("apps", reasons);
    expect(JSON.stringify(big).length).toBeGreaterThan(3 * 32_768);
    await repo.recordDependencies(CLUSTER, { scanId: "s", scannedAt: "t", pools: [big] });
    const stored = (await repo.clusterDependencies(CLUSTER))?.pools[0];
    expect(stored).toEqual(big);
    expect(stored?.omitted).toBeUndefined();
  });

  it("keeps a result over Table Storage's 1 MiB entity limit whole, or summarises it: the most severe reasons kept, the rest counted by code", async () => {
    const repo = store.fresh().dependencies;
    const severe = Array.from({ length: 50 }, (_, i) =>
      reason("pdb-blocks-drain", `pdb-${i}`, "y".repeat(2000)),
    );
    const caution = Array.from({ length: 600 }, (_, i) =>
      reason("empty-dir", `cache-${i}`, "z".repeat(2000)),
    );
    const huge = risk("apps", [...severe, ...caution]);
    expect(JSON.stringify(huge).length * 2).toBeGreaterThan(1_048_576);
    await repo.recordDependencies(CLUSTER, { scanId: "s", scannedAt: "t", pools: [huge] });
    const stored = (await repo.clusterDependencies(CLUSTER))?.pools[0];
    const kept = stored?.reasons.length ?? 0;
    expect(stored?.reasons.slice(0, 50)).toEqual(severe);
    expect(stored?.complexity).toBe("complex");
    if (!store.entityLimit) {
      expect(stored).toEqual(huge);
      return;
    }
    expect(kept).toBeLessThan(650);
    expect(stored?.omitted).toEqual({ reasons: 650 - kept, byCode: { "empty-dir": 650 - kept } });
  });

  it("records results and errors from several writers: the latest results win, the error stays with them", async () => {
    const state = store.fresh();
    const apps = risk("apps", [reason("single-replica", "api")]);
    const error = { scanId: "2026-01-11", at: "2026-01-11T02:04:00Z", message: "Unauthorized" };
    await state.dependencies.recordDependencies(CLUSTER, {
      scanId: "2026-01-10",
      scannedAt: "2026-01-10T02:03:00Z",
      pools: [apps],
    });
    await state.another().dependencies.recordDependencyError(CLUSTER, error);
    expect(await state.another().dependencies.clusterDependencies(CLUSTER)).toEqual({
      clusterId: CLUSTER,
      scanId: "2026-01-10",
      scannedAt: "2026-01-10T02:03:00Z",
      pools: [apps],
      lastError: error,
    });
    // A later good scan clears the error.
    await state.dependencies.recordDependencies(CLUSTER, {
      scanId: "2026-01-12",
      scannedAt: "2026-01-12T02:03:00Z",
      pools: [apps],
    });
    expect(await state.another().dependencies.clusterDependencies(CLUSTER)).not.toHaveProperty("lastError");
  });
});
