// The nightly inventory scan as a workflow: what its orchestrations and activities take and return.
// Payloads stay small: activities read and write product state themselves, so histories carry ids,
// counts and summaries only.

import type {
  DependencyScanOutcome,
  FleetListing,
  ListedCluster,
  ScanFinish,
  ScanStart,
} from "../../shared/domain/inventory/scan-steps.ts";
import type { ListingStats } from "../../shared/domain/ports/fleet.ts";
import type { ScanSummary } from "../../shared/domain/ports/inventory.ts";
import type { AlertsRunResult } from "./alerts.contract.ts";

export interface InventoryScanInput {
  /** Who asked: the nightly timer or an operator. */
  requestedBy: "timer" | "operator";
  /** Clusters whose workloads are scanned at once (SCAN_CONCURRENCY). */
  concurrency: number;
  /** Clusters per dependency-scans sub-orchestration (200 unless given). */
  clustersPerChunk?: number;
}

export interface InventoryScanResult {
  scanId: string;
  summary: ScanSummary;
  listing: { clusters: number; unreadable: number; stats?: ListingStats };
  dependencies: { scanned: number; failed: { clusterId: string; error: string }[] };
  alerts: AlertsRunResult;
}

/** The scan a step works on: enough to begin it again should its row be missing. */
export type BeginScanInput = ScanStart;

export interface ListFleetInput extends BeginScanInput {
  /** The instant pools are assessed at (the orchestration's time). */
  now: string;
}

export type ListFleetOutput = FleetListing;

export interface ScanDependenciesInput {
  scanId: string;
  clusterId: string;
  pools: string[];
}

/** Never a thrown cluster failure: `failed` says what went wrong, `recorded` whether it is stored. */
export type ScanDependenciesOutput = DependencyScanOutcome | RecordingFailure;

export interface RecordingFailure {
  kind: "failed";
  clusterId: string;
  error: string;
  /** False when not even the failure could be stored: finish-scan records it. */
  recorded: false;
}

/** One chunk of the fan-out, as a sub-orchestration: its history stays short however large the fleet. */
export interface DependencyScansInput {
  scanId: string;
  clusters: ListedCluster[];
  concurrency: number;
}

export interface ClusterFailure {
  clusterId: string;
  error: string;
  /** False when the failure is not stored yet: finish-scan records it. */
  recorded: boolean;
}

export interface DependencyScansResult {
  scanned: number;
  failed: ClusterFailure[];
}

/**
 * Also what the listing returned, counted (fewer recorded means its writes went missing), and the
 * cluster failures the fan-out could not store; recorded before the scan is counted.
 */
export type FinishScanInput = ScanFinish;

export interface InventoryScanActivities {
  "begin-scan": { input: BeginScanInput; output: ScanSummary };
  "list-fleet": { input: ListFleetInput; output: ListFleetOutput };
  "scan-dependencies": { input: ScanDependenciesInput; output: ScanDependenciesOutput };
  "finish-scan": { input: FinishScanInput; output: ScanSummary };
}

export interface InventoryScanOrchestrations {
  "inventory-scan": { input: InventoryScanInput; output: InventoryScanResult };
  "dependency-scans": { input: DependencyScansInput; output: DependencyScansResult };
}
