// Alerts after a scan or a calendar change: every pool of the scan assessed against the calendar as it
// stands at `now`, the alert policy's decision stored as pending (decideAlerts), then the outbox sent to
// every configured sink (deliverPendingAlerts). A re-run decides nothing new; what a sink did not take
// stays pending for the next run.

import { decideAlerts } from "../alerts/decide-alerts.ts";
import { deliverPendingAlerts } from "../alerts/deliver-alerts.ts";
import { alertFindings } from "../domain/alert-policy.ts";
import type {
  AlertRepository,
  AlertSink,
  InventoryRepository,
  NoticeRepository,
  RetryClock,
} from "../domain/ports.ts";
import { currentCalendar } from "./current-calendar.ts";
import { clustersOfScans, reassess } from "./current-pools.ts";

/** Failures listed by name in a delivery summary; the rest are counted. */
const LISTED_FAILURES = 20;

export interface AlertDecisionSummary {
  scanId: string;
  pools: number;
  decided: number;
  /** Decided alerts counted by kind (stage, reminder, dates-changed). */
  byKind: Record<string, number>;
}

export async function decideScanAlerts(
  deps: { inventory: InventoryRepository; notices: NoticeRepository; alerts: AlertRepository },
  scanId: string,
  now: Date,
): Promise<AlertDecisionSummary> {
  const calendar = await currentCalendar(deps.notices);
  const clusters = await clustersOfScans(deps.inventory, [scanId]);
  const pools = await deps.inventory.listPools(scanId);
  // Reassessed: a notice may have moved a date since the scan, and days left depend on `now`.
  const findings = pools.flatMap((snapshot) => alertFindings(reassess(snapshot, clusters, calendar, now)));
  const decided = await decideAlerts(deps.alerts, findings, now);
  const byKind: Record<string, number> = {};
  for (const alert of decided) byKind[alert.kind] = (byKind[alert.kind] ?? 0) + 1;
  return { scanId, pools: pools.length, decided: decided.length, byKind };
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

/** `holder` names the run (its orchestration instance): resumed after a crash, it takes its leases over. */
export async function deliverAlerts(
  deps: {
    alerts: AlertRepository;
    alertSinks: readonly AlertSink[];
    clock: RetryClock;
  },
  holder?: string,
): Promise<AlertDeliverySummary> {
  if (deps.alertSinks.length === 0) {
    return { kind: "no-sinks", pending: (await deps.alerts.pendingAlerts()).length };
  }
  const report = await deliverPendingAlerts(deps.alerts, deps.alertSinks, deps.clock, {
    ...(holder !== undefined && { holder }),
  });
  const pending = await deps.alerts.pendingAlerts();
  return {
    kind: "sent",
    sinks: deps.alertSinks.map((sink) => sink.name),
    delivered: report.delivered.length,
    failures: report.failures
      .slice(0, LISTED_FAILURES)
      .map(({ alertId, sink, error }) => ({ alertId, sink, error })),
    failureCount: report.failures.length,
    pending: pending.length,
  };
}
