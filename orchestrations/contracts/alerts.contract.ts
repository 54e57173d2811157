// Alerts as a workflow: decided for a scan's pools (after a scan, or after a notice changed the calendar)
// and delivered. Payloads are summaries: the alerts themselves stay in the product's state.

import type { AlertDecisionSummary, AlertDeliverySummary } from "../../shared/domain/alerts/alert-runs.ts";

export interface DecideAlertsInput {
  /** The scan whose pools are evaluated; the latest finished scan when absent. */
  scanId?: string;
  now: string;
}

export type DecideAlertsOutput = ({ kind: "decided" } & AlertDecisionSummary) | { kind: "no-scan" };

/** Delivery sends whatever is pending. */
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

export interface AlertsActivities {
  "decide-alerts": { input: DecideAlertsInput; output: DecideAlertsOutput };
  "deliver-alerts": { input: DeliverAlertsInput; output: DeliverAlertsOutput };
}

export interface AlertsOrchestrations {
  "alerts-reevaluation": { input: AlertsReevaluationInput; output: AlertsReevaluationResult };
}
