// The rollout's look at a pool before it starts it, over the product's SQLite state: what ARM refuses skips
// the pool, what may pass (throttling, 5xx) is thrown for the retries, and a migration without an outcome
// is under way unless the rollout saw its workflow end.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type StateRepositories, sqliteRepositories } from "../../shared/composition.ts";
import type { Cluster } from "../../shared/domain/fleet/model.ts";
import { type PoolOperations, PoolRequestRefused } from "../../shared/domain/ports/pool-operations.ts";
import { checkRolloutPool } from "../../shared/rollout/check-rollout-pool.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { aMigrationRecord } from "../support/migration-fixtures.ts";
import { aCluster, aPool } from "../support/pool-fixtures.ts";

let directory: string;
let store: SqliteStore;
let state: StateRepositories;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "check-rollout-pool-"));
  store = new SqliteStore(join(directory, "state.sqlite"));
  state = sqliteRepositories(store);
});

afterEach(() => {
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

const CLUSTER = aCluster({ name: "aks-prod-eus" }, [aPool({ name: "batch", osSku: "AzureLinux" })]);

function armReading(read: () => Promise<Cluster>): PoolOperations {
  return { readCluster: read } as unknown as PoolOperations;
}

function check(pools: PoolOperations, endedMigrations: string[] = []) {
  return checkRolloutPool(
    { pools, migrations: state.migrations },
    {
      clusterId: CLUSTER.id,
      pool: "batch",
      fromOsSku: "AzureLinux",
      targetOsSku: "AzureLinux3",
      plannedPools: ["batch"],
      endedMigrations,
    },
  );
}

describe("checkRolloutPool", () => {
  it("skips a pool whose cluster ARM refuses to read, and throws what may pass", async () => {
    const gone = armReading(async () => {
      throw new PoolRequestRefused(404, "ResourceNotFound", "the cluster is not found");
    });
    expect(await check(gone)).toEqual({
      kind: "skip",
      why: "ARM refused to read the cluster: the cluster is not found",
      unplanned: [],
    });
    const throttled = armReading(async () => {
      throw Object.assign(new Error("Too many requests"), { statusCode: 429 });
    });
    await expect(check(throttled)).rejects.toThrow("Too many requests");
  });

  it("takes a record without outcome as under way, unless the rollout saw that workflow end", async () => {
    const crashed = aMigrationRecord({ id: "migration:aks-prod-eus:batch:hash:1", clusterId: CLUSTER.id });
    await state.migrations.save(crashed);
    const reachable = armReading(async () => CLUSTER);
    expect(await check(reachable)).toMatchObject({
      kind: "skip",
      why: `migration ${crashed.id} is under way`,
    });
    expect(await check(reachable, [crashed.id])).toEqual({ kind: "ready", attempt: 2, unplanned: [] });
  });
});
