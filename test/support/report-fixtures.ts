// A small fleet recorded as an inventory scan records it, and ended migrations as the workflow leaves
// them, for the rollout plan and report use cases and their endpoints.

import type { StateRepositories } from "../../shared/composition.ts";
import { nodeHoursCost, type PriceTable } from "../../shared/domain/cost/cost.ts";
import type { Cluster } from "../../shared/domain/fleet/model.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../../shared/domain/migration/migration-options.ts";
import type { MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import { aMigrationRecord } from "./migration-fixtures.ts";
import { aCluster, aPool, poolSnapshots } from "./pool-fixtures.ts";

/** Planned and reported at noon UTC. */
export const REPORT_NOW = new Date("2026-11-26T12:00:00Z");
const SCAN = "2026-11-26";

/**
 * legacy: AzureLinux (2.0, end of support 2025-11-30) on 1.31; ubuntu: Ubuntu 22.04 on 1.34 (Kubernetes
 * end of support 2027-11); current: Azure Linux 3 on 1.34, supported.
 */
export function reportFleet(): Cluster[] {
  return [
    aCluster({ name: "legacy", kubernetesVersion: "1.31.9", tags: { criticality: "low" } }, [
      aPool({ name: "apps", count: 2 }),
    ]),
    aCluster({ name: "ubuntu", kubernetesVersion: "1.34.1" }, [
      aPool({
        name: "web",
        osSku: "Ubuntu2204",
        orchestratorVersion: "1.34.1",
        nodeImageVersion: "AKSUbuntu-2204gen2containerd-202511.06.0",
        count: 3,
      }),
    ]),
    aCluster({ name: "current", kubernetesVersion: "1.34.1" }, [
      aPool({
        name: "sys",
        mode: "System",
        osSku: "AzureLinux3",
        orchestratorVersion: "1.34.1",
        nodeImageVersion: "AKSAzureLinux-V3gen2-202511.06.0",
      }),
    ]),
  ];
}

export async function recordScan(state: StateRepositories, clusters: readonly Cluster[]): Promise<void> {
  const at = "2026-11-26T02:00:00.000Z";
  await state.inventory.beginScan(SCAN, at);
  for (const cluster of clusters) {
    await state.inventory.recordCluster(SCAN, cluster, poolSnapshots(cluster, new Date(at)));
  }
  await state.inventory.finishScan(SCAN, { finishedAt: at, incompleteReasons: [] });
}

/** A migration that ended with the summary the workflow's close writes. */
export function anEndedMigration(
  prices: PriceTable,
  id: string,
  ended: string,
  usage: { vmSize: string; overlapNodeHours: number; drainingSeconds: number },
  overrides: Partial<MigrationRecord> = {},
): MigrationRecord {
  return aMigrationRecord({
    id,
    phase: "done",
    outcome: "succeeded",
    // Drained node by node: its draining seconds are three nodes' in a row.
    options: { ...DEFAULT_MIGRATION_OPTIONS, batchSize: 1 },
    nodes: { drained: 3, total: 3 },
    summary: {
      overlapNodeHours: usage.overlapNodeHours,
      cost: nodeHoursCost(prices, [{ vmSize: usage.vmSize, nodeHours: usage.overlapNodeHours }]),
      phaseSeconds: { draining: usage.drainingSeconds },
      overrides: [],
      blockers: [],
    },
    revision: 9,
    updatedAt: ended,
    ...overrides,
  });
}
