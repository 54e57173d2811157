// What the steps of an inventory scan take and report: the scan they work on, the fleet's listing as
// ids and counts (a scan's history carries these, never the clusters themselves), how it finishes, and a
// cluster's dependency scan. The use cases produce them and the workflow contracts carry them.

import type { ListingStats } from "../ports/fleet.ts";

export interface ScanStart {
  scanId: string;
  startedAt: string;
}

export interface ListedCluster {
  id: string;
  pools: string[];
}

export interface ListingCount {
  clusters: number;
  pools: number;
}

export interface FleetListing {
  /** The clusters whose workloads the scan scans: all listed, unless the scans rotate over nights. */
  clusters: ListedCluster[];
  /** The clusters and pools listed, counted: finish-scan checks the scan's rows against it. */
  listed: ListingCount;
  unreadable: number;
  /** Empty when Resource Graph returned the whole scope. */
  incompleteReasons: string[];
  stats: ListingStats;
}

export interface ScanFinish extends ScanStart {
  finishedAt: string;
  incompleteReasons: string[];
  /** Cluster failures the fan-out could not store. */
  unrecorded: { clusterId: string; error: string }[];
  /** What the listing returned. */
  listed: ListingCount;
}

export type DependencyScanOutcome =
  | {
      kind: "scanned";
      clusterId: string;
      nodes: number;
      pods: number;
      /** Pools whose migration is complex or blocked. */
      complexPools: string[];
    }
  /** The cluster could not be scanned; its error is recorded. */
  | { kind: "failed"; clusterId: string; error: string; recorded: true };
