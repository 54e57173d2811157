// Decides the night's alerts and stores them before anyone sends them: the state and the new alerts of
// each track are committed together, checked against the version read. A track another writer changed
// meanwhile is evaluated again on its new state, so no alert is decided twice. Given a track prefix,
// only the tracks under it are read: the findings must all be theirs.

import {
  type AlertFinding,
  evaluateAlerts,
  type LifecycleAlert,
  trackKey,
} from "../domain/alerts/alert-policy.ts";
import type { AlertRepository } from "../domain/ports/alerts.ts";

export const MAX_DECISION_ATTEMPTS = 5;

export async function decideAlerts(
  repository: AlertRepository,
  findings: readonly AlertFinding[],
  now: Date,
  trackPrefix?: string,
): Promise<LifecycleAlert[]> {
  const decided: LifecycleAlert[] = [];
  let remaining = findings;
  for (let attempt = 0; attempt < MAX_DECISION_ATTEMPTS; attempt++) {
    const snapshot = await repository.loadState(trackPrefix);
    const decision = evaluateAlerts(snapshot.state, remaining, now);
    const { conflicts } = await repository.commitDecision(snapshot, decision, now.toISOString());
    const conflicted = new Set(conflicts);
    decided.push(...decision.alerts.filter((alert) => !conflicted.has(trackKey(alert))));
    if (conflicted.size === 0) return decided;
    remaining = remaining.filter((finding) => conflicted.has(trackKey(finding)));
  }
  throw new Error(
    `alert state of ${remaining.length} track(s) kept changing under concurrent writers after ${MAX_DECISION_ATTEMPTS} attempts: ${remaining.map(trackKey).join(", ")}`,
  );
}
