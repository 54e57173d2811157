// The seed's rollback signals ("How Do You Know When to Roll Back?"): a node NotReady, more than N
// restarts per node per hour, pods Pending longer than N minutes, daemonset pods failing. A signal that
// clears within its grace lets the drain go on; one that persists past `persistSeconds` halts it.

import type { HealthThresholds } from "./migration-options.ts";

/** One look at the cluster (the observe-health activity). */
export interface HealthObservation {
  at: string;
  /** Nodes NotReady after having been Ready. */
  notReadyNodes: string[];
  /** Nodes not Ready yet since they joined (a new pool's new nodes), and when they joined. */
  joiningNodes?: { node: string; since: string }[];
  /** Total container restarts of the pods on each node now. */
  restartsByNode: Record<string, number>;
  /** Pending pods and since when they are pending. */
  pendingPods: { pod: string; since: string }[];
  /** Daemonset pods not running or crash-looping on the watched nodes. */
  failingDaemonSetPods: string[];
}

export type HealthSignalCode = "node-not-ready" | "restarts" | "pod-pending" | "daemonset-failing";

export interface HealthSignal {
  code: HealthSignalCode;
  /** The node or pod it is about. */
  subject: string;
  detail: string;
  /** When it was first seen (a Pending pod or a joining node: when it passed pendingPodSeconds). */
  since: string;
}

/** Restart totals per node at one observation. */
export interface RestartSample {
  at: string;
  restartsByNode: Record<string, number>;
}

/** A signal of the last observation and when it was first seen. */
export interface SeenSignal {
  code: HealthSignalCode;
  subject: string;
  since: string;
}

/**
 * What the watch remembers between observations; it lives in orchestration history, so it stays small:
 * restart samples at least 5 minutes apart within the last hour (at most 13), and when the last
 * observation's signals were first seen (not Pending pods': the observation says since when).
 */
export interface HealthWatch {
  samples: RestartSample[];
  seen: SeenSignal[];
}

export type HealthVerdict = "healthy" | "degraded" | "failing";

const HOUR_MS = 3600_000;
const SAMPLE_SPACING_MS = 5 * 60_000;

const ms = (instant: string): number => Date.parse(instant);
const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/**
 * Reads one observation against the watch so far: healthy with no signal, degraded while every signal
 * is younger than thresholds.persistSeconds, failing once one has lasted longer. A signal absent from
 * the observation has cleared and is forgotten: if it comes back, its time starts again.
 */
export function watchHealth(
  watch: HealthWatch | undefined,
  observation: HealthObservation,
  thresholds: HealthThresholds,
): { watch: HealthWatch; verdict: HealthVerdict; signals: HealthSignal[] } {
  const now = ms(observation.at);
  if (Number.isNaN(now)) throw new Error(`health observation time "${observation.at}" is not an instant`);
  const samples = (watch?.samples ?? []).filter((sample) => ms(sample.at) >= now - HOUR_MS);
  const seen = new Map(
    (watch?.seen ?? []).map((signal) => [`${signal.code}:${signal.subject}`, signal.since]),
  );
  const signal = (code: HealthSignalCode, subject: string, detail: string, since = observation.at) => {
    const earlier = seen.get(`${code}:${subject}`);
    return {
      code,
      subject,
      detail,
      since: earlier !== undefined && ms(earlier) < ms(since) ? earlier : since,
    };
  };
  const signals: HealthSignal[] = [
    ...observation.notReadyNodes.map((node) => signal("node-not-ready", node, `node ${node} is NotReady`)),
    // A node that joined gets the time a new pod gets before its NotReady counts: the new pool grows while
    // the drain goes on, and a node still booting is not a sign that something broke.
    ...(observation.joiningNodes ?? []).flatMap(({ node, since }) => {
      const overdue = ms(since) + thresholds.pendingPodSeconds * 1000;
      return overdue < now
        ? [
            signal(
              "node-not-ready",
              node,
              `node ${node} is NotReady since it joined at ${since}`,
              iso(overdue),
            ),
          ]
        : [];
    }),
    ...restartSignals(samples, observation, thresholds).map(({ node, detail }) =>
      signal("restarts", node, detail),
    ),
    ...observation.pendingPods.flatMap(({ pod, since }) => {
      const overdue = ms(since) + thresholds.pendingPodSeconds * 1000;
      return overdue < now
        ? [signal("pod-pending", pod, `pod ${pod} has been Pending since ${since}`, iso(overdue))]
        : [];
    }),
    ...observation.failingDaemonSetPods.map((pod) =>
      signal("daemonset-failing", pod, `daemonset pod ${pod} is not running`),
    ),
  ];
  const last = samples.at(-1);
  if (last === undefined || ms(last.at) <= now - SAMPLE_SPACING_MS) {
    samples.push({ at: observation.at, restartsByNode: { ...observation.restartsByNode } });
  }
  const persisted = signals.some((s) => hasPersisted(s, observation.at, thresholds));
  const verdict: HealthVerdict = signals.length === 0 ? "healthy" : persisted ? "failing" : "degraded";
  const remembered = signals
    .filter((s) => s.code !== "pod-pending")
    .map(({ code, subject, since }) => ({ code, subject, since }));
  return { watch: { samples, seen: remembered }, verdict, signals };
}

/** Whether a signal seen at `at` has lasted past thresholds.persistSeconds: the watch's "failing". */
export function hasPersisted(
  signal: Pick<HealthSignal, "since">,
  at: string,
  thresholds: Pick<HealthThresholds, "persistSeconds">,
): boolean {
  return ms(at) - ms(signal.since) > thresholds.persistSeconds * 1000;
}

/** Nodes whose restarts since the earliest sample of the last hour exceed the hourly threshold. */
function restartSignals(
  samples: readonly RestartSample[],
  observation: HealthObservation,
  thresholds: HealthThresholds,
): { node: string; detail: string }[] {
  const earliest = samples[0];
  if (earliest === undefined) return [];
  return Object.entries(observation.restartsByNode).flatMap(([node, restarts]) => {
    // A node missing from the sample joined since: it is measured from its first sample on.
    const before = Object.hasOwn(earliest.restartsByNode, node) ? earliest.restartsByNode[node] : undefined;
    if (before === undefined || restarts - before <= thresholds.restartsPerNodePerHour) return [];
    return [{ node, detail: `${restarts - before} container restarts on ${node} since ${earliest.at}` }];
  });
}
