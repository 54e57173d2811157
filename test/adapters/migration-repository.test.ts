import { describe, expect, it } from "vitest";
import { EntityTooLargeError } from "../../shared/azure/tables/json-columns.ts";
import type { HistoryEntry, MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import type { ClaimResult } from "../../shared/domain/ports/migrations.ts";
import { StoreUnavailableError } from "../../shared/store-unavailable.ts";
import { aGateAnswer, aMigrationRecord, PROD_EUS } from "../support/migration-fixtures.ts";
import { useStateStores } from "../support/state-stores.ts";

const { stores } = useStateStores();

const PROD_WEU = PROD_EUS.replace("aks-prod-eus", "aks-prod-weu");

/** A record whose JSON is about `chars` long: a long history and evidence, with non-ASCII text. */
function largeRecord(chars: number, revision: number): MigrationRecord {
  const entry = (n: number): HistoryEntry => ({
    at: "2026-01-10T10:00:00.000Z",
    phase: "draining",
    event: `node aks-batch-${n} drained: pods évincés 🚚 ${"x".repeat(120)}`,
    by: "pool-migration",
  });
  const stuckPod = (n: number) => `namespace-${n}/pod-${n}-blocked-by-a-budget-allowing-no-disruption`;
  const perEntry = JSON.stringify(entry(10_000)).length + JSON.stringify(stuckPod(10_000)).length + 2;
  const count = Math.ceil(chars / perEntry);
  return aMigrationRecord({
    revision,
    phase: "draining",
    history: Array.from({ length: count }, (_, n) => entry(n)),
    awaiting: {
      gate: "decision",
      nonce: "n-large",
      since: "2026-01-10T11:00:00.000Z",
      evidence: { stuck: Array.from({ length: count }, (_, n) => stuckPod(n)) },
      accepts: ["retry", "skip-pod", "delete-pod", "rollback"],
      role: "LifecycleApprover",
      notBy: "0c6f-operator",
    },
  });
}

describe.each(stores)("MigrationRepository on $name", (store) => {
  it("keeps the highest revision: a lower or equal one changes nothing", async () => {
    const repo = store.fresh().migrations;
    expect(await repo.get("migration:none")).toBeUndefined();
    const first = aMigrationRecord();
    await repo.save(first);
    expect(await repo.get(first.id)).toEqual(first);

    const third = aMigrationRecord({
      revision: 3,
      phase: "awaiting-start",
      updatedAt: "2026-01-10T09:03:00Z",
    });
    await repo.save(third);
    expect(await repo.get(first.id)).toEqual(third);

    // An activity run again writes its older view: it stays as the newer one.
    await repo.save(aMigrationRecord({ revision: 2, phase: "window" }));
    await repo.save(aMigrationRecord({ revision: 3, phase: "creating-pool" }));
    expect(await repo.get(first.id)).toEqual(third);
    expect(await repo.list()).toEqual([third]);
  });

  it("ends with the highest revision when two connections save revisions at once", async () => {
    const state = store.fresh();
    const other = state.another();
    const revisions = [5, 2, 8, 1, 7, 3, 6, 4];
    await Promise.all(
      revisions.map((revision, n) =>
        (n % 2 === 0 ? state : other).migrations.save(
          aMigrationRecord({ revision, phase: revision === 8 ? "cordoning" : "creating-pool" }),
        ),
      ),
    );
    const stored = await other.migrations.get(aMigrationRecord().id);
    expect(stored?.revision).toBe(8);
    expect(stored?.phase).toBe("cordoning");
  });

  it("lists by cluster (ARM id or name, any case), pool and outcome, newest request first", async () => {
    const repo = store.fresh().migrations;
    const batch = aMigrationRecord({ outcome: "succeeded", phase: "done" });
    const apps = aMigrationRecord({
      id: "migration:aks-prod-eus:apps:1f2e",
      pool: "apps",
      requestedAt: "2026-01-11T09:00:00.000Z",
    });
    const weu = aMigrationRecord({
      id: "migration:aks-prod-weu:apps:9c8d",
      clusterId: PROD_WEU,
      cluster: "aks-prod-weu",
      pool: "apps",
      requestedAt: "2026-01-12T09:00:00.000Z",
      outcome: "rolled-back",
      phase: "done",
    });
    // Requested at the same instant as apps: ordered by id.
    const batchAgain = aMigrationRecord({
      id: "migration:aks-prod-eus:batch:ffff",
      requestedAt: "2026-01-11T09:00:00.000Z",
    });
    for (const record of [batch, apps, weu, batchAgain]) await repo.save(record);
    const ids = async (filter?: Parameters<typeof repo.list>[0]) =>
      (await repo.list(filter)).map((record) => record.id);

    expect(await ids()).toEqual([weu.id, apps.id, batchAgain.id, batch.id]);
    expect(await ids({ cluster: PROD_EUS.toUpperCase() })).toEqual([apps.id, batchAgain.id, batch.id]);
    expect(await ids({ cluster: "AKS-Prod-WEU" })).toEqual([weu.id]);
    expect(await ids({ cluster: "aks-prod" })).toEqual([]);
    expect(await ids({ pool: "APPS" })).toEqual([weu.id, apps.id]);
    expect(await ids({ outcome: "active" })).toEqual([apps.id, batchAgain.id]);
    expect(await ids({ outcome: "succeeded" })).toEqual([batch.id]);
    expect(await ids({ cluster: "aks-prod-eus", pool: "batch", outcome: "active" })).toEqual([batchAgain.id]);
    expect(await ids({ outcome: "expired" })).toEqual([]);

    // A save moves the record between listings: apps ends.
    await repo.save({ ...apps, revision: 2, outcome: "rejected", phase: "done" });
    expect(await ids({ outcome: "active" })).toEqual([batchAgain.id]);
    expect(await ids({ outcome: "rejected" })).toEqual([apps.id]);
    expect(await repo.list({ outcome: "rejected" })).toEqual([
      { ...apps, revision: 2, outcome: "rejected", phase: "done" },
    ]);
  });

  it("keeps a record near the entity limit whole, and a smaller revision after it replaces it whole", async () => {
    const repo = store.fresh().migrations;
    // About 940 KB as Table Storage counts it (2 bytes a UTF-16 unit): 15 properties of 64 KiB.
    const large = largeRecord(470_000, 1);
    expect(JSON.stringify(large).length).toBeGreaterThan(460_000);
    await repo.save(large);
    expect(await repo.get(large.id)).toEqual(large);
    expect(await repo.list({ pool: "batch" })).toEqual([large]);

    const small = aMigrationRecord({ revision: 2, phase: "closing" });
    await repo.save(small);
    expect(await repo.get(small.id)).toEqual(small);
  });

  it(
    store.entityLimit
      ? "refuses a record over the entity limit with its size, and keeps the one stored"
      : "keeps a record of any size",
    async () => {
      const repo = store.fresh().migrations;
      const first = aMigrationRecord();
      await repo.save(first);
      const huge = largeRecord(600_000, 2);
      if (store.entityLimit) {
        const error = await repo.save(huge).catch((thrown: unknown) => thrown);
        expect(error).toBeInstanceOf(EntityTooLargeError);
        expect((error as EntityTooLargeError).bytes).toBeGreaterThan(1_000_000);
        expect(await repo.get(first.id)).toEqual(first);
      } else {
        await repo.save(huge);
        expect(await repo.get(first.id)).toEqual(huge);
      }
    },
  );

  it("lets the first answer to a wait win; a second, by anyone on any connection, gets the first", async () => {
    const state = store.fresh();
    const first = aGateAnswer();
    expect(await state.migrations.claimAnswer(first)).toEqual({ kind: "claimed" });
    expect(await state.migrations.claimAnswer(first)).toEqual({ kind: "already-answered", answer: first });
    const rejection = aGateAnswer({ by: "bob@contoso.com", answer: { decision: "reject" }, comment: "no" });
    expect(await state.another().migrations.claimAnswer(rejection)).toEqual({
      kind: "already-answered",
      answer: first,
    });

    // Another wait of the same migration, and the same nonce in another migration, are answers of their own.
    const cutover = aGateAnswer({ gate: "cutover", nonce: "4f1c2a9e-0000-4000-8000-000000000002" });
    expect(await state.migrations.claimAnswer(cutover)).toEqual({ kind: "claimed" });
    const elsewhere = aGateAnswer({ migrationId: "migration:aks-prod-weu:apps:9c8d" });
    expect(await state.migrations.claimAnswer(elsewhere)).toEqual({ kind: "claimed" });
  });

  it("claims a wait once however many answers race for it from two connections", async () => {
    const state = store.fresh();
    const other = state.another();
    const answers = Array.from({ length: 12 }, (_, n) =>
      aGateAnswer({ by: `approver-${n}@contoso.com`, comment: `answer ${n}` }),
    );
    const results = await Promise.all(
      answers.map((answer, n) => (n % 2 === 0 ? state : other).migrations.claimAnswer(answer)),
    );
    const winners = results.flatMap((result, n) => (result.kind === "claimed" ? [answers[n]] : []));
    expect(winners).toHaveLength(1);
    const refused = results.filter(
      (result): result is Extract<ClaimResult, { kind: "already-answered" }> =>
        result.kind === "already-answered",
    );
    expect(refused).toHaveLength(answers.length - 1);
    expect(refused.every((result) => result.answer.by === winners[0]?.by)).toBe(true);
  });

  it("takes a released claim back, so the wait can be answered again", async () => {
    const state = store.fresh();
    const first = aGateAnswer();
    await state.migrations.claimAnswer(first);
    await state.another().migrations.releaseAnswer(first.migrationId, first.nonce);
    const again = aGateAnswer({ by: "bob@contoso.com", comment: "after the event could not be delivered" });
    expect(await state.migrations.claimAnswer(again)).toEqual({ kind: "claimed" });
    expect(await state.migrations.claimAnswer(first)).toEqual({ kind: "already-answered", answer: again });
    // Releasing what was never claimed, or twice, is no error.
    await state.migrations.releaseAnswer(first.migrationId, "never-claimed");
    await state.migrations.releaseAnswer(first.migrationId, first.nonce);
    await state.migrations.releaseAnswer(first.migrationId, first.nonce);
    expect(await state.migrations.claimAnswer(first)).toEqual({ kind: "claimed" });
  });

  it("records each approver's approval of a wait once, and returns them all first first", async () => {
    const state = store.fresh();
    const ana = aGateAnswer();
    expect(await state.migrations.addApproval(ana)).toEqual({ added: true, approvals: [ana] });
    const again = aGateAnswer({ comment: "again", at: "2026-01-10T10:05:00.000Z" });
    expect(await state.another().migrations.addApproval(again)).toEqual({ added: false, approvals: [ana] });
    const ben = aGateAnswer({ by: "ben@contoso.com", byId: "0d1b-ben", comment: "lgtm" });
    expect(await state.migrations.addApproval(ben)).toEqual({ added: true, approvals: [ana, ben] });
    expect(await state.another().migrations.approvals(ana.migrationId, ana.nonce)).toEqual([ana, ben]);
    // Another wait, or the same nonce in another migration, has approvals of its own.
    expect(await state.migrations.approvals(ana.migrationId, "another-wait")).toEqual([]);
    const elsewhere = aGateAnswer({ migrationId: "migration:aks-prod-weu:apps:9c8d" });
    expect(await state.migrations.addApproval(elsewhere)).toEqual({ added: true, approvals: [elsewhere] });
  });

  it("lets the later of two racing approvals see both, from two connections", async () => {
    const state = store.fresh();
    const other = state.another();
    const approvers = Array.from({ length: 6 }, (_, n) =>
      aGateAnswer({ by: `approver-${n}@contoso.com`, byId: `id-${n}`, comment: `approval ${n}` }),
    );
    const results = await Promise.all(
      approvers.map((answer, n) => (n % 2 === 0 ? state : other).migrations.addApproval(answer)),
    );
    expect(results.every((result) => result.added)).toBe(true);
    // Someone saw everyone: the last to finish.
    expect(Math.max(...results.map((result) => result.approvals.length))).toBe(approvers.length);
    const stored = await state.migrations.approvals(
      approvers[0]?.migrationId as string,
      approvers[0]?.nonce as string,
    );
    expect(stored.map((answer) => answer.byId).sort()).toEqual(approvers.map((answer) => answer.byId).sort());
  });

  it("says the store is unavailable when it cannot be reached", async () => {
    const repo = (await store.unreachable()).migrations;
    await expect(repo.save(aMigrationRecord())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(repo.get("migration:any")).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(repo.list({ outcome: "active" })).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(repo.claimAnswer(aGateAnswer())).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(repo.releaseAnswer("migration:any", "n")).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
