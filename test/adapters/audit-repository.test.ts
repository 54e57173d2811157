import { describe, expect, it } from "vitest";
import { keyPart } from "../../shared/azure/tables/table-keys.ts";
import { sqliteRepositories, tableRepositories } from "../../shared/composition.ts";
import type {
  AuditRecord,
  AuditRepository,
  ChainedAuditRecord,
} from "../../shared/domain/ports/migrations.ts";
import { GENESIS_HASH, verifyChain } from "../../shared/domain/records/audit-chain.ts";
import { StoreUnavailableError } from "../../shared/store-unavailable.ts";
import { anAuditRecord } from "../support/migration-fixtures.ts";
import { useSqliteFiles, useStateStores } from "../support/state-stores.ts";

const { stores, tables } = useStateStores();
const sqliteFiles = useSqliteFiles();

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
    expect(unchained(await audit.list(MIGRATION))).toEqual(written);
  });

  it("chains each migration's records: numbered from 1, each linked to the hash of the one before", async () => {
    const state = store.fresh();
    const audit = state.audit;
    await audit.append(stepRecord("create-pool"));
    await audit.append(stepRecord("create-pool", "outcome"));
    await audit.append(stepRecord("create-pool", "outcome"));
    const [first, second, ...rest] = await audit.list(MIGRATION);
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ sequence: 1, previousHash: GENESIS_HASH });
    expect(second).toMatchObject({ sequence: 2, previousHash: first?.hash });
    expect(first?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.hash).not.toBe(first?.hash);
    expect(verifyChain([first, second] as ChainedAuditRecord[])).toEqual({ ok: true });
    expect(await state.another().audit.head(MIGRATION)).toEqual({ sequence: 2, hash: second?.hash });
    expect(await audit.head("migration:without-records")).toBeUndefined();
  });

  it("keeps each migration's records apart, even under the same record id", async () => {
    const audit = store.fresh().audit;
    const other = "migration:aks-prod-weu:apps:9c8d";
    const mine = stepRecord("create-pool");
    const theirs = { ...mine, migrationId: other, target: "appsal3" };
    expect(await audit.append(mine)).toBe("appended");
    expect(await audit.append(theirs)).toBe("appended");
    expect(unchained(await audit.list(MIGRATION))).toEqual([mine]);
    expect(unchained(await audit.list(other))).toEqual([theirs]);
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
    expect(unchained(listed).sort(byId)).toEqual([...records].sort(byId));
    expect(verifyChain(listed)).toEqual({ ok: true });
    // Once listed, the order stays: appending everything again changes nothing.
    expect(await Promise.all(records.map((record) => other.audit.append(record)))).toEqual(
      records.map(() => "exists"),
    );
    expect(await other.audit.list(MIGRATION)).toEqual(listed);
  });

  it("fails only the append that cannot be stored, not those made with it", async () => {
    const audit = store.fresh().audit;
    const [first, broken, last] = ["create-pool", "taint-node:aks-old-0", "evict-pod:batch/worker-0"].map(
      (step) => stepRecord(step),
    ) as [AuditRecord, AuditRecord, AuditRecord];
    // A BigInt has no JSON form: this record can be neither hashed nor written.
    const unstorable = { ...broken, evidence: { bytes: 1n } };
    const results = await Promise.allSettled([first, unstorable, last].map((record) => audit.append(record)));
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const listed = await audit.list(MIGRATION);
    expect(unchained(listed)).toEqual([first, last]);
    expect(listed.map((record) => record.sequence)).toEqual([1, 2]);
    expect(verifyChain(listed)).toEqual({ ok: true });
  });

  it("keeps a record with large evidence whole", async () => {
    const audit = store.fresh().audit;
    const pods = Array.from({ length: 4000 }, (_, n) => ({ namespace: "batch", name: `worker-${n}-ä` }));
    const record = { ...stepRecord("drain-node:aks-batch-0"), evidence: { pods } };
    expect(JSON.stringify(record).length).toBeGreaterThan(150_000);
    expect(await audit.append(record)).toBe("appended");
    expect(unchained(await audit.list(MIGRATION))).toEqual([record]);
  });

  it("says the store is unavailable when it cannot be reached", async () => {
    const audit = (await store.unreachable()).audit;
    await expect(audit.append(stepRecord("create-pool"))).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(audit.list(MIGRATION)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});

describe.each([
  {
    name: "SQLite",
    async tamperedChain(): Promise<AuditRepository> {
      const store = sqliteFiles.open(sqliteFiles.newFile());
      const audit = sqliteRepositories(store).audit;
      await appendThree(audit);
      store.write((sql) =>
        sql.run(
          "UPDATE migration_audit SET record = json_set(record, '$.reason', 'nothing happened') WHERE seq = 2",
        ),
      );
      return audit;
    },
    async truncatedChain(): Promise<AuditRepository> {
      const store = sqliteFiles.open(sqliteFiles.newFile());
      const audit = sqliteRepositories(store).audit;
      await appendThree(audit);
      store.write((sql) => sql.run("DELETE FROM migration_audit WHERE seq = 3"));
      return audit;
    },
  },
  {
    name: "Table Storage on Azurite",
    async tamperedChain(): Promise<AuditRepository> {
      const tableStore = tables.store();
      const audit = tableRepositories(tableStore).audit;
      await appendThree(audit);
      const table = await tableStore.table("MigrationAudit");
      const partitionKey = keyPart(MIGRATION);
      const rowKey = "s|0000000002";
      const row = await table.getEntity<{ Record: string }>(partitionKey, rowKey);
      const edited = { ...JSON.parse(row.Record), reason: "nothing happened" };
      await table.updateEntity({ partitionKey, rowKey, Record: JSON.stringify(edited) }, "Merge");
      return audit;
    },
    async truncatedChain(): Promise<AuditRepository> {
      const tableStore = tables.store();
      const audit = tableRepositories(tableStore).audit;
      await appendThree(audit);
      await (await tableStore.table("MigrationAudit")).deleteEntity(keyPart(MIGRATION), "s|0000000003");
      return audit;
    },
  },
])("a stored audit chain edited directly on $name", (store) => {
  it("is named by verifyChain as a hash mismatch, the records before it still verifying", async () => {
    const listed = await (await store.tamperedChain()).list(MIGRATION);
    expect(listed[1]?.reason).toBe("nothing happened");
    expect(verifyChain(listed)).toMatchObject({
      ok: false,
      index: 1,
      id: listed[1]?.id,
      problem: "hash mismatch",
    });
    expect(verifyChain(listed.slice(0, 1))).toEqual({ ok: true });
  });

  it("has its last record deleted found by verifyChain against the chain's head", async () => {
    const audit = await store.truncatedChain();
    const listed = await audit.list(MIGRATION);
    expect(listed).toHaveLength(2);
    expect(verifyChain(listed)).toEqual({ ok: true });
    expect(verifyChain(listed, await audit.head(MIGRATION))).toMatchObject({
      ok: false,
      index: 2,
      problem: "missing records",
    });
  });
});

describe("a SQLite audit log written before chains kept their head", () => {
  it("gets each chain's head from its last record when the file is opened", async () => {
    const file = sqliteFiles.newFile();
    const before = sqliteFiles.open(file);
    const audit = sqliteRepositories(before).audit;
    await appendThree(audit);
    const [, , last] = await audit.list(MIGRATION);
    before.write((sql) => sql.run("DELETE FROM migration_audit_heads"));
    expect(await audit.head(MIGRATION)).toBeUndefined();
    const reopened = sqliteRepositories(sqliteFiles.open(file)).audit;
    expect(await reopened.head(MIGRATION)).toEqual({ sequence: 3, hash: last?.hash });
    expect(verifyChain(await reopened.list(MIGRATION), await reopened.head(MIGRATION))).toEqual({ ok: true });
  });
});

async function appendThree(audit: AuditRepository): Promise<void> {
  for (const step of ["create-pool", "cordon-node:aks-batch-0", "drain-node:aks-batch-0"]) {
    await audit.append(stepRecord(step));
  }
}

/** The records as appended, without what the store chained onto them. */
function unchained(records: readonly ChainedAuditRecord[]): AuditRecord[] {
  return records.map(({ sequence: _s, previousHash: _p, hash: _h, ...record }) => record);
}

function byId(a: AuditRecord, b: AuditRecord): number {
  return a.id.localeCompare(b.id);
}
