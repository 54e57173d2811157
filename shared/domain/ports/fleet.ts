// The fleet as listed (Resource Graph in Azure) and each cluster's workloads (the Kubernetes API).
// Adapters: shared/azure/resource-graph.ts, shared/kube/cluster-facts.ts.

import type { Cluster } from "../fleet/model.ts";
import type { ClusterFacts } from "../workloads/cluster-facts.ts";

/** A row the listing returned that is not a readable managed cluster. */
export interface UnreadableCluster {
  /** The row's id when it has one. */
  id?: string;
  problems: string[];
}

export interface ClusterPage {
  clusters: Cluster[];
  unreadable: UnreadableCluster[];
}

export interface ListingStats {
  queries: number;
  pages: number;
  /** Queries answered 429. */
  throttled: number;
  /** Clock time spent waiting for quota and retries. */
  waitedMs: number;
}

export interface ListingReport {
  clusters: number;
  unreadable: number;
  /** Empty when the listing saw the whole scope. */
  incompleteReasons: string[];
  stats: ListingStats;
}

export interface FleetSource {
  /** Every managed cluster in scope, a page at a time, each cluster once; what was missed is reported. */
  listClusters(onPage: (page: ClusterPage) => Promise<void>): Promise<ListingReport>;
}

export interface ClusterFactsSource {
  /** What the cluster runs, as migration risk needs it; throws when the cluster cannot be reached or read. */
  clusterFacts(clusterId: string): Promise<ClusterFacts>;
}
