// The preflight: reads the pool through ARM, the cluster's workloads through the Kubernetes API and the
// subscription's capacity, changing nothing, and builds the plan (the domain decides everything).

import type { TagSelector } from "../domain/access/approval-policy.ts";
import type { PriceTable } from "../domain/cost/cost.ts";
import { assessDrain } from "../domain/drain/pod-filters.ts";
import { assessPool } from "../domain/lifecycle/pool-assessment.ts";
import { budgetLoad } from "../domain/migration/drain-batches.ts";
import { drainOrder } from "../domain/migration/drain-order.ts";
import type { MigrationOptions } from "../domain/migration/migration-options.ts";
import type { MigrationPlan } from "../domain/migration/migration-plan.ts";
import type { PoolSurvey } from "../domain/migration/pool-survey.ts";
import { buildPlan, controllersOnPool } from "../domain/migration/preflight-plan.ts";
import type { ClusterFactsSource } from "../domain/ports/fleet.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import type { PoolOperations } from "../domain/ports/pool-operations.ts";
import { poolOfNode } from "../domain/workloads/kube-objects.ts";
import { currentCalendar } from "../inventory/current-calendar.ts";

export interface PlanRequest {
  clusterId: string;
  pool: string;
  targetOsSku: string;
  options: MigrationOptions;
  now: string;
}

/** The request names a pool the cluster does not have. */
export class UnknownPoolError extends Error {
  override name = "UnknownPoolError";
}

export async function planMigration(
  ports: {
    pools: PoolOperations;
    clusterFacts: ClusterFactsSource;
    prices: PriceTable;
    accessSettings: { twoApproversWhere: readonly TagSelector[] };
    notices: NoticeRepository;
  },
  request: PlanRequest,
): Promise<MigrationPlan> {
  const cluster = await ports.pools.readCluster(request.clusterId);
  const pool = cluster.nodePools.find((p) => p.name.toLowerCase() === request.pool.toLowerCase());
  if (!pool) {
    throw new UnknownPoolError(
      `cluster ${cluster.name} has no pool "${request.pool}" (its pools: ${cluster.nodePools.map((p) => p.name).join(", ")})`,
    );
  }
  const [workloads, capacity, calendar] = await Promise.all([
    ports.clusterFacts.clusterFacts(cluster.id),
    ports.pools.capacity(cluster.id, cluster.location, pool.vmSize),
    currentCalendar(ports.notices),
  ]);
  const removal = assessPool(cluster, pool, calendar, new Date(request.now)).os.status?.imageRemoval;
  return buildPlan({
    cluster,
    pool,
    targetOsSku: request.targetOsSku,
    workloads,
    ...(capacity.quota ? { quota: capacity.quota } : {}),
    ...(capacity.vcpusPerNode === undefined ? {} : { vcpusPerNode: capacity.vcpusPerNode }),
    prices: ports.prices,
    options: request.options,
    now: request.now,
    twoApproversWhere: ports.accessSettings.twoApproversWhere,
    ...(removal && { oldImageRemoval: { date: removal.date, sourceUrl: removal.sourceUrl } }),
  });
}

export async function surveyPool(
  ports: { pools: PoolOperations; clusterFacts: ClusterFactsSource },
  request: { clusterId: string; pool: string },
): Promise<PoolSurvey> {
  const [pool, workloads] = await Promise.all([
    ports.pools.readPool(request.clusterId, request.pool),
    ports.clusterFacts.clusterFacts(request.clusterId),
  ]);
  if (!pool) throw new UnknownPoolError(`pool ${request.pool} is gone from its cluster`);
  const nodes = workloads.nodes.filter(
    (node) => poolOfNode(node)?.toLowerCase() === request.pool.toLowerCase(),
  );
  const order = drainOrder(nodes, workloads);
  return {
    drainOrder: order,
    budgets: budgetLoad(order, workloads),
    count: pool.count,
    mode: pool.mode,
    ...(pool.enableAutoScaling && {
      autoscaler: {
        ...(pool.minCount !== undefined && { minCount: pool.minCount }),
        ...(pool.maxCount !== undefined && { maxCount: pool.maxCount }),
      },
    }),
    controllers: controllersOnPool(workloads, assessDrain(workloads, new Set(order)).pods),
    watchesRetention: true,
  };
}
