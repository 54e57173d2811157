// dependency-scans on the orchestration harness: the product's orchestrator, fake activities.
import { describe, expect, it } from "vitest";
import type { ActivityInput } from "../../orchestrations/contracts.ts";
import type { ActivityCall } from "../support/activity-fakes.ts";
import { useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { clusters, lane, scanned } from "../support/workflow-fixtures.ts";

const harness = useOrchestrationHarness();

const laneClusters = (call: ActivityCall) =>
  (call.input as ActivityInput<"scan-dependency-lane">).clusters.map((cluster) => cluster.id);

describe("dependency-scans in lanes", () => {
  it("deals the clusters into `concurrency` lanes that go on each at its own pace", async () => {
    const run = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: clusters(6), concurrency: 2, lanes: true },
      {
        "scan-dependency-lane": lane(async (input) => {
          // c1 and c4 are slow: in batches of two ([c1 c2] [c3 c4] [c5 c6]) each would hold up its batch.
          await harness.clock.sleep(["c1", "c4"].includes(input.clusterId) ? 3_000 : 1_000);
          return scanned(input);
        }),
      },
    );
    expect(run.output).toEqual({ scanned: 6, failed: [] });
    const calls = run.callsOf("scan-dependency-lane");
    expect(calls.map(laneClusters)).toEqual([
      ["c1", "c3", "c5"],
      ["c2", "c4", "c6"],
    ]);
    expect(Math.max(...calls.map((call) => call.inFlight))).toBe(2);
    // Both lanes 3 + 1 + 1 virtual seconds at once: 5 s for the chunk, where batches took 3 + 3 + 1.
    expect(calls.map((call) => call.startedAt - (calls[0]?.startedAt ?? 0))).toEqual([0, 0]);
    expect(calls.map((call) => (call.endedAt ?? 0) - call.startedAt)).toEqual([5_000, 5_000]);
    expect(run.callsOf("scan-dependencies")).toEqual([]);
  });

  it("settles every cluster of a lane whose activity fails as failed and unrecorded, in the chunk's order", async () => {
    const run = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: clusters(4), concurrency: 2, lanes: true },
      {
        "scan-dependency-lane": (input) => {
          if (input.clusters.some((cluster) => cluster.id === "c2")) throw new Error("the host timed it out");
          return lane((scan) =>
            scan.clusterId === "c3"
              ? { kind: "failed", clusterId: "c3", error: "API server unreachable", recorded: true }
              : scanned(scan),
          )(input);
        },
      },
    );
    const timedOut = { error: expect.stringContaining("the host timed it out"), recorded: false };
    expect(run.output).toEqual({
      scanned: 1,
      failed: [
        { clusterId: "c2", ...timedOut },
        { clusterId: "c3", error: "API server unreachable", recorded: true },
        { clusterId: "c4", ...timedOut },
      ],
    });
    // Scheduled once each, not retried: the fan-out settles each lane itself.
    expect(run.timeline().filter((line) => line.startsWith("scheduled"))).toHaveLength(2);
  });

  it("has one lane per cluster when there are fewer clusters than `concurrency`, and none for no cluster", async () => {
    const fakes = { "scan-dependency-lane": lane(scanned) };
    const few = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: clusters(2), concurrency: 8, lanes: true },
      fakes,
    );
    expect(few.callsOf("scan-dependency-lane").map(laneClusters)).toEqual([["c1"], ["c2"]]);
    const none = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: [], concurrency: 8, lanes: true },
      fakes,
    );
    expect(none.output).toEqual({ scanned: 0, failed: [] });
    expect(none.callsOf("scan-dependency-lane")).toEqual([]);
  });
});

// Chunks begun before lanes (no `lanes` in their input) replay as they ran: batches of scan-dependencies.
describe("dependency-scans in batches", () => {
  it("never has more than `concurrency` scans in flight, though the host would run them all at once", async () => {
    const run = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: clusters(5), concurrency: 2 },
      {
        "scan-dependencies": async (input) => {
          await harness.clock.sleep(1_000);
          return scanned(input);
        },
      },
    );
    expect(run.output).toEqual({ scanned: 5, failed: [] });
    const calls = run.callsOf("scan-dependencies");
    expect(calls.map((call) => call.inFlight)).toEqual([1, 2, 1, 2, 1]);
    // Batches of two, each a virtual second long.
    const start = calls[0]?.startedAt ?? 0;
    expect(calls.map((call) => call.startedAt - start)).toEqual([0, 0, 1_000, 1_000, 2_000]);
  });

  it("settles a cluster whose activity fails as failed and unrecorded, and scans the rest", async () => {
    const run = await harness.run(
      "dependency-scans",
      { scanId: "s", clusters: clusters(3), concurrency: 3 },
      {
        "scan-dependencies": (input) => {
          if (input.clusterId === "c2") throw new Error("the host timed it out");
          return input.clusterId === "c3"
            ? { kind: "failed", clusterId: "c3", error: "API server unreachable", recorded: true }
            : scanned(input);
        },
      },
    );
    expect(run.output).toEqual({
      scanned: 1,
      failed: [
        { clusterId: "c2", error: expect.stringContaining("the host timed it out"), recorded: false },
        { clusterId: "c3", error: "API server unreachable", recorded: true },
      ],
    });
    // Scheduled once each, not retried: the fan-out settles each task itself.
    expect(run.timeline().filter((line) => line.startsWith("scheduled"))).toHaveLength(3);
  });
});
