// The stored form of a pool snapshot: each repeated reason and the repeated ref kept once, read back exactly.
import { describe, expect, it } from "vitest";
import { poolRef } from "../../shared/domain/fleet/model.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessPool } from "../../shared/domain/lifecycle/pool-assessment.ts";
import type { PoolSnapshot } from "../../shared/domain/ports/inventory.ts";
import {
  poolSnapshotFromStored,
  storedPoolSnapshot,
} from "../../shared/domain/records/pool-snapshot-records.ts";
import { aCluster, aPool, day } from "../support/pool-fixtures.ts";

const calendar = resolveCalendar(BASE_CALENDAR, []);

function snapshotOf(pool = aPool(), now = day("2026-03-15")): PoolSnapshot {
  const cluster = aCluster();
  return { ref: poolRef(cluster, pool), pool, assessment: assessPool(cluster, pool, calendar, now) };
}

/** Through JSON, as an adapter stores it. */
function roundTrip(snapshot: PoolSnapshot): PoolSnapshot {
  return poolSnapshotFromStored(JSON.parse(JSON.stringify(storedPoolSnapshot(snapshot))));
}

describe("stored pool snapshots", () => {
  it("keep an Azure Linux 2 pool's repeated reasons and ref once, and read back exactly", () => {
    const snapshot = snapshotOf();
    const stored = storedPoolSnapshot(snapshot);
    expect(stored.assessment.ref).toBeUndefined();
    expect(stored.assessment.reasons).toEqual([
      snapshot.assessment.reasons[0],
      { same: "os" },
      { same: "kubernetes" },
      snapshot.assessment.reasons[3],
      snapshot.assessment.reasons[4],
      { same: "recommendation", index: 0 },
      { same: "recommendation", index: 1 },
    ]);
    expect(JSON.stringify(stored).length).toBeLessThan(0.8 * JSON.stringify(snapshot).length);
    expect(roundTrip(snapshot)).toEqual(snapshot);
  });

  it("read back exactly a supported pool, with no recommendation", () => {
    const pool = aPool({
      orchestratorVersion: "1.32.7",
      nodeImageVersion: "AKSAzureLinux-V3gen2-202602.13.5",
    });
    const snapshot = snapshotOf(pool, day("2025-12-01"));
    expect(snapshot.assessment.recommendation).toBeUndefined();
    expect(roundTrip(snapshot)).toEqual(snapshot);
  });

  it("keep an assessment's own ref when it is not the snapshot's", () => {
    const snapshot = snapshotOf();
    const other = {
      ...snapshot,
      assessment: { ...snapshot.assessment, ref: { ...snapshot.ref, pool: "other" } },
    };
    expect(storedPoolSnapshot(other).assessment.ref).toEqual(other.assessment.ref);
    expect(roundTrip(other)).toEqual(other);
  });

  it("read a snapshot stored in full, as rows written before the stored form were", () => {
    const snapshot = snapshotOf();
    expect(poolSnapshotFromStored(JSON.parse(JSON.stringify(snapshot)))).toEqual(snapshot);
  });
});
