// inventory-scan on the orchestration harness: the product's orchestrator and its dependency-scans
// chunks, fake activities.
import { describe, expect, it } from "vitest";
import type { ActivityFakes } from "../support/activity-fakes.ts";
import { HARNESS_START, useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { begun, decided, delivered, finished, listing, scanned } from "../support/workflow-fixtures.ts";

/** The first run's scan: the instant it started, the harness's virtual start. */
const SCAN_ID = HARNESS_START;

const harness = useOrchestrationHarness();

/** A fleet of `count` clusters that scans and alerts without trouble; a test overrides what it needs. */
function healthyFleet(count: number, overrides: ActivityFakes = {}): ActivityFakes {
  return {
    "begin-scan": begun,
    "list-fleet": () => listing(count),
    "scan-dependencies": scanned,
    "finish-scan": finished,
    "decide-alerts": ({ scanId }) => decided(scanId ?? "", 1),
    "deliver-alerts": () => delivered(1),
    ...overrides,
  };
}

describe("inventory-scan", () => {
  it("goes through its stages in order and shows each in its custom status", async () => {
    const run = await harness.run(
      "inventory-scan",
      { requestedBy: "operator", concurrency: 2 },
      healthyFleet(3),
    );
    expect(run.output.summary.status).toBe("complete");
    expect(run.output.dependencies).toEqual({ scanned: 3, failed: [] });
    expect(run.customStatus).toEqual({ scanId: SCAN_ID, stage: "done", status: "complete" });
    const stageAt = (name: Parameters<typeof run.callsOf>[0]) => run.callsOf(name)[0]?.customStatus;
    expect(stageAt("begin-scan")).toBeNull();
    expect(stageAt("list-fleet")).toEqual({ scanId: SCAN_ID, stage: "listing the fleet" });
    expect(stageAt("scan-dependencies")).toEqual({
      scanId: SCAN_ID,
      stage: "scanning dependencies",
      clusters: 3,
    });
    expect(stageAt("finish-scan")).toEqual({ scanId: SCAN_ID, stage: "finishing" });
    expect(stageAt("deliver-alerts")).toEqual({ scanId: SCAN_ID, stage: "alerts" });
    expect(run.timeline()).toEqual([
      "started inventory-scan",
      "scheduled begin-scan",
      "completed begin-scan",
      "scheduled list-fleet",
      "completed list-fleet",
      "started sub-orchestration dependency-scans",
      "completed sub-orchestration dependency-scans",
      "scheduled finish-scan",
      "completed finish-scan",
      "scheduled decide-alerts",
      "completed decide-alerts",
      "scheduled deliver-alerts",
      "completed deliver-alerts",
      "ended Completed",
    ]);
  });

  it("finishes an incomplete, empty scan when the listing fails even after its retries, and does not fail", async () => {
    const run = await harness.run(
      "inventory-scan",
      { requestedBy: "timer", concurrency: 2 },
      healthyFleet(3, {
        "list-fleet": () => {
          throw new Error("Resource Graph refused the query");
        },
      }),
    );
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.summary.status).toBe("incomplete");
    expect(run.callsOf("list-fleet")).toHaveLength(3);
    expect(run.callsOf("finish-scan")[0]?.input).toMatchObject({
      incompleteReasons: [
        expect.stringMatching(/^the fleet could not be listed: .*Resource Graph refused the query/),
      ],
      listed: { clusters: 0, pools: 0 },
      unrecorded: [],
    });
    expect(run.subOrchestrations()).toEqual([]);
    expect(run.callsOf("deliver-alerts")).toHaveLength(1);
  });

  it("has every cluster of a chunk that failed failed and unrecorded, and the other chunks' results kept", async () => {
    const run = await harness.run(
      "inventory-scan",
      { requestedBy: "operator", concurrency: 1, clustersPerChunk: 2 },
      healthyFleet(5, {
        "scan-dependencies": async (input) => {
          // An operator terminates the chunk that scans c3 (c3 and c4) while it runs.
          if (input.clusterId === "c3") {
            for (const chunk of await harness.running("dependency-scans")) {
              await harness.client.terminate(chunk, "stuck");
            }
          }
          return scanned(input);
        },
      }),
    );
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.subOrchestrations()).toHaveLength(3);
    const chunkFailure = expect.stringMatching(/^the dependency scans of its chunk failed: .*stuck/);
    expect(run.output.dependencies).toEqual({
      scanned: 3,
      failed: [
        { clusterId: "c3", error: chunkFailure },
        { clusterId: "c4", error: chunkFailure },
      ],
    });
    expect(run.callsOf("finish-scan")[0]?.input).toMatchObject({
      unrecorded: [
        { clusterId: "c3", error: chunkFailure },
        { clusterId: "c4", error: chunkFailure },
      ],
    });
    expect(run.timeline().filter((line) => line.includes("sub-orchestration"))).toEqual([
      "started sub-orchestration dependency-scans",
      "completed sub-orchestration dependency-scans",
      "started sub-orchestration dependency-scans",
      "failed sub-orchestration dependency-scans",
      "started sub-orchestration dependency-scans",
      "completed sub-orchestration dependency-scans",
    ]);
  });
});
