// Finishing a scan, safe to run again after a crash: a scan whose row is missing is begun again, one
// finished already is finished again as it was (moving the latest pointers a crash may have left behind), and failures the fan-out could not store are recorded. A scan
// is never counted complete while clusters the listing returned have no rows (writes lost after they
// were acknowledged): the fleet is listed and recorded again, and what still misses makes the scan
// incomplete, with the reason. The listing arrives as counts, so the scan's history stays small.

import type { FleetListing, ListingCount, ScanFinish } from "../domain/inventory/scan-steps.ts";
import type { DependencyRepository } from "../domain/ports/dependencies.ts";
import type { FleetSource } from "../domain/ports/fleet.ts";
import type { InventoryRepository, ScanSummary } from "../domain/ports/inventory.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import { inventoryFailed } from "../domain/records/scan-records.ts";
import { listAndRecordFleet } from "./list-fleet.ts";
import { recordDependencyFailure } from "./scan-dependencies.ts";

type FinishScanDeps = {
  fleet: FleetSource;
  inventory: InventoryRepository;
  notices: NoticeRepository;
  dependencies: DependencyRepository;
};

export async function finishInventoryScan(deps: FinishScanDeps, finish: ScanFinish): Promise<ScanSummary> {
  const scan = await deps.inventory.beginScan(finish.scanId, finish.startedAt);
  if (scan.status !== "running") {
    // Finished before a crash that may have come before the latest pointers moved: finish it as it was.
    return deps.inventory.finishScan(finish.scanId, {
      finishedAt: scan.finishedAt ?? finish.finishedAt,
      incompleteReasons: scan.incompleteReasons,
    });
  }
  const redone = await redoMissingListing(deps, finish);
  for (const { clusterId, error } of finish.unrecorded) {
    await recordDependencyFailure(deps, clusterId, {
      scanId: finish.scanId,
      at: finish.finishedAt,
      message: error,
    });
  }
  return deps.inventory.finishScan(finish.scanId, {
    finishedAt: finish.finishedAt,
    // Listing again may say what the first listing said (rows it could not read, a truncated scope).
    incompleteReasons: [...new Set([...finish.incompleteReasons, ...redone])],
  });
}

/**
 * Listed clusters and their pools as the scan's rows have them. A row holding only an inventory error is
 * not a listed cluster; a row holding only a dependency error (its listing lost) names no pools, and
 * every AKS cluster has a system pool, so the pool count shows it.
 */
async function countRecorded(inventory: InventoryRepository, scanId: string): Promise<ListingCount> {
  const rows = (await inventory.listClusters(scanId)).filter((row) => !inventoryFailed(row));
  return { clusters: rows.length, pools: rows.reduce((sum, row) => sum + row.poolNames.length, 0) };
}

function missing(recorded: ListingCount, listed: ListingCount): boolean {
  return recorded.clusters < listed.clusters || recorded.pools < listed.pools;
}

/** The reasons the scan is incomplete after redoing the listing's writes; none when nothing was missing. */
async function redoMissingListing(deps: FinishScanDeps, finish: ScanFinish): Promise<string[]> {
  if (!missing(await countRecorded(deps.inventory, finish.scanId), finish.listed)) return [];
  let relisted: FleetListing;
  try {
    relisted = await listAndRecordFleet(deps, finish, new Date(finish.finishedAt));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return [`clusters listed earlier had no snapshot rows, and listing the fleet again failed: ${message}`];
  }
  // Measured against the first listing: a cluster it returned that has no rows now was not scanned.
  const { listed } = finish;
  const recorded = await countRecorded(deps.inventory, finish.scanId);
  return [
    ...relisted.incompleteReasons,
    ...(missing(recorded, listed)
      ? [
          `${listed.clusters} cluster(s) with ${listed.pools} pool(s) were listed, ` +
            `but only ${recorded.clusters} with ${recorded.pools} pool(s) are recorded`,
        ]
      : []),
  ];
}
