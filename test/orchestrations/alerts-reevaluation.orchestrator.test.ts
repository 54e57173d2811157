// alerts-reevaluation on the orchestration harness: the product's orchestrator, fake activities.
import { describe, expect, it } from "vitest";
import { HARNESS_START, useOrchestrationHarness } from "../support/orchestration-harness.ts";
import { decided, delivered } from "../support/workflow-fixtures.ts";

const harness = useOrchestrationHarness();

describe("alerts-reevaluation", () => {
  it("decides against the latest scan at the orchestration's time, then delivers as its own holder", async () => {
    const run = await harness.run(
      "alerts-reevaluation",
      { noticeId: "n1" },
      {
        "decide-alerts": () => decided("scan-1", 3),
        "deliver-alerts": () => delivered(3),
      },
    );
    expect(run.output).toEqual({
      noticeId: "n1",
      alerts: { kind: "done", decision: decided("scan-1", 3), delivery: delivered(3) },
    });
    expect(run.customStatus).toEqual({ noticeId: "n1", stage: "alerts" });
    expect(run.callsOf("decide-alerts")[0]?.input).toEqual({ now: new Date(HARNESS_START).toISOString() });
    expect(run.callsOf("deliver-alerts")[0]?.input).toEqual({ holder: run.instanceId });
  });

  it("delivers nothing when there is no scan yet", async () => {
    const run = await harness.run(
      "alerts-reevaluation",
      { noticeId: "n2" },
      {
        "decide-alerts": () => ({ kind: "no-scan" }),
      },
    );
    expect(run.output.alerts).toEqual({ kind: "done", decision: { kind: "no-scan" } });
    expect(run.timeline()).toEqual([
      "started alerts-reevaluation",
      "scheduled decide-alerts",
      "completed decide-alerts",
      "ended Completed",
    ]);
  });

  it("reports a delivery that fails after its retries in the result, and completes", async () => {
    const run = await harness.run(
      "alerts-reevaluation",
      { noticeId: "n3" },
      {
        "decide-alerts": () => decided("scan-1", 2),
        "deliver-alerts": () => {
          throw new Error("the topic is unreachable");
        },
      },
    );
    expect(run.status.runtimeStatus).toBe("Completed");
    expect(run.output.alerts).toEqual({
      kind: "failed",
      stage: "deliver",
      error: expect.stringContaining("the topic is unreachable"),
      decision: decided("scan-1", 2),
    });
    // Three attempts, 5 s then 10 s apart on virtual time.
    const attempts = run.callsOf("deliver-alerts").map((call) => call.startedAt - Date.parse(HARNESS_START));
    expect(attempts).toEqual([0, 5_000, 15_000]);
  });
});
