// The fleet rollout plan from the product's state: the latest inventory (pools an incomplete scan missed
// carried forward), the calendar as it stands (base and notices), the dependency scans' risks, and the
// drain times past migrations measured. POST /api/rollouts/plan answers it; the fleet rollout can call it.

import type { PriceTable } from "../domain/cost/cost.ts";
import type { Cluster } from "../domain/fleet/model.ts";
import type { Calendar } from "../domain/lifecycle/lifecycle-calendar.ts";
import type { MigrationRecord } from "../domain/migration/migration-record.ts";
import type { DependencyRepository } from "../domain/ports/dependencies.ts";
import type { InventoryRepository, KnownPool, ScanSummary } from "../domain/ports/inventory.ts";
import type { MigrationRepository } from "../domain/ports/migrations.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import type { PoolMigrationRisk } from "../domain/risk/migration-risk.ts";
import { planRollout, type RolloutPlan } from "../domain/rollout/rollout-plan.ts";
import type { RolloutPolicy } from "../domain/rollout/rollout-policy.ts";
import { currentCalendar } from "../inventory/current-calendar.ts";
import { ScannedClusters } from "../inventory/current-pools.ts";

export interface RolloutPlanPorts {
  inventory: InventoryRepository;
  notices: NoticeRepository;
  dependencies: DependencyRepository;
  migrations: MigrationRepository;
  prices: PriceTable;
}

/** The fleet as the latest inventory knows it, with the calendar it is judged by. */
export interface CurrentFleet {
  scan: ScanSummary;
  calendar: Calendar;
  clusters: Cluster[];
  pools: KnownPool[];
}

export const NO_INVENTORY =
  "no inventory scan has finished yet: run a scan first (POST /api/inventory/scans)";

/** The latest known fleet, or undefined before any scan has finished. */
export async function currentFleet(
  deps: Pick<RolloutPlanPorts, "inventory" | "notices">,
): Promise<CurrentFleet | undefined> {
  const scan = await deps.inventory.latestScan();
  if (!scan) return undefined;
  const pools = await deps.inventory.latestKnownPools();
  const listed = await ScannedClusters.read(
    deps.inventory,
    pools.map((pool) => pool.scanId),
  );
  const clusters = new Map<string, Cluster>();
  // Pools of the latest scan come first: a cluster takes its row from the latest scan that saw it.
  for (const { ref, pool, scanId } of pools) {
    const key = ref.clusterId.toLowerCase();
    const cluster = listed.of(scanId, ref.clusterId);
    // A pool whose cluster row a scan lost cannot be judged (no Kubernetes version, no tags).
    if (!cluster) continue;
    const entry = clusters.get(key) ?? { ...cluster, nodePools: [] };
    entry.nodePools.push(pool);
    clusters.set(key, entry);
  }
  return { scan, calendar: await currentCalendar(deps.notices), clusters: [...clusters.values()], pools };
}

/** Each cluster's latest dependency results by lower-case ARM id; clusters never scanned are absent. */
async function risksOf(
  dependencies: DependencyRepository,
  clusters: readonly Cluster[],
): Promise<Map<string, readonly PoolMigrationRisk[]>> {
  const risks = new Map<string, readonly PoolMigrationRisk[]>();
  for (const cluster of clusters) {
    const found = await dependencies.clusterDependencies(cluster.id);
    if (found) risks.set(cluster.id.toLowerCase(), found.pools);
  }
  return risks;
}

export type RolloutPlanResult =
  | { kind: "planned"; plan: RolloutPlan }
  | { kind: "no-inventory"; reason: string };

/** The plan for a fleet already read, with the migrations already listed (their drain times). */
export async function planOnFleet(
  ports: Pick<RolloutPlanPorts, "dependencies" | "prices">,
  fleet: CurrentFleet,
  history: readonly MigrationRecord[],
  policy: RolloutPolicy,
  now: Date,
): Promise<RolloutPlan> {
  return planRollout({
    now,
    clusters: fleet.clusters,
    calendar: fleet.calendar,
    policy,
    prices: ports.prices,
    risks: await risksOf(ports.dependencies, fleet.clusters),
    history,
  });
}

export async function planFleetRollout(
  ports: RolloutPlanPorts,
  policy: RolloutPolicy,
  now: Date,
): Promise<RolloutPlanResult> {
  const fleet = await currentFleet(ports);
  if (!fleet) return { kind: "no-inventory", reason: NO_INVENTORY };
  const history = await ports.migrations.list();
  return { kind: "planned", plan: await planOnFleet(ports, fleet, history, policy, now) };
}
