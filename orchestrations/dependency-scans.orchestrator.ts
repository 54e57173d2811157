// One chunk of a scan's dependency scans: its clusters scanned at most N at once. A cluster that fails is
// an outcome, not an error; should an activity still fail (the host timed it out), its cluster is settled
// as failed and left for finish-scan to record.

import type { OrchestrationContext, Task } from "durable-functions";
import type { DependencyScansInput, DependencyScansResult } from "./contracts/inventory-scan.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { batchedFanOut } from "./steps/batched-fan-out.ts";
import { activityTask } from "./steps/call-activity.ts";
import { registerOrchestration } from "./steps/register.ts";

export function* dependencyScans(
  context: OrchestrationContext,
  { scanId, clusters, concurrency }: DependencyScansInput,
): Generator<Task, DependencyScansResult, unknown> {
  const scans = yield* batchedFanOut(context, clusters, Math.max(1, concurrency), (cluster) =>
    activityTask(context, ACTIVITIES.scanDependencies, {
      scanId,
      clusterId: cluster.id,
      pools: cluster.pools,
    }),
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
