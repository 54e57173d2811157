// What deciding and delivering alerts report: summaries small enough for a workflow's history.

export interface AlertDecisionSummary {
  scanId: string;
  pools: number;
  decided: number;
  /** Decided alerts counted by kind (stage, reminder, dates-changed). */
  byKind: Record<string, number>;
}

export type AlertDeliverySummary =
  | {
      kind: "sent";
      sinks: string[];
      delivered: number;
      failures: { alertId: string; sink: string; error: string }[];
      failureCount: number;
      /** Alerts still waiting for a sink after this run (another run's included). */
      pending: number;
    }
  | { kind: "no-sinks"; pending: number };
