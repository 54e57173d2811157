// The nightly scan as a story: begin the scan, list the fleet through Resource Graph (pools assessed and
// recorded), scan each cluster's workloads (at most N at once; a failing cluster is recorded with its
// error and does not fail the scan), finish the scan (complete or incomplete, with reasons), then decide
// and deliver alerts. Time is the orchestration's: the scan id is the instant it started.

import type { OrchestrationContext, Task } from "durable-functions";
import type { ScanSummary } from "../shared/domain/ports.ts";
import {
  ACTIVITIES,
  type BeginScanInput,
  type FinishScanInput,
  type InventoryScanInput,
  type InventoryScanResult,
  type ListFleetInput,
  type ListFleetOutput,
  ORCHESTRATIONS,
  type ScanDependenciesInput,
  type ScanDependenciesOutput,
} from "./contracts.ts";
import { decideAndDeliverAlerts } from "./steps/alerts-run.ts";
import { batchedFanOut } from "./steps/batched-fan-out.ts";
import { callActivity, errorMessage } from "./steps/call-activity.ts";
import { registerOrchestration } from "./steps/register.ts";

/** "2026-11-26T02:00:00Z": sorts with the instants of other scans. */
export function scanIdAt(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

export function* inventoryScan(context: OrchestrationContext): Generator<Task, InventoryScanResult, unknown> {
  const input = context.df.getInput() as InventoryScanInput;
  const scanId = scanIdAt(context.df.currentUtcDateTime);
  const begin: BeginScanInput = { scanId, startedAt: context.df.currentUtcDateTime.toISOString() };
  yield* callActivity<ScanSummary>(context, ACTIVITIES.beginScan, begin);

  context.df.setCustomStatus({ scanId, stage: "listing the fleet" });
  const listing = yield* listFleet(context, scanId);

  context.df.setCustomStatus({ scanId, stage: "scanning dependencies", clusters: listing.clusters.length });
  const scans = yield* batchedFanOut<ListFleetOutput["clusters"][number], ScanDependenciesOutput>(
    context,
    listing.clusters,
    Math.max(1, input.concurrency),
    (cluster) => {
      const request: ScanDependenciesInput = { scanId, clusterId: cluster.id, pools: cluster.pools };
      return context.df.callActivity(ACTIVITIES.scanDependencies, request);
    },
  );
  const failed = scans.flatMap((scan) => {
    if (!scan.ok) return [{ clusterId: scan.item.id, error: scan.error, recorded: false }];
    return scan.result.kind === "failed" ? [scan.result] : [];
  });

  context.df.setCustomStatus({ scanId, stage: "finishing" });
  const finish: FinishScanInput = {
    scanId,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    incompleteReasons: listing.incompleteReasons,
    unrecorded: failed
      .filter((failure) => !failure.recorded)
      .map(({ clusterId, error }) => ({ clusterId, error })),
  };
  const summary = yield* callActivity<ScanSummary>(context, ACTIVITIES.finishScan, finish);

  context.df.setCustomStatus({ scanId, stage: "alerts" });
  const alerts = yield* decideAndDeliverAlerts(context, scanId);
  context.df.setCustomStatus({ scanId, stage: "done", status: summary.status });
  return {
    scanId,
    summary,
    listing: { clusters: listing.clusters.length, unreadable: listing.unreadable, stats: listing.stats },
    dependencies: {
      scanned: scans.length - failed.length,
      failed: failed.map(({ clusterId, error }) => ({ clusterId, error })),
    },
    alerts,
  };
}

/** A listing that failed even after retries leaves the scan empty and incomplete, not failed. */
function* listFleet(
  context: OrchestrationContext,
  scanId: string,
): Generator<Task, ListFleetOutput, unknown> {
  const input: ListFleetInput = { scanId, now: context.df.currentUtcDateTime.toISOString() };
  try {
    return yield* callActivity<ListFleetOutput>(context, ACTIVITIES.listFleet, input);
  } catch (error) {
    return {
      clusters: [],
      unreadable: 0,
      incompleteReasons: [`the fleet could not be listed: ${errorMessage(error)}`],
      stats: { queries: 0, pages: 0, throttled: 0, waitedMs: 0 },
    };
  }
}

registerOrchestration(ORCHESTRATIONS.inventoryScan, inventoryScan);
