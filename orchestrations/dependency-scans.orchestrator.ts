// One chunk of a scan's dependency scans: its clusters scanned at most N at once. A cluster that fails is
// an outcome, not an error; should an activity still fail (the host timed it out), its clusters are
// settled as failed and left for finish-scan to record.
// The chunk's clusters are dealt into N lanes, each one activity that scans its clusters one after
// another, so a lane goes on while another waits on a slow cluster. (Batches of N, each awaited whole,
// waited on their slowest cluster every time; chunks begun that way still run so on replay.)

import type { OrchestrationContext, Task } from "durable-functions";
import type {
  DependencyScansInput,
  DependencyScansResult,
  ScanDependenciesOutput,
} from "./contracts/inventory-scan.contract.ts";
import { ACTIVITIES, ORCHESTRATIONS } from "./contracts.ts";
import { batchedFanOut, type Settled } from "./steps/batched-fan-out.ts";
import { activityTask } from "./steps/call-activity.ts";
import { registerOrchestration } from "./steps/register.ts";

type Cluster = DependencyScansInput["clusters"][number];

export function* dependencyScans(
  context: OrchestrationContext,
  input: DependencyScansInput,
): Generator<Task, DependencyScansResult, unknown> {
  const scans = input.lanes ? yield* scanInLanes(context, input) : yield* scanInBatches(context, input);
  const failed = scans.flatMap((scan) => {
    if (!scan.ok) return [{ clusterId: scan.item.id, error: scan.error, recorded: false }];
    const { result } = scan;
    return result.kind === "failed"
      ? [{ clusterId: result.clusterId, error: result.error, recorded: result.recorded }]
      : [];
  });
  return { scanned: scans.length - failed.length, failed };
}

/** Each cluster settled, in the chunk's order. */
function* scanInLanes(
  context: OrchestrationContext,
  { scanId, clusters, concurrency }: DependencyScansInput,
): Generator<Task, Settled<Cluster, ScanDependenciesOutput>[], unknown> {
  if (clusters.length === 0) return [];
  const laneCount = Math.min(Math.max(1, concurrency), clusters.length);
  const lanes = Array.from({ length: laneCount }, (_, lane) =>
    clusters.filter((_, index) => index % laneCount === lane),
  );
  const settledLanes = yield* batchedFanOut(context, lanes, laneCount, (lane) =>
    activityTask(context, ACTIVITIES.scanDependencyLane, { scanId, clusters: lane }),
  );
  const settled: Settled<Cluster, ScanDependenciesOutput>[] = [];
  settledLanes.forEach((lane, laneIndex) => {
    lane.item.forEach((cluster, position) => {
      const result = lane.ok ? lane.result[position] : undefined;
      const error = lane.ok ? "its lane returned no outcome for it" : lane.error;
      settled[laneIndex + position * laneCount] = result
        ? { item: cluster, ok: true, result }
        : { item: cluster, ok: false, error };
    });
  });
  return settled;
}

function* scanInBatches(
  context: OrchestrationContext,
  { scanId, clusters, concurrency }: DependencyScansInput,
): Generator<Task, Settled<Cluster, ScanDependenciesOutput>[], unknown> {
  return yield* batchedFanOut(context, clusters, Math.max(1, concurrency), (cluster) =>
    activityTask(context, ACTIVITIES.scanDependencies, {
      scanId,
      clusterId: cluster.id,
      pools: cluster.pools,
    }),
  );
}

registerOrchestration(ORCHESTRATIONS.dependencyScans, dependencyScans);
