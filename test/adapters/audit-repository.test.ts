import { describe, expect, it } from "vitest";
import type { AuditRecord } from "../../shared/domain/ports/migrations.ts";
import { StoreUnavailableError } from "../../shared/store-unavailable.ts";
import { anAuditRecord } from "../support/migration-fixtures.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores } = useStateStores();

const MIGRATION = anAuditRecord().migrationId;

/** The intent or outcome record of step `step` of MIGRATION. */
function stepRecord(step: string, stage: AuditRecord["stage"] = "intent"): AuditRecord {
  return anAuditRecord({
    id: `${MIGRATION}|${step}|${stage}`,
    stage,
    action: step.split(":")[0] as string,
    target: step,
    ...(stage === "outcome" && { result: "succeeded" }),
  });
}

describe.each(stores)("AuditRepository on $name", (store) => {
  it("lists a migration's records in the order appended, each id once, the first one kept as it was", async () => {
    const audit = store.fresh().audit;
    expect(await audit.list(MIGRATION)).toEqual([]);
    const written = [
      stepRecord("create-pool"),
      stepRecord("create-pool", "outcome"),
      stepRecord("taint-node:aks-batch-0"),
      stepRecord("taint-node:aks-batch-0", "outcome"),
    ];
    for (const record of written) expect(await audit.append(record)).toBe("appended");

    // An activity run again appends the same id: nothing changes, even when it says something else.
    const rerun = { ...stepRecord("create-pool"), at: "2026-01-10T11:00:00.000Z", reason: "run again" };
    expect(await audit.append(rerun)).toBe("exists");
    expect(await audit.list(MIGRATION)).toEqual(written);
  });

  it("keeps each migration's records apart, even under the same record id", async () => {
    const audit = store.fresh().audit;
    const other = "migration:aks-prod-weu:apps:9c8d";
    const mine = stepRecord("create-pool");
    const theirs = { ...mine, migrationId: other, target: "appsal3" };
    expect(await audit.append(mine)).toBe("appended");
    expect(await audit.append(theirs)).toBe("appended");
    expect(await audit.list(MIGRATION)).toEqual([mine]);
    expect(await audit.list(other)).toEqual([theirs]);
    expect(await audit.list("migration:none")).toEqual([]);
  });

  it("loses no append when two connections append at once, and appends none twice when both append it", async () => {
    const state = store.fresh();
    const other = state.another();
    const records = Array.from({ length: 10 }, (_, n) => stepRecord(`evict-pod:batch/worker-${n}`));
    // Every record from both connections at once, as an activity and its rerun on another instance would.
    const results = await Promise.all(
      records.map((record) => Promise.all([state.audit.append(record), other.audit.append(record)])),
    );
    expect(results.map((pair) => [...pair].sort())).toEqual(records.map(() => ["appended", "exists"]));
    const listed = await state.audit.list(MIGRATION);
    expect([...listed].sort(byId)).toEqual([...records].sort(byId));
    // Once listed, the order stays: appending everything again changes nothing.
    expect(await Promise.all(records.map((record) => other.audit.append(record)))).toEqual(
      records.map(() => "exists"),
    );
    expect(await other.audit.list(MIGRATION)).toEqual(listed);
  });

  it("keeps a record with large evidence whole", async () => {
    const audit = store.fresh().audit;
    const pods = Array.from({ length: 4000 }, (_, n) => ({ namespace: "batch", name: `worker-${n}-ä` }));
    const record = { ...stepRecord("drain-node:aks-batch-0"), evidence: { pods } };
    expect(JSON.stringify(record).length).toBeGreaterThan(150_000);
    expect(await audit.append(record)).toBe("appended");
    expect(await audit.list(MIGRATION)).toEqual([record]);
  });

  it("says the store is unavailable when it cannot be reached", async () => {
    const audit = (await store.unreachable()).audit;
    await expect(audit.append(stepRecord("create-pool"))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(audit.list(MIGRATION)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

function byId(a: AuditRecord, b: AuditRecord): number {
  return a.id.localeCompare(b.id);
}
