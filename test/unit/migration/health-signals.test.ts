import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type HealthObservation,
  type HealthWatch,
  watchHealth,
} from "../../../shared/domain/migration/health-signals.ts";
import { DEFAULT_MIGRATION_OPTIONS } from "../../../shared/domain/migration/migration-options.ts";

const THRESHOLDS = DEFAULT_MIGRATION_OPTIONS.thresholds; // 5 restarts/h, Pending 120 s, persist 300 s
const T0 = Date.parse("2026-12-02T10:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function observed(seconds: number, changes: Partial<HealthObservation> = {}): HealthObservation {
  return {
    at: at(seconds),
    notReadyNodes: [],
    restartsByNode: { "node-a": 0, "node-b": 0 },
    pendingPods: [],
    failingDaemonSetPods: [],
    ...changes,
  };
}

/** Feeds the observations in order and returns the last result. */
function watchAll(observations: HealthObservation[]) {
  let watch: HealthWatch | undefined;
  let result: ReturnType<typeof watchHealth> | undefined;
  for (const observation of observations) {
    result = watchHealth(watch, observation, THRESHOLDS);
    watch = result.watch;
  }
  if (result === undefined) throw new Error("no observation");
  return result;
}

describe("watchHealth", () => {
  it("is healthy with no signal", () => {
    expect(watchAll([observed(0), observed(60)])).toMatchObject({ verdict: "healthy", signals: [] });
  });

  it("is degraded by a NotReady node, failing once it lasts past persistSeconds, forgets it when it clears", () => {
    const notReady = { notReadyNodes: ["node-a"] };
    const young = watchAll([observed(0), observed(60, notReady), observed(300, notReady)]);
    expect(young.verdict).toBe("degraded");
    expect(young.signals).toEqual([
      { code: "node-not-ready", subject: "node-a", detail: "node node-a is NotReady", since: at(60) },
    ]);
    expect(watchAll([observed(0), observed(60, notReady), observed(361, notReady)]).verdict).toBe("failing");
    // Cleared in between: its time starts again when it comes back.
    const back = watchAll([observed(60, notReady), observed(120), observed(361, notReady)]);
    expect(back).toMatchObject({ verdict: "degraded", signals: [{ since: at(361) }] });
  });

  it("signals a node with more restarts than the threshold since the earliest sample of the last hour", () => {
    const restarts = (a: number) => ({ restartsByNode: { "node-a": a, "node-b": 3 } });
    expect(watchAll([observed(0, restarts(10)), observed(600, restarts(15))]).verdict).toBe("healthy");
    const many = watchAll([observed(0, restarts(10)), observed(600, restarts(16))]);
    expect(many.signals).toEqual([
      {
        code: "restarts",
        subject: "node-a",
        detail: `6 container restarts on node-a since ${at(0)}`,
        since: at(600),
      },
    ]);
    // Restarts spread over more than an hour are measured against the last hour only: 8 in two hours.
    const slow = [0, 1800, 3600, 5400, 7200].map((s, i) => observed(s, restarts(10 + 2 * i)));
    expect(watchAll(slow).verdict).toBe("healthy");
  });

  it("measures a node that joined from its first sample, not from zero", () => {
    const joined = { restartsByNode: { "node-a": 0, "node-c": 40 } };
    expect(watchAll([observed(0), observed(600, joined)]).verdict).toBe("healthy");
  });

  it("signals a pod Pending longer than pendingPodSeconds, from the moment it passed that", () => {
    const pending = { pendingPods: [{ pod: "shop/web-1", since: at(0) }] };
    expect(watchAll([observed(100, pending)]).verdict).toBe("healthy");
    const late = watchAll([observed(100, pending), observed(200, pending)]);
    expect(late.signals).toEqual([
      {
        code: "pod-pending",
        subject: "shop/web-1",
        detail: `pod shop/web-1 has been Pending since ${at(0)}`,
        since: at(120),
      },
    ]);
    expect(watchAll([observed(421, pending)]).verdict).toBe("failing");
  });

  it("gives a node that joined NotReady the time a new pod gets, then signals it from the moment it passed that", () => {
    const joining = { joiningNodes: [{ node: "node-new", since: at(0) }] };
    expect(watchAll([observed(100, joining)]).verdict).toBe("healthy");
    const late = watchAll([observed(100, joining), observed(200, joining)]);
    expect(late).toMatchObject({
      verdict: "degraded",
      signals: [{ code: "node-not-ready", subject: "node-new", since: at(120) }],
    });
    expect(watchAll([observed(200, joining), observed(421, joining)]).verdict).toBe("failing");
  });

  it("signals failing daemonset pods", () => {
    const result = watchAll([observed(0, { failingDaemonSetPods: ["kube-system/runtime-guard-x"] })]);
    expect(result).toMatchObject({ verdict: "degraded", signals: [{ code: "daemonset-failing" }] });
  });

  it("keeps a small, JSON-safe watch however long it runs", () => {
    const pendingPods = Array.from({ length: 200 }, (_, i) => ({ pod: `shop/web-${i}`, since: at(0) }));
    const observations = Array.from({ length: 500 }, (_, i) =>
      observed(i * 30, {
        restartsByNode: { "node-a": i, "node-b": 0 },
        notReadyNodes: ["node-b"],
        pendingPods,
      }),
    );
    const { watch, signals } = watchAll(observations);
    expect(signals.filter((s) => s.code === "pod-pending")).toHaveLength(200);
    expect(watch.samples.length).toBeLessThanOrEqual(13);
    // A Pending pod's observation says since when: the watch need not remember it.
    expect(watch.seen.map((s) => s.code).sort()).toEqual(["node-not-ready", "restarts"]);
    expect(JSON.parse(JSON.stringify(watch))).toEqual(watch);
  });

  it("property: failing exactly when a signal's age passes persistSeconds; samples bounded and in the last hour", () => {
    const step = fc.record({
      gap: fc.integer({ min: 1, max: 900 }),
      notReady: fc.boolean(),
      restarts: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        let watch: HealthWatch | undefined;
        let seconds = 0;
        let restarts = 0;
        let notReadySince: number | undefined;
        for (const { gap, notReady, restarts: more } of steps) {
          seconds += gap;
          restarts += more;
          notReadySince = notReady ? (notReadySince ?? seconds) : undefined;
          const result = watchHealth(
            watch,
            observed(seconds, {
              notReadyNodes: notReady ? ["node-a"] : [],
              restartsByNode: { "node-a": restarts },
            }),
            { ...THRESHOLDS, restartsPerNodePerHour: 1000 },
          );
          watch = result.watch;
          const expected =
            notReadySince === undefined ? "healthy" : seconds - notReadySince > 300 ? "failing" : "degraded";
          expect(result.verdict).toBe(expected);
          expect(watch.samples.length).toBeLessThanOrEqual(13);
          expect(watch.samples.every((s) => Date.parse(s.at) >= T0 + (seconds - 3600) * 1000)).toBe(true);
        }
      }),
    );
  });
});
