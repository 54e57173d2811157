// The nightly scan as a story: begin the scan, list the fleet through Resource Graph (pools assessed and
// recorded), scan each cluster's workloads (chunks of clusters one after another as sub-orchestrations,
// each at most N at once, so no history grows with the fleet; a failing cluster is recorded with its
// error and does not fail the scan), finish the scan (complete or incomplete, with reasons), then decide
// and deliver alerts. Time is the orchestration's: the scan id is the instant it started.

import type { OrchestrationContext, Task } from "durable-functions";
import { scanIdAt } from "./contracts/instance-ids.ts";
import type {
  BeginScanInput,
  ClusterFailure,
  DependencyScansInput,
  DependencyScansResult,
  FinishScanInput,
  InventoryScanInput,
  InventoryScanResult,
  ListFleetInput,
  ListFleetOutput,
} from "./contracts/inventory-scan.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { decideAndDeliverAlerts } from "./steps/alerts-run.ts";
import { callActivity, callSubOrchestrator, errorMessage } from "./steps/call-activity.ts";
import { registerOrchestration } from "./steps/register.ts";

/** Clusters per dependency-scans sub-orchestration, unless the input says. */
export const CLUSTERS_PER_CHUNK = 200;

export function* inventoryScan(
  context: OrchestrationContext,
  input: InventoryScanInput,
): Generator<Task, InventoryScanResult, unknown> {
  const scanId = scanIdAt(context.df.currentUtcDateTime);
  const begin: BeginScanInput = { scanId, startedAt: context.df.currentUtcDateTime.toISOString() };
  yield* callActivity(context, ACTIVITIES.beginScan, begin);

  context.df.setCustomStatus({ scanId, stage: "listing the fleet" });
  const listing = yield* listFleet(context, begin);

  context.df.setCustomStatus({ scanId, stage: "scanning dependencies", clusters: listing.clusters.length });
  const dependencies = yield* scanDependencies(context, scanId, listing.clusters, input);
  const failed = dependencies.failed;

  context.df.setCustomStatus({ scanId, stage: "finishing" });
  const finish: FinishScanInput = {
    ...begin,
    finishedAt: context.df.currentUtcDateTime.toISOString(),
    incompleteReasons: listing.incompleteReasons,
    unrecorded: failed
      .filter((failure) => !failure.recorded)
      .map(({ clusterId, error }) => ({ clusterId, error })),
    listed: listing.listed,
  };
  const summary = yield* callActivity(context, ACTIVITIES.finishScan, finish);

  context.df.setCustomStatus({ scanId, stage: "alerts" });
  const alerts = yield* decideAndDeliverAlerts(context, scanId);
  context.df.setCustomStatus({ scanId, stage: "done", status: summary.status });
  return {
    scanId,
    summary,
    listing: { clusters: listing.listed.clusters, unreadable: listing.unreadable, stats: listing.stats },
    dependencies: {
      scanned: dependencies.scanned,
      failed: failed.map(({ clusterId, error }) => ({ clusterId, error })),
    },
    alerts,
  };
}

/** Chunk by chunk; a chunk whose sub-orchestration failed has each of its clusters failed, unrecorded. */
function* scanDependencies(
  context: OrchestrationContext,
  scanId: string,
  clusters: ListFleetOutput["clusters"],
  input: InventoryScanInput,
): Generator<Task, DependencyScansResult, unknown> {
  const size = Math.max(1, input.clustersPerChunk ?? CLUSTERS_PER_CHUNK);
  let scanned = 0;
  const failed: ClusterFailure[] = [];
  for (let offset = 0; offset < clusters.length; offset += size) {
    const chunk: DependencyScansInput = {
      scanId,
      clusters: clusters.slice(offset, offset + size),
      concurrency: input.concurrency,
    };
    try {
      const result = yield* callSubOrchestrator(context, ORCHESTRATIONS.dependencyScans, chunk);
      scanned += result.scanned;
      failed.push(...result.failed);
    } catch (error) {
      const message = `the dependency scans of its chunk failed: ${errorMessage(error)}`;
      failed.push(...chunk.clusters.map((c) => ({ clusterId: c.id, error: message, recorded: false })));
    }
  }
  return { scanned, failed };
}

/** A listing that failed even after retries leaves the scan empty and incomplete, not failed. */
function* listFleet(
  context: OrchestrationContext,
  scan: BeginScanInput,
): Generator<Task, ListFleetOutput, unknown> {
  const input: ListFleetInput = { ...scan, now: context.df.currentUtcDateTime.toISOString() };
  try {
    return yield* callActivity(context, ACTIVITIES.listFleet, input);
  } catch (error) {
    return {
      clusters: [],
      listed: { clusters: 0, pools: 0 },
      unreadable: 0,
      incompleteReasons: [`the fleet could not be listed: ${errorMessage(error)}`],
      stats: { queries: 0, pages: 0, throttled: 0, waitedMs: 0 },
    };
  }
}

registerOrchestration(ORCHESTRATIONS.inventoryScan, inventoryScan);
