// finish-scan run again on a finished scan (a retried activity) returns the summary as it was: the
// "could not be listed" reason is not added a second time.

import { describe, expect, it } from "vitest";
import { sqliteRepositories } from "../../shared/composition.ts";
import type { FleetSource } from "../../shared/domain/ports/fleet.ts";
import { finishInventoryScan } from "../../shared/inventory/finish-scan.ts";
import { useSqliteFiles } from "../support/state-stores.ts";

const sqlite = useSqliteFiles();
const SCAN = { scanId: "2026-03-03T02:00:00Z", startedAt: "2026-03-03T02:00:00.000Z" };
const CLUSTER =
  "/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/odd";

describe("finish-scan run again on a scan with a cluster that could not be listed", () => {
  it("returns the summary as it was", async () => {
    const state = sqliteRepositories(sqlite.open(sqlite.newFile()));
    const fleet: FleetSource = {
      listClusters: () => Promise.reject(new Error("not listed again in this test")),
    };
    await state.inventory.beginScan(SCAN.scanId, SCAN.startedAt);
    await state.inventory.recordClusterError(SCAN.scanId, CLUSTER, {
      stage: "inventory",
      message: "unreadable row",
      at: SCAN.startedAt,
    });
    const finish = {
      ...SCAN,
      finishedAt: "2026-03-03T02:30:00.000Z",
      incompleteReasons: ["1 managed cluster row(s) could not be read (see the clusters' errors)"],
      unrecorded: [],
      listed: { clusters: 0, pools: 0 },
    };
    const first = await finishInventoryScan({ ...state, fleet }, finish);
    const again = await finishInventoryScan({ ...state, fleet }, finish);
    expect(again).toEqual(first);
  });
});
