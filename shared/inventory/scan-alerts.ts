// Alerts after a scan or a calendar change: every pool of the scan assessed against the calendar as it
// stands at `now`, and the alert policy's decision stored as pending (decideAlerts); delivering them is
// shared/alerts/deliver-alerts.ts. A re-run decides nothing new.

import { decideAlerts } from "../alerts/decide-alerts.ts";
import { alertFindings } from "../domain/alerts/alert-policy.ts";
import type { AlertDecisionSummary } from "../domain/alerts/alert-runs.ts";
import type { AlertRepository } from "../domain/ports/alerts.ts";
import type { InventoryRepository } from "../domain/ports/inventory.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import { currentCalendar } from "./current-calendar.ts";
import { clustersOfScans, reassess } from "./current-pools.ts";

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
