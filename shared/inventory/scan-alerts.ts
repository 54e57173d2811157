// Alerts after a scan or a calendar change: every pool of the scan assessed against the calendar as it
// stands at `now`, and the alert policy's decision stored as pending (decideAlerts); delivering them is
// shared/alerts/deliver-alerts.ts. A re-run decides nothing new. The subscriptions come from the scan's
// cluster rows: a cluster's pools are written with its row.

import { decideAlerts } from "../alerts/decide-alerts.ts";
import { alertFindings, subscriptionTracks } from "../domain/alerts/alert-policy.ts";
import type { AlertDecisionSummary } from "../domain/alerts/alert-runs.ts";
import { poolAssessor } from "../domain/lifecycle/pool-assessment.ts";
import type { AlertRepository } from "../domain/ports/alerts.ts";
import type { InventoryRepository, PoolSnapshot } from "../domain/ports/inventory.ts";
import type { NoticeRepository } from "../domain/ports/notices.ts";
import { currentCalendar } from "./current-calendar.ts";
import { reassess, ScannedClusters } from "./current-pools.ts";

export async function decideScanAlerts(
  deps: { inventory: InventoryRepository; notices: NoticeRepository; alerts: AlertRepository },
  scanId: string,
  now: Date,
): Promise<AlertDecisionSummary> {
  const clusters = await ScannedClusters.read(deps.inventory, [scanId]);
  const subscriptions = new Set([...clusters.all()].map((c) => c.subscriptionId.toLowerCase()));
  let pools = 0;
  let decided = 0;
  const byKind: Record<string, number> = {};
  // A subscription at a time, each with only its tracks, so memory follows the largest subscription.
  for (const subscriptionId of [...subscriptions].sort()) {
    const snapshots = await deps.inventory.listPools(scanId, { subscriptionId });
    pools += snapshots.length;
    const byTracks = new Map<string, PoolSnapshot[]>();
    for (const snapshot of snapshots) {
      const prefix = subscriptionTracks(snapshot.ref);
      const group = byTracks.get(prefix);
      if (group) group.push(snapshot);
      else byTracks.set(prefix, [snapshot]);
    }
    for (const [trackPrefix, group] of byTracks) {
      // Reassessed: a notice may have moved a date since the scan, and days left depend on `now`; the
      // calendar is read after the tracks' state, each attempt (see decideAlerts).
      const findings = async () => {
        const assess = poolAssessor(await currentCalendar(deps.notices), now);
        return group.flatMap((snapshot) =>
          alertFindings(reassess(snapshot, clusters.of(scanId, snapshot.ref.clusterId), assess)),
        );
      };
      for (const alert of await decideAlerts(deps.alerts, findings, now, trackPrefix)) {
        decided++;
        byKind[alert.kind] = (byKind[alert.kind] ?? 0) + 1;
      }
    }
    // A store that answers synchronously (SQLite) would otherwise hold the event loop for the whole
    // fleet: the host's other work (HTTP, timers, other activities) runs between subscriptions.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { scanId, pools, decided, byKind };
}
