// Instance ids: formed as before for scans and re-evaluations (a second start of the same one is still
// refused after an upgrade), within the Durable Task Scheduler's 100 characters, free of / \ # ?, and
// unique where a name alone would not be.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  childInstanceId,
  MAX_INSTANCE_ID_LENGTH,
  MAX_PARENT_INSTANCE_ID_LENGTH,
  migrationInstanceId,
  nightlyScanInstanceId,
  operatorScanInstanceId,
  reevaluationInstanceId,
  SCAN_INSTANCE_ID,
  scanIdAt,
} from "../../orchestrations/contracts/instance-ids.ts";

const AT = new Date("2026-11-26T02:00:07.123Z");
const FORBIDDEN = /[/\\#?]/;

/** ARM's limits: resource group names up to 90 characters, cluster names up to 63, Linux pools up to 12. */
const LONGEST_CLUSTER_ID =
  "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/" +
  `${"r".repeat(90)}/providers/Microsoft.ContainerService/managedClusters/${"c".repeat(63)}`;

function clusterId(subscription: string, group: string, name: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;
}

describe("scan ids", () => {
  it("are the start instant to the second; the nightly instance is per UTC day, an operator's per second", () => {
    expect(scanIdAt(AT)).toBe("2026-11-26T02:00:07Z");
    expect(nightlyScanInstanceId(AT)).toBe("inventory-scan:2026-11-26");
    expect(operatorScanInstanceId(AT)).toBe("inventory-scan:2026-11-26T02:00:07Z");
    // Both forms, and nothing else, are scan ids to the status route.
    expect(SCAN_INSTANCE_ID.test(nightlyScanInstanceId(AT))).toBe(true);
    expect(SCAN_INSTANCE_ID.test(operatorScanInstanceId(AT))).toBe(true);
    expect(SCAN_INSTANCE_ID.test("inventory-scan:2026-11-26/../x")).toBe(false);
    expect(SCAN_INSTANCE_ID.test(migrationInstanceId(LONGEST_CLUSTER_ID, "batch", 1))).toBe(false);
  });
});

describe("re-evaluation ids", () => {
  it("are formed as before: a readable start of the notice id and 16 hex digits of its SHA-256", () => {
    const noticeId = "azure-linux-2/removal moved?#1";
    const hash = createHash("sha256").update(noticeId).digest("hex").slice(0, 16);
    expect(reevaluationInstanceId(noticeId)).toBe(`alerts:notice:azure-linux-2_removal_moved__1:${hash}`);
  });

  it("fit and hold no forbidden character whatever the notice id", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (noticeId) => {
        const id = reevaluationInstanceId(noticeId);
        expect(id.length).toBeLessThanOrEqual(MAX_INSTANCE_ID_LENGTH);
        expect(id).not.toMatch(FORBIDDEN);
      }),
    );
  });
});

describe("migration ids", () => {
  it("read migration:<cluster>:<pool>:<hash>", () => {
    const id = migrationInstanceId(clusterId("sub-1", "rg-prod", "aks-prod-weu"), "nodepool1", 1);
    expect(id).toMatch(/^migration:aks-prod-weu:nodepool1:[0-9a-f]{16}:1$/);
  });

  it("fit in 100 characters for the longest ARM id and pool name, the cluster name cut, with room for a child", () => {
    const id = migrationInstanceId(LONGEST_CLUSTER_ID, "p".repeat(12), 9999);
    expect(id.length).toBeLessThanOrEqual(MAX_PARENT_INSTANCE_ID_LENGTH);
    expect(id).not.toMatch(FORBIDDEN);
    expect(id).toMatch(/^migration:c+:p{12}:[0-9a-f]{16}:9999$/);
    const child = childInstanceId(id, "drain:123456789");
    expect(child.length).toBeLessThanOrEqual(MAX_INSTANCE_ID_LENGTH);
    expect(child.startsWith(`${id}:`)).toBe(true);
    expect(child).not.toMatch(FORBIDDEN);
  });

  it("refuse a child id that would not fit under a parent built elsewhere, or a part that would be cut", () => {
    expect(() => childInstanceId("x".repeat(95), "drain:0")).toThrow(/longer than 100 characters/);
    expect(() => childInstanceId("migration:a:b:c", "drain:aks-nodepool1-vmss00000a")).toThrow(/at most 15/);
    expect(() => childInstanceId("migration:a:b:c", "drain/7")).toThrow(/at most 15/);
  });

  it("differ for clusters of one name in other resource groups or subscriptions, for other pools and attempts", () => {
    const ids = [
      migrationInstanceId(clusterId("sub-1", "rg-a", "aks"), "system", 1),
      migrationInstanceId(clusterId("sub-1", "rg-a", "aks"), "system", 2),
      migrationInstanceId(clusterId("sub-1", "rg-b", "aks"), "system", 1),
      migrationInstanceId(clusterId("sub-2", "rg-a", "aks"), "system", 1),
      migrationInstanceId(clusterId("sub-1", "rg-a", "aks"), "user", 1),
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("are the same however ARM cased the id, as ARM ids are case-insensitive", () => {
    const id = clusterId("sub-1", "rg-prod", "aks-prod-weu");
    expect(
      migrationInstanceId(id.toUpperCase().replace("AKS-PROD-WEU", "aks-prod-weu"), "nodepool1", 1),
    ).toBe(migrationInstanceId(id, "nodepool1", 1));
  });
});
