import { describe, expect, it } from "vitest";
import { decideAlerts } from "../../shared/alerts/decide-alerts.ts";
import { keyPart } from "../../shared/azure/tables/table-keys.ts";
import type { TableStore } from "../../shared/azure/tables/table-store.ts";
import { sqliteRepositories, tableRepositories } from "../../shared/composition.ts";
import {
  type AlertDecision,
  evaluateAlerts,
  subscriptionTracks,
  type TrackState,
  trackKey,
} from "../../shared/domain/alerts/alert-policy.ts";
import type { AlertRepository, AlertStateSnapshot, OutboxAlert } from "../../shared/domain/ports/alerts.ts";
import { compareOutbox } from "../../shared/domain/records/outbox-records.ts";
import type { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { azureLinux2Finding, NIGHT } from "../support/alert-fixtures.ts";
import { useSqliteFiles, useStateStores } from "../support/state-stores.ts";

const { stores, tables } = useStateStores();
const sqliteFiles = useSqliteFiles();
const findings = [
  azureLinux2Finding("prod#eu", "apps"),
  azureLinux2Finding("prod#eu", "web"),
  azureLinux2Finding("dev?", "tools"),
];

describe.each(stores)("AlertRepository on $name, with decideAlerts", (store) => {
  it("stores every decided alert as pending with the state, and a re-run of the same night decides nothing", async () => {
    const repo = store.fresh().alerts;
    const first = await decideAlerts(repo, findings, NIGHT);
    expect(first).toHaveLength(3);
    expect(first.map((a) => a.stage)).toEqual([
      "image-removal-90d",
      "image-removal-90d",
      "image-removal-90d",
    ]);

    const pending = await repo.pendingAlerts();
    expect(pending.map((p) => p.alert).sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [...first].sort((a, b) => a.id.localeCompare(b.id)),
    );
    expect(pending.every((p) => p.status === "pending" && p.decidedAt === NIGHT.toISOString())).toBe(true);

    const stateBefore = (await repo.loadState()).state;
    expect(await decideAlerts(repo, findings, new Date("2026-01-10T02:30:00Z"))).toEqual([]);
    expect((await repo.loadState()).state).toEqual(stateBefore);
    expect(await repo.listAlerts()).toHaveLength(3);
  });

  it("decides a dates-changed alert when a notice moves a date, and nothing for untouched tracks", async () => {
    const repo = store.fresh().alerts;
    await decideAlerts(repo, findings, NIGHT);
    const moved = [azureLinux2Finding("prod#eu", "apps", "2026-06-30"), ...findings.slice(1)];
    const next = await decideAlerts(repo, moved, new Date("2026-01-10T14:00:00Z"));
    expect(next.map((a) => [a.pool.pool, a.kind])).toEqual([["apps", "dates-changed"]]);
    expect(next[0]?.previous).toEqual({ endOfSupport: "2025-11-30", imageRemoval: "2026-03-31" });
    expect(await repo.pendingAlerts()).toHaveLength(4);
  });

  it("reports tracks another writer changed since the snapshot as conflicts and writes nothing of them", async () => {
    const state = store.fresh();
    const repo = state.alerts;
    const stale = await repo.loadState();
    await decideAlerts(state.another().alerts, findings.slice(0, 1), NIGHT);
    const decision = evaluateAlerts(stale.state, findings, NIGHT);
    const commit = await repo.commitDecision(stale, decision, NIGHT.toISOString());
    expect(commit.conflicts).toEqual([trackKey(findings[0] as (typeof findings)[0])]);
    expect(commit.committed.sort()).toEqual(findings.slice(1).map(trackKey).sort());
    // One alert per track: the conflicted track's alert was not stored twice.
    expect(await repo.pendingAlerts()).toHaveLength(3);
  });

  it("refuses a change made on a stale snapshot even when it adds no alert", async () => {
    const state = store.fresh();
    await decideAlerts(state.alerts, findings.slice(0, 1), NIGHT);
    const stale = await state.alerts.loadState();
    const track = trackKey(findings[0] as (typeof findings)[0]);
    const before = stale.state.tracks[track] as TrackState;
    const withRevision = (revision: number): AlertDecision => ({
      alerts: [],
      state: { version: 1, tracks: { [track]: { ...before, revision } } },
    });
    const at = NIGHT.toISOString();
    expect(await state.another().alerts.commitDecision(stale, withRevision(7), at)).toEqual({
      committed: [track],
      conflicts: [],
    });
    expect(await state.alerts.commitDecision(stale, withRevision(9), at)).toEqual({
      committed: [],
      conflicts: [track],
    });
    expect((await state.alerts.loadState()).state.tracks[track]?.revision).toBe(7);
  });

  it("re-evaluates conflicted tracks on their new state: two writers on one night decide each alert once", async () => {
    const repo = store.fresh().alerts;
    let racedOnce = false;
    // A writer that loads, then loses the race to another writer before it commits.
    const racing: AlertRepository = Object.assign(Object.create(repo) as AlertRepository, {
      async commitDecision(snapshot: AlertStateSnapshot, ...rest: [never, string]) {
        if (!racedOnce) {
          racedOnce = true;
          await decideAlerts(repo, findings, NIGHT);
        }
        return repo.commitDecision(snapshot, ...rest);
      },
    });
    expect(await decideAlerts(racing, findings, NIGHT)).toEqual([]);
    expect(racedOnce).toBe(true);
    expect(await repo.pendingAlerts()).toHaveLength(3);
  });

  it("commits many tracks at once (on Table Storage in transactions of at most 100 operations), isolating the one that conflicts", async () => {
    const repo = store.fresh().alerts;
    const many = Array.from({ length: 70 }, (_, i) => azureLinux2Finding(`c${i}`, "apps"));
    const snapshot = await repo.loadState();
    await decideAlerts(repo, [many[42] as (typeof many)[0]], NIGHT);
    const commit = await repo.commitDecision(
      snapshot,
      evaluateAlerts(snapshot.state, many, NIGHT),
      NIGHT.toISOString(),
    );
    expect(commit.conflicts).toEqual([trackKey(many[42] as (typeof many)[0])]);
    expect(commit.committed).toHaveLength(69);
    expect(await repo.pendingAlerts()).toHaveLength(70);
  });

  it("leases a pending alert to one delivery run at a time; a run whose lease ran out records nothing", async () => {
    const state = store.fresh();
    const repo = state.alerts;
    const other = state.another().alerts;
    const [alert] = await decideAlerts(repo, findings.slice(0, 1), NIGHT);
    const id = alert?.id as string;
    const t0 = NIGHT.getTime();
    const first = await repo.claim(id, t0, t0 + 60_000);
    expect(first?.outbox.alert.id).toBe(id);
    expect(await other.claim(id, t0 + 1_000, t0 + 61_000)).toBeUndefined();

    const second = await other.claim(id, t0 + 61_000, t0 + 121_000);
    expect(second).toBeDefined();
    const delivered = { status: "delivered", attempts: 1, deliveredAt: "x" } as const;
    expect(
      await repo.recordDelivery(first as NonNullable<typeof first>, "webhook", delivered, ["webhook"]),
    ).toBeUndefined();

    const done = await other.recordDelivery(second as NonNullable<typeof second>, "webhook", delivered, [
      "webhook",
    ]);
    expect(done?.outbox.status).toBe("delivered");
    expect(await repo.pendingAlerts()).toEqual([]);
    expect(await repo.claim(id, t0 + 200_000, t0 + 260_000)).toBeUndefined();
    expect((await repo.listAlerts({ status: "delivered" })).map((a) => a.deliveries)).toEqual([
      { webhook: delivered },
    ]);
  });

  it("gives a lease back at once to the run that holds it (resumed after a crash), never to another run", async () => {
    const state = store.fresh();
    const other = state.another().alerts;
    const [alert] = await decideAlerts(state.alerts, findings.slice(0, 1), NIGHT);
    const id = alert?.id as string;
    const t0 = NIGHT.getTime();
    const taken = await state.alerts.claim(id, t0, t0 + 60_000, "inventory-scan:2026-03-03");
    expect(taken?.holder).toBe("inventory-scan:2026-03-03");
    const sent = { status: "pending", attempts: 1, lastError: "timeout" } as const;
    await state.alerts.recordDelivery(taken as NonNullable<typeof taken>, "webhook", sent, ["webhook"]);

    expect(await other.claim(id, t0 + 1_000, t0 + 61_000, "alerts-reevaluation:n1")).toBeUndefined();
    expect(await other.claim(id, t0 + 1_000, t0 + 61_000)).toBeUndefined();
    // The holder, resumed in another process: its lease (kept through the recorded delivery) is its own.
    const resumed = await other.claim(id, t0 + 2_000, t0 + 62_000, "inventory-scan:2026-03-03");
    expect(resumed?.outbox.deliveries.webhook).toEqual(sent);
    expect(await state.alerts.claim(id, t0 + 3_000, t0 + 63_000, "alerts-reevaluation:n1")).toBeUndefined();
  });

  it("records each sink's result under the claim, keeps the alert pending until every sink has it, and lets a released alert be claimed at once", async () => {
    const state = store.fresh();
    const [alert] = await decideAlerts(state.alerts, findings.slice(0, 1), NIGHT);
    const id = alert?.id as string;
    const t0 = NIGHT.getTime();
    const sinks = ["webhook", "topic"];
    const claim = await state.alerts.claim(id, t0, t0 + 60_000);
    const failed = { status: "pending", attempts: 1, lastAttemptAt: "x", lastError: "503" } as const;
    const afterWebhook = await state.alerts.recordDelivery(
      claim as NonNullable<typeof claim>,
      "webhook",
      { status: "delivered", attempts: 1, deliveredAt: "x" },
      sinks,
    );
    const afterTopic = await state.alerts.recordDelivery(
      afterWebhook as NonNullable<typeof afterWebhook>,
      "topic",
      failed,
      sinks,
    );
    expect(afterTopic?.outbox.status).toBe("pending");
    // The claim before the last update is spent: an update under it records nothing.
    expect(
      await state.alerts.recordDelivery(claim as NonNullable<typeof claim>, "topic", failed, sinks),
    ).toBeUndefined();
    await state.alerts.release(afterTopic as NonNullable<typeof afterTopic>);

    const other = state.another().alerts;
    const pending = await other.pendingAlerts();
    expect(pending.map((outbox) => [outbox.alert.id, Object.keys(outbox.deliveries).sort()])).toEqual([
      [id, ["topic", "webhook"]],
    ]);
    const next = await other.claim(id, t0 + 1_000, t0 + 61_000);
    expect(next?.outbox.deliveries.topic).toEqual(failed);
    expect(await state.alerts.claim(id, t0 + 2_000, t0 + 62_000)).toBeUndefined();
  });

  it("reads and decides one subscription's tracks alone, leaving the others' as they are", async () => {
    const repo = store.fresh().alerts;
    const elsewhere = findings.map((finding) => ({
      ...finding,
      pool: {
        ...finding.pool,
        subscriptionId: "SUB-2",
        clusterId: finding.pool.clusterId.replace("/sub-1/", "/SUB-2/"),
      },
    }));
    await decideAlerts(repo, findings, NIGHT);
    const prefix = subscriptionTracks(elsewhere[0]?.pool as (typeof elsewhere)[0]["pool"]);
    expect(prefix).toBe("/subscriptions/sub-2/");
    expect(await decideAlerts(repo, elsewhere, NIGHT, prefix)).toHaveLength(3);
    expect(Object.keys((await repo.loadState(prefix)).state.tracks).sort()).toEqual(
      elsewhere.map(trackKey).sort(),
    );
    expect(Object.keys((await repo.loadState()).state.tracks)).toHaveLength(6);
    // A re-run of the night decides nothing new for either subscription.
    expect(await decideAlerts(repo, elsewhere, NIGHT, prefix)).toEqual([]);
    expect(await decideAlerts(repo, findings, NIGHT, "/subscriptions/sub-1/")).toEqual([]);
  });

  it("keeps tracks whose keys are too long for a row key, astral characters at the cut included, and reads a long prefix", async () => {
    const repo = store.fresh().alerts;
    // Two parities of astral characters: in one of the two keys a pair straddles the cut.
    const inGroup = (resourceGroup: string) => {
      const finding = azureLinux2Finding("c1", "apps");
      const clusterId = `/subscriptions/sub-1/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/c1`;
      return { ...finding, pool: { ...finding.pool, resourceGroup, clusterId } };
    };
    const long = [inGroup(`a${"𝒜".repeat(200)}`), inGroup(`aa${"𝒜".repeat(200)}`)];
    // A lone surrogate (Unicode category Cs) is what Table Storage refuses.
    for (const finding of long) expect(keyPart(trackKey(finding))).not.toMatch(/\p{Cs}/u);
    expect(await decideAlerts(repo, [...long, ...findings], NIGHT)).toHaveLength(5);
    const onePool = `${trackKey(long[0] as (typeof long)[0]).split("#")[0]}#`;
    expect(Object.keys((await repo.loadState(onePool)).state.tracks)).toEqual([
      trackKey(long[0] as (typeof long)[0]),
    ]);
    expect(Object.keys((await repo.loadState("/subscriptions/sub-1/")).state.tracks)).toHaveLength(5);
    expect(await decideAlerts(repo, [...long, ...findings], NIGHT)).toEqual([]);
  });

  it("counts the pending alerts pendingAlerts lists, a delivered one no longer", async () => {
    const repo = store.fresh().alerts;
    const [first] = await decideAlerts(repo, findings, NIGHT);
    expect(await repo.pendingCount()).toBe(3);
    const t0 = NIGHT.getTime();
    const claim = await repo.claim(first?.id as string, t0, t0 + 60_000);
    await repo.recordDelivery(
      claim as NonNullable<typeof claim>,
      "webhook",
      { status: "delivered", attempts: 1, deliveredAt: "x" },
      ["webhook"],
    );
    expect(await repo.pendingCount()).toBe(2);
    expect((await repo.pendingAlerts()).map((p) => p.alert.id)).not.toContain(first?.id);
  });
});

/** The JSON an adapter keeps of each track's state and each alert, read and written past the repository. */
interface RawAlertRows {
  tracks(): Promise<Map<string, string>>;
  outboxes(): Promise<Map<string, string>>;
  writeTrack(track: string, json: string): Promise<void>;
  writeOutbox(alertId: string, json: string): Promise<void>;
}

interface StoreWithRawRows {
  name: string;
  open(): { alerts: AlertRepository; another(): AlertRepository; raw: RawAlertRows };
}

function sqliteRaw(store: SqliteStore): RawAlertRows {
  const rows = (query: string) =>
    new Map(store.read((sql) => sql.all<{ key: string; json: string }>(query)).map((r) => [r.key, r.json]));
  return {
    tracks: async () => rows("SELECT track_key AS key, state AS json FROM alert_tracks"),
    outboxes: async () => rows("SELECT alert_id AS key, outbox AS json FROM alert_outbox"),
    writeTrack: async (track, json) => {
      store.write((sql) => sql.run("UPDATE alert_tracks SET state = ? WHERE track_key = ?", json, track));
    },
    writeOutbox: async (alertId, json) => {
      store.write((sql) => sql.run("UPDATE alert_outbox SET outbox = ? WHERE alert_id = ?", json, alertId));
    },
  };
}

function tablesRaw(store: TableStore): RawAlertRows {
  // Rows found by the key columns they carry, whatever the row key's encoding.
  const rows = async (keyColumn: string, jsonColumn: string) => {
    const found = new Map<string, { partitionKey: string; rowKey: string; json: string }>();
    for await (const row of (await store.table("Alerts")).listEntities<Record<string, string>>()) {
      const key = row[keyColumn];
      const json = row[jsonColumn];
      if (key !== undefined && json !== undefined) {
        found.set(key, { partitionKey: row.partitionKey as string, rowKey: row.rowKey as string, json });
      }
    }
    return found;
  };
  const jsonOf = async (keyColumn: string, jsonColumn: string) =>
    new Map([...(await rows(keyColumn, jsonColumn))].map(([key, row]) => [key, row.json]));
  const write = async (keyColumn: string, jsonColumn: string, key: string, json: string) => {
    const row = (await rows(keyColumn, jsonColumn)).get(key);
    if (!row) throw new Error(`no row with ${keyColumn} ${key}`);
    const { partitionKey, rowKey } = row;
    await (await store.table("Alerts")).updateEntity({ partitionKey, rowKey, [jsonColumn]: json }, "Merge");
  };
  return {
    tracks: () => jsonOf("TrackKey", "Track"),
    outboxes: () => jsonOf("AlertId", "Outbox"),
    writeTrack: (track, json) => write("TrackKey", "Track", track, json),
    writeOutbox: (alertId, json) => write("AlertId", "Outbox", alertId, json),
  };
}

describe.each<StoreWithRawRows>([
  {
    name: "SQLite",
    open() {
      const file = sqliteFiles.newFile();
      const store = sqliteFiles.open(file);
      return {
        alerts: sqliteRepositories(store).alerts,
        another: () => sqliteRepositories(sqliteFiles.open(file)).alerts,
        raw: sqliteRaw(store),
      };
    },
  },
  {
    name: "Table Storage on Azurite",
    open() {
      const prefix = tables.newPrefix();
      const store = tables.store(prefix);
      return {
        alerts: tableRepositories(store).alerts,
        another: () => tableRepositories(tables.store(prefix)).alerts,
        raw: tablesRaw(store),
      };
    },
  },
])("alert rows as $name stores them", (store) => {
  /** A night's alerts and, a date moved, a dates-changed alert covering the stages it crossed. */
  async function decided(alerts: AlertRepository) {
    await decideAlerts(alerts, findings, NIGHT);
    const moved = [azureLinux2Finding("prod#eu", "apps", "2026-02-15"), ...findings.slice(1)];
    const [changed] = await decideAlerts(alerts, moved, new Date("2026-01-10T14:00:00Z"));
    expect(changed?.covers.length).toBeGreaterThan(1);
    return { state: (await alerts.loadState()).state, listed: await alerts.listAlerts(), moved };
  }

  it("keep ids relative to their track: no stored row repeats the track key in an id, and each reads back exact", async () => {
    const { alerts, another, raw } = store.open();
    const { state, listed } = await decided(alerts);
    const storedTracks = await raw.tracks();
    expect([...storedTracks.keys()].sort()).toEqual(Object.keys(state.tracks).sort());
    for (const [track, json] of storedTracks) {
      const kept = state.tracks[track] as TrackState;
      expect(kept.done.length).toBeGreaterThan(0);
      expect(kept.done.filter((id) => !id.startsWith("|"))).toEqual([]);
      expect(json).not.toContain(track);
      expect(JSON.parse(json)).toEqual(kept);
    }
    const storedOutboxes = await raw.outboxes();
    expect(storedOutboxes.size).toBe(listed.length);
    for (const outbox of listed) {
      const track = trackKey(outbox.alert);
      const json = storedOutboxes.get(outbox.alert.id) as string;
      const ids = 1 + outbox.alert.covers.length;
      expect(json).not.toContain(`${track}|`);
      expect(json.length).toBe(JSON.stringify(outbox).length - ids * track.length);
    }

    // Read back whole by another connection, and through a claim and a delivery that rewrite the row.
    const other = another();
    expect((await other.loadState()).state).toEqual(state);
    expect(await other.listAlerts()).toEqual(listed);
    const first = listed[0] as OutboxAlert;
    const t0 = NIGHT.getTime();
    const claim = await other.claim(first.alert.id, t0, t0 + 60_000);
    expect(claim?.outbox).toEqual(first);
    const sent = { status: "pending", attempts: 1, lastError: "503" } as const;
    const after = await other.recordDelivery(claim as NonNullable<typeof claim>, "webhook", sent, [
      "webhook",
    ]);
    expect(after?.outbox).toEqual({ ...first, deliveries: { webhook: sent } });
    expect((await alerts.pendingAlerts()).find((p) => p.alert.id === first.alert.id)).toEqual(after?.outbox);
  });

  it("read rows written with full ids, as before ids were kept relative: alerts as they were, done-lists made relative", async () => {
    const { alerts, another, raw } = store.open();
    const { state, listed, moved } = await decided(alerts);
    for (const [track, kept] of Object.entries(state.tracks))
      await raw.writeTrack(track, JSON.stringify({ ...kept, done: kept.done.map((id) => track + id) }));
    for (const outbox of listed) await raw.writeOutbox(outbox.alert.id, JSON.stringify(outbox));
    expect([...(await raw.tracks()).values()].every((json) => json.includes('"done":["/'))).toBe(true);

    const other = another();
    expect((await other.loadState()).state).toEqual(state);
    expect(await other.listAlerts()).toEqual(listed);
    expect((await other.pendingAlerts()).sort(compareOutbox)).toEqual(listed);
    const first = listed[0] as OutboxAlert;
    const t0 = NIGHT.getTime();
    expect((await other.claim(first.alert.id, t0, t0 + 60_000))?.outbox).toEqual(first);
    // A re-run on the old rows decides nothing new.
    expect(await decideAlerts(other, moved, new Date("2026-01-10T15:00:00Z"))).toEqual([]);
  });
});
