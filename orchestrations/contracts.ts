// Names of the orchestrations and activities, and what each takes and returns. Payloads stay small:
// activities read and write product state themselves, so histories carry ids and summaries only.

import type { ListingStats } from "../shared/azure/resource-graph.ts";
import type { ScanSummary } from "../shared/domain/ports.ts";
import type { ScanFinish } from "../shared/inventory/finish-scan.ts";
import type { FleetListing, ListedCluster, ScanStart } from "../shared/inventory/list-fleet.ts";
import type { AlertDecisionSummary, AlertDeliverySummary } from "../shared/inventory/scan-alerts.ts";
import type { DependencyScanOutcome } from "../shared/inventory/scan-dependencies.ts";

export const ORCHESTRATIONS = {
  inventoryScan: "inventory-scan",
  dependencyScans: "dependency-scans",
  alertsReevaluation: "alerts-reevaluation",
} as const;

export const ACTIVITIES = {
  beginScan: "begin-scan",
  listFleet: "list-fleet",
  scanDependencies: "scan-dependencies",
  finishScan: "finish-scan",
  decideAlerts: "decide-alerts",
  deliverAlerts: "deliver-alerts",
} as const;

// ---------------------------------------------------------------------------------------------------
// inventory-scan

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

// ---------------------------------------------------------------------------------------------------
// Alerts (after a scan, or after a notice changed the calendar)

export interface DecideAlertsInput {
  /** The scan whose pools are evaluated; the latest finished scan when absent. */
  scanId?: string;
  now: string;
}

export type DecideAlertsOutput = ({ kind: "decided" } & AlertDecisionSummary) | { kind: "no-scan" };

export interface DeliverAlertsInput {
  /** The orchestration instance delivering: its leases are its own again when it resumes after a crash. */
  holder: string;
}

export type DeliverAlertsOutput = AlertDeliverySummary;

export type AlertsRunResult =
  | {
      kind: "done";
      decision: DecideAlertsOutput;
      delivery?: DeliverAlertsOutput;
    }
  | { kind: "failed"; stage: "decide" | "deliver"; error: string; decision?: DecideAlertsOutput };

export interface AlertsReevaluationInput {
  /** The notice that changed the calendar. */
  noticeId: string;
}

export interface AlertsReevaluationResult {
  noticeId: string;
  alerts: AlertsRunResult;
}
