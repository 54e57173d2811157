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
      /** Alerts still waiting for a sink after this run. */
      pending: number;
      /**
       * Set when pending alerts were skipped because another run held them (one still sending, or one
       * killed midway, whose lease must run out): by this instant every such lease has.
       */
      heldUntil?: string;
    }
  | { kind: "no-sinks"; pending: number };
