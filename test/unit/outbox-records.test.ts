// The stored form of a track's state and an alert (ids relative to their track, read back exactly), and
// which tracks a decision writes.
import { describe, expect, it } from "vitest";
import { evaluateAlerts, trackKey } from "../../shared/domain/alerts/alert-policy.ts";
import type { OutboxAlert } from "../../shared/domain/ports/alerts.ts";
import {
  outboxFromStored,
  storedOutbox,
  trackChanges,
  trackStateFromStored,
} from "../../shared/domain/records/outbox-records.ts";
import { azureLinux2Finding, NIGHT } from "../support/alert-fixtures.ts";

const finding = azureLinux2Finding("prod", "apps");
const track = trackKey(finding);
const decision = evaluateAlerts({ version: 1, tracks: {} }, [finding], NIGHT);
const state = decision.state.tracks[track] as NonNullable<(typeof decision.state.tracks)[string]>;
const outbox: OutboxAlert = {
  alert: decision.alerts[0] as OutboxAlert["alert"],
  decidedAt: NIGHT.toISOString(),
  status: "pending",
  deliveries: {},
};

describe("stored alert ids", () => {
  it("are kept from the '|' on, a track's as it is in memory, an alert's read back exactly", () => {
    expect(state.done.length).toBeGreaterThan(0);
    expect(state.done.filter((id) => !id.startsWith("|"))).toEqual([]);
    expect(trackStateFromStored(track, state)).toBe(state);
    const storedAlert = storedOutbox(outbox);
    expect(storedAlert.alert.id).toBe(outbox.alert.id.slice(track.length));
    expect(outboxFromStored(storedAlert)).toEqual(outbox);
  });

  it("read a track's ids stored whole (rows from before) as relative, and keep an id of another track whole", () => {
    const foreign = `${track}x|image-removal-90d|2026-03-31`;
    const storedWhole = { ...state, done: [...state.done.map((id) => track + id), foreign] };
    expect(trackStateFromStored(track, storedWhole)).toEqual({ ...state, done: [...state.done, foreign] });
    expect(() =>
      storedOutbox({ ...outbox, alert: { ...outbox.alert, covers: ["|stage|2026-03-31"] } }),
    ).toThrow(/starts with "\|"/);
  });
});

describe("trackChanges", () => {
  it("leaves out a track the run sent nothing on, kept as read even when its done-list is in another order", () => {
    const asRead = { ...state, done: [...state.done].reverse() };
    const snapshot = {
      state: { version: 1 as const, tracks: { [track]: asRead } },
      versions: new Map([[track, "1"]]),
    };
    const later = new Date(NIGHT.getTime() + 3_600_000);
    const again = evaluateAlerts(snapshot.state, [finding], later);
    expect(again.alerts).toEqual([]);
    expect(again.state.tracks[track]).toBe(asRead);
    expect(trackChanges(snapshot, again, later.toISOString())).toEqual([]);
  });

  it("writes a track whose alert the run decided, with the alert pending", () => {
    const changes = trackChanges({ state: { version: 1, tracks: {} }, versions: new Map() }, decision, "now");
    expect(changes).toEqual([{ track, state, version: undefined, added: [{ ...outbox, decidedAt: "now" }] }]);
  });
});
