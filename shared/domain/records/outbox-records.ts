// What every AlertRepository adapter decides alike: which tracks a decision changes (with their new
// alerts, pending), an alert's state after one sink's result, and the outbox's order.

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
    if (before && canonicalJson(before) === canonicalJson(state) && alerts.length === 0) continue;
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
