// dependency-scans on the orchestration harness: the product's orchestrator, fake activities.
import { describe, expect, it } from "vitest";
import { useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { clusters, scanned } from "../support/workflow-fixtures.ts";

const harness = useOrchestrationHarness();

describe("dependency-scans", () => {
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
