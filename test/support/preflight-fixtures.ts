// Preflight facts for plan tests: the risk fixtures' cluster (a system pool, the Azure Linux 2 pool
// "azl2pool" with two nodes, a GPU pool) as ARM and the Kubernetes API would report it.

import type { NodePool } from "../../shared/domain/fleet/model.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../../shared/domain/migration/migration-options.ts";
import type { PreflightFacts } from "../../shared/domain/migration/migration-plan.ts";
import { aCluster, aPool } from "./pool-fixtures.ts";
import { testPriceTable } from "./price-fixtures.ts";
import { baseCluster, type ClientFacts, POOL } from "./risk-fixtures.ts";

export function preflightFacts(
  changes: { pool?: Partial<NodePool>; workloads?: ClientFacts; facts?: Partial<PreflightFacts> } = {},
): PreflightFacts {
  const pool = aPool({
    name: POOL,
    count: 2,
    vmSize: "Standard_D4s_v5",
    provisioningState: "Succeeded",
    powerState: "Running",
    ...changes.pool,
  });
  const cluster = aCluster({ name: "prod-weu" }, [aPool({ name: "system", mode: "System" }), pool]);
  return {
    cluster,
    pool,
    targetOsSku: "AzureLinux3",
    workloads: changes.workloads ?? baseCluster(),
    quota: { family: "standardDSv5Family", limit: 100, used: 10 },
    vcpusPerNode: 4,
    prices: testPriceTable(),
    options: DEFAULT_MIGRATION_OPTIONS,
    now: "2026-12-02T10:00:00Z",
    twoApproversWhere: [],
    ...changes.facts,
  };
}
