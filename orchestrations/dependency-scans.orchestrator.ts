// One chunk of a scan's dependency scans: its clusters scanned at most N at once. A cluster that fails is
// an outcome, not an error; should an activity still fail (the host timed it out), its cluster is settled
// as failed and left for finish-scan to record.

import type { OrchestrationContext, Task } from "durable-functions";
import {
  ACTIVITIES,
  type DependencyScansInput,
  type DependencyScansResult,
  ORCHESTRATIONS,
  type ScanDependenciesInput,
  type ScanDependenciesOutput,
} from "./contracts.ts";
import { batchedFanOut } from "./steps/batched-fan-out.ts";
import { registerOrchestration } from "./steps/register.ts";

export function* dependencyScans(
  context: OrchestrationContext,
): Generator<Task, DependencyScansResult, unknown> {
  const { scanId, clusters, concurrency } = context.df.getInput() as DependencyScansInput;
  const scans = yield* batchedFanOut<DependencyScansInput["clusters"][number], ScanDependenciesOutput>(
    context,
    clusters,
    Math.max(1, concurrency),
    (cluster) => {
      const request: ScanDependenciesInput = { scanId, clusterId: cluster.id, pools: cluster.pools };
      return context.df.callActivity(ACTIVITIES.scanDependencies, request);
    },
  );
  const failed = scans.flatMap((scan) => {
    if (!scan.ok) return [{ clusterId: scan.item.id, error: scan.error, recorded: false }];
    const { result } = scan;
    return result.kind === "failed"
      ? [{ clusterId: result.clusterId, error: result.error, recorded: result.recorded }]
      : [];
  });
  return { scanned: scans.length - failed.length, failed };
}

registerOrchestration(ORCHESTRATIONS.dependencyScans, dependencyScans);
