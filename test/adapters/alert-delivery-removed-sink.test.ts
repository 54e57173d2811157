// An alert every configured sink has, pending only for a sink taken out of the configuration that never
// took it, is marked delivered by the next run instead of being leased and released for ever.

import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { decideAlerts } from "../../shared/alerts/decide-alerts.ts";
import { deliverPendingAlerts } from "../../shared/alerts/deliver-alerts.ts";
import type { LifecycleAlert } from "../../shared/domain/alerts/alert-policy.ts";
import { type AlertSink, SinkError } from "../../shared/domain/ports/alert-sinks.ts";
import { SqliteAlertRepository } from "../../shared/sqlite/alert-repository.ts";
import { azureLinux2Finding, NIGHT } from "../support/alert-fixtures.ts";
import { useSqliteFiles } from "../support/state-stores.ts";

const sqlite = useSqliteFiles();

function sink(name: string, fail = false): AlertSink & { sent: LifecycleAlert[] } {
  const sent: LifecycleAlert[] = [];
  return {
    name,
    sent,
    send: async (alert) => {
      if (fail) throw new SinkError(`${name} refuses`, { transient: false });
      sent.push(alert);
    },
    sendNotice: async () => undefined,
  };
}

describe("deliverPendingAlerts after a sink is taken out of the configuration", () => {
  it("marks an alert every remaining sink has delivered", async () => {
    const repo = new SqliteAlertRepository(sqlite.open(sqlite.newFile()));
    const [alert] = await decideAlerts(repo, [azureLinux2Finding("prod", "apps")], NIGHT);
    const clock = new VirtualClock(NIGHT.getTime());
    const webhook = sink("webhook");
    // Teams refuses; the operator then takes Teams out of the configuration.
    await deliverPendingAlerts(repo, [webhook, sink("teams", true)], clock);
    expect(webhook.sent.map((a) => a.id)).toEqual([alert?.id]);

    const report = await deliverPendingAlerts(repo, [webhook], clock);
    expect(webhook.sent).toHaveLength(1);
    expect(report.delivered).toEqual([alert?.id]);
    expect(await repo.pendingCount()).toBe(0);
  });
});
