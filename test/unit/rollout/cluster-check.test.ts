// What a rollout learns from a cluster before it starts one of its pools: stopped, pool gone or moved
// already (skipped, with why), and pools on the old SKU the plan does not name (reported).

import { describe, expect, it } from "vitest";
import { checkClusterForPool } from "../../../shared/domain/rollout/cluster-check.ts";
import { aCluster, aPool } from "../../support/pool-fixtures.ts";

const planned = { pool: "apps", fromOsSku: "Ubuntu2204", targetOsSku: "AzureLinux" };

describe("checkClusterForPool", () => {
  it("lets a planned pool on its old SKU start, and reports an unplanned one on that SKU", () => {
    const cluster = aCluster({ name: "c1" }, [
      aPool({ name: "apps", osSku: "Ubuntu2204" }),
      aPool({ name: "gpu", osSku: "Ubuntu2204" }),
      aPool({ name: "system", osSku: "AzureLinux" }),
    ]);
    expect(checkClusterForPool(cluster, planned, ["apps"])).toEqual({
      unplanned: [{ pool: "gpu", why: "on Ubuntu2204, not in the plan (appeared after it?)" }],
    });
  });

  it("skips a stopped cluster, a pool gone, and a pool on its target already", () => {
    const stopped = aCluster({ name: "c1" }, [
      aPool({ name: "apps", osSku: "Ubuntu2204", powerState: "Stopped" }),
    ]);
    expect(checkClusterForPool(stopped, planned, ["apps"]).skip).toBe("cluster c1 is stopped");
    const gone = aCluster({ name: "c1" }, [aPool({ name: "system", osSku: "AzureLinux" })]);
    expect(checkClusterForPool(gone, planned, ["apps"]).skip).toBe("pool apps is gone from c1");
    const moved = aCluster({ name: "c1" }, [aPool({ name: "APPS", osSku: "AzureLinux" })]);
    expect(checkClusterForPool(moved, planned, ["apps"]).skip).toBe("pool apps is on AzureLinux already");
  });
});
