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

/**
 * The findings, or how to work them out. Findings that depend on the calendar must be worked out after
 * the state is read, as a function does here: a notice's correction committed before that read was
 * decided on a calendar that already had the notice, and the findings then see it too, instead of
 * correcting the track back to the dates the notice replaced.
 */
export type Findings = readonly AlertFinding[] | (() => Promise<readonly AlertFinding[]>);

export async function decideAlerts(
  repository: AlertRepository,
  findings: Findings,
  now: Date,
  trackPrefix?: string,
): Promise<LifecycleAlert[]> {
  const decided: LifecycleAlert[] = [];
  let conflicted = new Set<string>();
  for (let attempt = 0; attempt < MAX_DECISION_ATTEMPTS; attempt++) {
    const snapshot = await repository.loadState(trackPrefix);
    const current = typeof findings === "function" ? await findings() : findings;
    const remaining =
      attempt === 0 ? current : current.filter((finding) => conflicted.has(trackKey(finding)));
    const decision = evaluateAlerts(snapshot.state, remaining, now);
    const { conflicts } = await repository.commitDecision(snapshot, decision, now.toISOString());
    conflicted = new Set(conflicts);
    decided.push(...decision.alerts.filter((alert) => !conflicted.has(trackKey(alert))));
    if (conflicted.size === 0) return decided;
  }
  throw new Error(
    `alert state of ${conflicted.size} track(s) kept changing under concurrent writers after ${MAX_DECISION_ATTEMPTS} attempts: ${[...conflicted].join(", ")}`,
  );
}
