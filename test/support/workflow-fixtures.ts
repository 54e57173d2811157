// What fake activities answer, built from the workflow contracts' own types: a fleet listing, a cluster's
// dependency scan, a scan's summary as finish-scan would count it, alert decisions and deliveries.

import type { ActivityInput, ActivityOutput } from "../../orchestrations/contracts.ts";
import { runningScan } from "../../shared/domain/records/scan-records.ts";

/** Clusters "c1", "c2", ... with two pools each. */
export function clusters(count: number): ActivityOutput<"list-fleet">["clusters"] {
  return Array.from({ length: count }, (_, n) => ({ id: `c${n + 1}`, pools: ["system", "user"] }));
}

export function listing(count: number): ActivityOutput<"list-fleet"> {
  const listed = clusters(count);
  return {
    clusters: listed,
    listed: { clusters: count, pools: listed.length * 2 },
    unreadable: 0,
    incompleteReasons: [],
    stats: { queries: 1, pages: 1, throttled: 0, waitedMs: 0 },
  };
}

export function scanned({
  clusterId,
}: ActivityInput<"scan-dependencies">): ActivityOutput<"scan-dependencies"> {
  return { kind: "scanned", clusterId, nodes: 3, pods: 10, complexPools: [] };
}

/** The scan as begin-scan reports it. */
export function begun({ scanId, startedAt }: ActivityInput<"begin-scan">): ActivityOutput<"begin-scan"> {
  return runningScan(scanId, startedAt);
}

/** The scan as finish-scan counts it: incomplete when it was given reasons. */
export function finished(finish: ActivityInput<"finish-scan">): ActivityOutput<"finish-scan"> {
  return {
    scanId: finish.scanId,
    startedAt: finish.startedAt,
    finishedAt: finish.finishedAt,
    status: finish.incompleteReasons.length > 0 ? "incomplete" : "complete",
    incompleteReasons: finish.incompleteReasons,
    clusterCount: finish.listed.clusters,
    poolCount: finish.listed.pools,
    clustersWithErrors: finish.unrecorded.length,
    poolsByState: {},
  };
}

export function decided(scanId: string, count: number): ActivityOutput<"decide-alerts"> {
  return { kind: "decided", scanId, pools: count, decided: count, byKind: { stage: count } };
}

export function delivered(count: number): ActivityOutput<"deliver-alerts"> {
  return { kind: "sent", sinks: ["topic"], delivered: count, failures: [], failureCount: 0, pending: 0 };
}
