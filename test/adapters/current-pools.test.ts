// Pools as they stand now, through both state stores: a pool carried forward from an earlier scan is
// assessed with its own scan's cluster row, and the latest scan's pools with the latest row.
import { describe, expect, it } from "vitest";
import { currentPools } from "../../shared/inventory/current-pools.ts";
import { aCluster, aPool, day, poolSnapshots } from "../support/pool-fixtures.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores } = useStateStores();
const NOW = day("2026-03-15");

describe.each(stores)("currentPools on $name", (store) => {
  it("assesses each pool with the cluster row of the scan that saw it", async () => {
    const { inventory, notices } = store.fresh();
    // Kubernetes 1.31: past its community end of support on 2026-03-15, within long-term support.
    const apps = aPool({ name: "apps", orchestratorVersion: "1.31.9" });
    const community = aCluster({ kubernetesVersion: "1.31.9", supportPlan: "KubernetesOfficial" }, [
      apps,
      aPool({ name: "batch", orchestratorVersion: "1.31.9" }),
    ]);
    await inventory.beginScan("2026-03-01", "2026-03-01T02:00:00Z");
    await inventory.recordCluster("2026-03-01", community, poolSnapshots(community, NOW));
    await inventory.finishScan("2026-03-01", { finishedAt: "2026-03-01T03:00:00Z", incompleteReasons: [] });
    // Since then: moved to long-term support, pool "batch" deleted, and the scan incomplete.
    const lts = { ...community, supportPlan: "AKSLongTermSupport", nodePools: [apps] };
    await inventory.beginScan("2026-03-10", "2026-03-10T02:00:00Z");
    await inventory.recordCluster("2026-03-10", lts, poolSnapshots(lts, NOW));
    await inventory.finishScan("2026-03-10", {
      finishedAt: "2026-03-10T03:00:00Z",
      incompleteReasons: ["another cluster could not be listed"],
    });

    const { pools } = await currentPools({ inventory, notices }, NOW);
    const standing = pools.map((p) => [p.known.ref.pool, p.known.stale, p.assessment.kubernetes.state]);
    expect(standing).toEqual([
      ["apps", false, "supported"],
      ["batch", true, "end-of-support"],
    ]);
  });
});
