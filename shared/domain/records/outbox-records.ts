// What every AlertRepository adapter decides alike: which tracks a decision changes (with their new
// alerts, pending), an alert's state after one sink's result, the outbox's order, and the stored form of a
// track's state and of an alert.

import {
  type AlertDecision,
  type LifecycleAlert,
  type TrackState,
  trackKey,
} from "../alerts/alert-policy.ts";
import type { AlertStateSnapshot, OutboxAlert, SinkDelivery } from "../ports/alerts.ts";
import { canonicalJson } from "../support/canonical-json.ts";

interface TrackChange {
  track: string;
  state: TrackState;
  /** The version the snapshot read; none when the track is new. */
  version: string | undefined;
  /** The track's new alerts, pending. */
  added: OutboxAlert[];
}

/** Tracks whose state or alerts the decision changes; a track left as it was is not written. */
export function trackChanges(
  snapshot: AlertStateSnapshot,
  decision: AlertDecision,
  decidedAt: string,
): TrackChange[] {
  const alertsByTrack = new Map<string, LifecycleAlert[]>();
  for (const alert of decision.alerts) {
    alertsByTrack.set(trackKey(alert), [...(alertsByTrack.get(trackKey(alert)) ?? []), alert]);
  }
  const unknown = [...alertsByTrack.keys()].filter((track) => !(track in decision.state.tracks));
  if (unknown.length > 0)
    throw new Error(`alert decision has alerts for tracks without state: ${unknown.join(", ")}`);
  const changes: TrackChange[] = [];
  for (const [track, state] of Object.entries(decision.state.tracks)) {
    const before = snapshot.state.tracks[track];
    const alerts = alertsByTrack.get(track) ?? [];
    const unchanged = before === state || (before && canonicalJson(before) === canonicalJson(state));
    if (unchanged && alerts.length === 0) continue;
    changes.push({
      track,
      state,
      version: snapshot.versions.get(track),
      added: alerts.map((alert) => ({ alert, decidedAt, status: "pending", deliveries: {} })),
    });
  }
  return changes;
}

/** The alert with one sink's result: delivered once every sink in `sinks` has it. */
export function withDelivery(
  outbox: OutboxAlert,
  sink: string,
  delivery: SinkDelivery,
  sinks: readonly string[],
): OutboxAlert {
  const deliveries = { ...outbox.deliveries, [sink]: delivery };
  const done = sinks.every((name) => deliveries[name]?.status === "delivered");
  return { ...outbox, deliveries, status: done ? "delivered" : "pending" };
}

/** Oldest decision first. */
export function compareOutbox(a: OutboxAlert, b: OutboxAlert): number {
  return a.decidedAt.localeCompare(b.decidedAt) || a.alert.id.localeCompare(b.alert.id);
}

/** A pending alert is free once its lease ran out, and at once to the run that holds it. */
export function isClaimable(
  lease: { status: string; leaseUntil: number; holder: string | undefined },
  now: number,
  holder: string | undefined,
): boolean {
  if (lease.status !== "pending") return false;
  return lease.leaseUntil <= now || (holder !== undefined && lease.holder === holder);
}

// Stored form: an alert id is `${trackKey}|...` (alert-policy.ts), and an alert's own id and covers
// repeat that key in every id, most of a row's bytes. They are stored from the "|" on, relative to their
// track, as a track's done-list is kept (TrackState). A full id starts with the key's "/": an outbox row
// written with full ids reads as it is, and a track row's full ids are made relative.

/** The state of track `track` from its stored form: a done id stored whole (rows from before) made relative. */
export function trackStateFromStored(track: string, stored: TrackState): TrackState {
  if (!stored.done.some((id) => isIdOf(track, id))) return stored;
  return { ...stored, done: stored.done.map((id) => withoutKey(track, id)) };
}

/** The alert as stored in its outbox row. */
export function storedOutbox(outbox: OutboxAlert): OutboxAlert {
  return withAlertIds(outbox, relativeId);
}

/** The alert from its stored form. */
export function outboxFromStored(stored: OutboxAlert): OutboxAlert {
  return withAlertIds(stored, absoluteId);
}

function withAlertIds(outbox: OutboxAlert, convert: (track: string, id: string) => string): OutboxAlert {
  const track = trackKey(outbox.alert);
  const { alert } = outbox;
  return {
    ...outbox,
    alert: { ...alert, id: convert(track, alert.id), covers: alert.covers.map((id) => convert(track, id)) },
  };
}

function isIdOf(track: string, id: string): boolean {
  return id[track.length] === "|" && id.startsWith(track);
}

/** The id from the "|" on when it is the track's; another track's stays whole. */
function withoutKey(track: string, id: string): string {
  return isIdOf(track, id) ? id.slice(track.length) : id;
}

function relativeId(track: string, id: string): string {
  const relative = withoutKey(track, id);
  // Would read back with the key prepended: no id of the policy's starts with "|".
  if (relative === id && id.startsWith("|"))
    throw new Error(`alert id ${JSON.stringify(id)} of track ${track} starts with "|"`);
  return relative;
}

function absoluteId(track: string, id: string): string {
  return id.startsWith("|") ? `${track}${id}` : id;
}
