import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OsType } from "../../../shared/domain/fleet/model.ts";
import { newPoolName, newPoolSpec, poolNameProblem } from "../../../shared/domain/migration/new-pool.ts";
import { aPool } from "../../support/pool-fixtures.ts";

describe("newPoolName", () => {
  it("adds the target's mark to the old name, and a number when that is taken", () => {
    expect(newPoolName("batch", ["system", "batch"], "Linux", "AzureLinux3")).toBe("batchal3");
    expect(newPoolName("batch", ["batch", "batchal3"], "Linux", "AzureLinux3")).toBe("batchal32");
    expect(newPoolName("batch", ["batch", "batchal3", "batchal32"], "Linux", "AzureLinux3")).toBe(
      "batchal33",
    );
    expect(newPoolName("userpool01", [], "Linux", "Ubuntu2404")).toBe("userpoou2404");
  });

  it("fits Windows' six characters and still starts with a letter", () => {
    expect(newPoolName("win22", [], "Windows", "Windows2025")).toBe("ww2025");
    expect(newPoolName("win22", ["ww2025"], "Windows", "Windows2025")).toBe("w20252");
  });

  it("compares names as AKS does, without regard to case", () => {
    expect(newPoolName("apps", ["APPSAL3"], "Linux", "AzureLinux3")).toBe("appsal32");
  });

  const osTypes = fc.constantFrom<OsType>("Linux", "Windows");
  const poolNames = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);
  const skus = fc.constantFrom(
    "AzureLinux3",
    "Ubuntu2404",
    "Ubuntu2204",
    "Windows2025",
    "AzureContainerLinux",
  );

  it("property: valid for its OS, not taken, deterministic, starting like the old name", () => {
    fc.assert(
      fc.property(
        poolNames,
        fc.array(poolNames, { maxLength: 100 }),
        osTypes,
        skus,
        (old, existing, os, sku) => {
          const name = newPoolName(old, existing, os, sku);
          expect(poolNameProblem(name, os)).toBeUndefined();
          expect([old, ...existing]).not.toContain(name);
          expect(newPoolName(old, [...existing].reverse(), os, sku)).toBe(name);
          expect(name[0]).toBe(old[0]);
        },
      ),
    );
  });

  it("property: finds a free name however crowded the cluster", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), osTypes, (crowd, os) => {
        const taken: string[] = [];
        for (let i = 0; i < crowd; i++) taken.push(newPoolName("win", taken, os, "Windows2025"));
        expect(new Set(taken).size).toBe(crowd);
      }),
      { numRuns: 20 },
    );
  });
});

describe("newPoolSpec", () => {
  it("copies the old pool's shape with the target osSku and the new name", () => {
    const pool = aPool({
      name: "batch",
      mode: "User",
      vmSize: "Standard_D8ds_v5",
      count: 4,
      availabilityZones: ["1", "2"],
      nodeLabels: { workload: "batch" },
      nodeTaints: ["dedicated=batch:NoSchedule"],
      maxPods: 50,
      vnetSubnetId:
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes",
      enableAutoScaling: true,
      minCount: 2,
      maxCount: 6,
      orchestratorVersion: "1.31.9",
    });
    expect(newPoolSpec(pool, "batchal3", "AzureLinux3")).toEqual({
      name: "batchal3",
      mode: "User",
      osType: "Linux",
      osSku: "AzureLinux3",
      vmSize: "Standard_D8ds_v5",
      count: 4,
      orchestratorVersion: "1.31.9",
      availabilityZones: ["1", "2"],
      nodeLabels: { workload: "batch" },
      nodeTaints: ["dedicated=batch:NoSchedule"],
      maxPods: 50,
      vnetSubnetId:
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/nodes",
      enableAutoScaling: true,
      minCount: 2,
      maxCount: 6,
    });
  });

  it("leaves out autoscaler bounds of a pool without the autoscaler, and shares no array with the old pool", () => {
    const pool = aPool({ enableAutoScaling: false, minCount: 1, maxCount: 3 });
    const spec = newPoolSpec(pool, "appsal3", "AzureLinux3");
    expect(spec).not.toHaveProperty("minCount");
    expect(spec).not.toHaveProperty("maxCount");
    expect(spec).not.toHaveProperty("maxPods");
    spec.availabilityZones.push("9");
    expect(pool.availabilityZones).toEqual(["1", "2", "3"]);
  });
});
