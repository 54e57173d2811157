// A scan's listing: every cluster Resource Graph returns, its pools assessed against the calendar at
// `now`, recorded in the scan's snapshot page by page. A row that is not a readable cluster is recorded
// as an inventory error on its cluster, which makes the scan incomplete: its pools are carried forward
// from earlier scans, never taken as deleted. Safe to run again: a cluster recorded again replaces its
// rows, and a scan whose row is missing (a write lost) is begun again rather than refused. The clusters
// it returns are those whose workloads this scan scans (all of them unless the scans rotate over nights).

import { poolRef } from "../domain/fleet/model.ts";
import { dependencyScanDue } from "../domain/inventory/dependency-rotation.ts";
import type { FleetListing, ListedCluster, ScanStart } from "../domain/inventory/scan-steps.ts";
import { utcDayOf } from "../domain/lifecycle/calendar-date.ts";
import { poolAssessor } from "../domain/lifecycle/pool-assessment.ts";
import type { FleetSource } from "../domain/ports/fleet.ts";
import type { InventoryRepository, PoolSnapshot } from "../domain/ports/inventory.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import { mapBounded } from "../domain/support/bounded.ts";
import { currentCalendar } from "./current-calendar.ts";

/** Table writes in flight while recording a page's unreadable rows. */
const RECORD_CONCURRENCY = 16;

export async function listAndRecordFleet(
  deps: { fleet: FleetSource; inventory: InventoryRepository; notices: NoticeRepository },
  scan: ScanStart,
  now: Date,
  dependencyRotationNights = 1,
): Promise<FleetListing> {
  const { scanId } = scan;
  const scanDay = utcDayOf(new Date(scan.startedAt));
  const listed = { clusters: 0, pools: 0 };
  await deps.inventory.beginScan(scanId, scan.startedAt);
  const assess = poolAssessor(await currentCalendar(deps.notices), now);
  const clusters: ListedCluster[] = [];
  const report = await deps.fleet.listClusters(async (page) => {
    await deps.inventory.recordClusters(
      scanId,
      page.clusters.map((cluster) => ({
        cluster,
        pools: cluster.nodePools.map(
          (pool): PoolSnapshot => ({
            ref: poolRef(cluster, pool),
            pool,
            assessment: assess(cluster, pool),
          }),
        ),
      })),
    );
    await mapBounded(page.unreadable, RECORD_CONCURRENCY, async (row) => {
      if (row.id === undefined) return;
      await deps.inventory.recordClusterError(scanId, row.id, {
        stage: "inventory",
        message: `Resource Graph returned it in a shape the product cannot read: ${row.problems.join("; ")}`,
        at: now.toISOString(),
      });
    });
    for (const cluster of page.clusters) {
      listed.clusters++;
      listed.pools += cluster.nodePools.length;
      if (dependencyScanDue(cluster.id, scanDay, dependencyRotationNights))
        clusters.push({ id: cluster.id, pools: cluster.nodePools.map((p) => p.name) });
    }
  });
  return {
    clusters,
    listed,
    unreadable: report.unreadable,
    incompleteReasons: report.incompleteReasons,
    stats: report.stats,
  };
}
