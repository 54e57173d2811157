// A scan's alert decision racing a notice's re-evaluation: the calendar is read after the tracks' state,
// so a correction the re-evaluation committed first is never "corrected back" to the dates the notice
// replaced (a dates-changed alert to the old dates, the track left on them, and a third alert next night).

import { describe, expect, it } from "vitest";
import { sqliteRepositories } from "../../shared/composition.ts";
import type { AlertRepository } from "../../shared/domain/ports/alerts.ts";
import { decideScanAlerts } from "../../shared/inventory/scan-alerts.ts";
import { noticeContentKey } from "../../shared/notices/notice-intake.ts";
import { aCluster, aPool, poolSnapshots } from "../support/pool-fixtures.ts";
import { useSqliteFiles } from "../support/state-stores.ts";

const sqlite = useSqliteFiles();
const SCAN = "2026-03-03T02:00:00Z";
const NOW = new Date("2026-03-03T02:10:00Z");

describe("decide-alerts racing a notice's re-evaluation", () => {
  it("does not send a correction back to the dates the notice replaced", async () => {
    const state = sqliteRepositories(sqlite.open(sqlite.newFile()));
    const cluster = aCluster({ kubernetesVersion: "1.31.9" }, [aPool({ orchestratorVersion: "1.31.9" })]);
    await state.inventory.beginScan(SCAN, SCAN);
    await state.inventory.recordClusters(SCAN, [{ cluster, pools: poolSnapshots(cluster, NOW) }]);
    await state.inventory.finishScan(SCAN, { finishedAt: SCAN, incompleteReasons: [] });
    await decideScanAlerts(state, SCAN, NOW); // the tracks as of the base calendar

    const notice = {
      subject: { kind: "kubernetesVersion" as const, value: "1.31" },
      endOfSupport: "2026-06-30",
      sourceUrl: "https://example.org/aks-1-31",
      note: "extended",
    };
    // The nightly run has read the calendar; before it reads the alert state, the notice arrives and its
    // re-evaluation (another run) decides and commits first.
    let raced = false;
    const nightlyAlerts: AlertRepository = Object.create(state.alerts);
    nightlyAlerts.loadState = async (prefix) => {
      if (!raced) {
        raced = true;
        await state.notices.acceptNotice({
          notice: { id: "n-1", ...notice, receivedAt: "2026-03-03T02:05:00Z" },
          origin: "operator",
          contentKey: noticeContentKey(notice),
        });
        await decideScanAlerts(state, SCAN, NOW);
      }
      return state.alerts.loadState(prefix);
    };
    await decideScanAlerts({ ...state, alerts: nightlyAlerts }, SCAN, NOW);
    await decideScanAlerts(state, SCAN, NOW); // the next night, nothing changed since the notice

    const corrections = (await state.alerts.listAlerts()).filter(
      (outbox) => outbox.alert.kind === "dates-changed" && outbox.alert.subject.startsWith("kubernetes"),
    );
    expect(corrections.map((outbox) => outbox.alert.endOfSupport?.date)).toEqual(["2026-06-30"]);
  });
});
