import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { decideAlerts } from "../../shared/alerts/decide-alerts.ts";
import { DEFAULT_LEASE_MS, deliverAlerts, deliverPendingAlerts } from "../../shared/alerts/deliver-alerts.ts";
import { TableAlertRepository } from "../../shared/azure/tables/alert-repository.ts";
import { NoticeNotDeliveredError, notifyMigration } from "../../shared/migration/notify-migration.ts";
import { teamsMessage, teamsSink } from "../../shared/sinks/teams.sink.ts";
import { webhookSink } from "../../shared/sinks/webhook.sink.ts";
import { azureLinux2Finding, gateTimeoutNotice, NIGHT } from "../support/alert-fixtures.ts";
import { startRecorder } from "../support/http-recorder.ts";
import { useAzuriteTables } from "../support/table-fixture.ts";

const tables = useAzuriteTables();
const STATUS_BASE = "https://lifecycle.example.test";

/** A Teams connector that answers its first post with 200 and the text it sends for a throttled one. */
function teamsThrottledOnce() {
  return startRecorder((nth) =>
    nth === 1
      ? {
          status: 200,
          body: "Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429",
        }
      : { status: 200, body: "1" },
  );
}

/** A URL on a port that was free a moment ago: nothing listens there. */
async function closedUrl(): Promise<string> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
  return `http://127.0.0.1:${port}/hook`;
}

async function outboxWith(poolCount: number) {
  const repo = new TableAlertRepository(tables.store());
  const findings = Array.from({ length: poolCount }, (_, i) => azureLinux2Finding("prod", `pool${i}`));
  const alerts = await decideAlerts(repo, findings, NIGHT);
  return { repo, alerts };
}

describe("deliverPendingAlerts to webhook and Teams sinks over HTTP", () => {
  it("posts each pending alert once; a second run sends nothing", async () => {
    const { repo, alerts } = await outboxWith(2);
    const hook = await startRecorder();
    const clock = new VirtualClock(NIGHT.getTime());
    const sinks = [webhookSink({ url: hook.url })];

    const report = await deliverPendingAlerts(repo, sinks, clock);
    expect(report).toEqual({ delivered: alerts.map((a) => a.id).sort(), failures: [], skipped: [] });
    expect(hook.requests.map((r) => r.body)).toEqual(expect.arrayContaining(alerts));
    expect(hook.requests.map((r) => r.headers["idempotency-key"]).sort()).toEqual(
      alerts.map((a) => a.id).sort(),
    );
    expect(hook.requests[0]?.headers["content-type"]).toBe("application/json");

    expect(await deliverPendingAlerts(repo, sinks, clock)).toEqual({
      delivered: [],
      failures: [],
      skipped: [],
    });
    expect(hook.requests).toHaveLength(2);
    const stored = await repo.listAlerts();
    expect(stored.every((a) => a.status === "delivered" && a.deliveries.webhook?.attempts === 1)).toBe(true);
  });

  it("after a run killed between posting and recording: the same run resumed posts again at once under the same Idempotency-Key; another run leaves it pending", async () => {
    const { repo, alerts } = await outboxWith(1);
    const alert = alerts[0] as (typeof alerts)[0];
    const hook = await startRecorder();
    const clock = new VirtualClock(NIGHT.getTime());
    const sinks = [webhookSink({ url: hook.url })];
    // The killed run: it leased the alert and posted it, and recorded nothing.
    await repo.claim(alert.id, clock.now(), clock.now() + DEFAULT_LEASE_MS, "inventory-scan:killed");
    await sinks[0]?.send(alert);

    const other = await deliverAlerts({ alerts: repo, alertSinks: sinks, clock }, "alerts-reevaluation:n1");
    expect(other).toMatchObject({ kind: "sent", delivered: 0, pending: 1 });
    expect(hook.requests).toHaveLength(1);

    const after = await deliverAlerts({ alerts: repo, alertSinks: sinks, clock }, "inventory-scan:killed");
    expect(after).toEqual({
      kind: "sent",
      sinks: ["webhook"],
      delivered: 1,
      failures: [],
      failureCount: 0,
      pending: 0,
    });
    expect(hook.requests.map((r) => r.headers["idempotency-key"])).toEqual([alert.id, alert.id]);
    expect(await deliverAlerts({ alerts: repo, alertSinks: sinks, clock })).toMatchObject({
      delivered: 0,
      pending: 0,
    });
    expect(hook.requests).toHaveLength(2);
  });

  it("retries transient failures with exponential backoff on the clock, then delivers", async () => {
    const { repo, alerts } = await outboxWith(1);
    const hook = await startRecorder((nth) => (nth <= 2 ? { status: 503, body: "busy" } : { status: 200 }));
    const clock = new VirtualClock(NIGHT.getTime());
    const report = await deliverPendingAlerts(repo, [webhookSink({ url: hook.url })], clock, {
      retry: { attempts: 4, initialDelayMs: 1_000, maxDelayMs: 30_000 },
    });
    expect(report.delivered).toEqual([alerts[0]?.id]);
    expect(hook.requests).toHaveLength(3);
    expect(clock.now() - NIGHT.getTime()).toBe(1_000 + 2_000);
    expect((await repo.listAlerts())[0]?.deliveries.webhook).toMatchObject({
      status: "delivered",
      attempts: 3,
    });
  });

  it("honours Retry-After on 429", async () => {
    const { repo } = await outboxWith(1);
    const hook = await startRecorder((nth) =>
      nth === 1 ? { status: 429, headers: { "retry-after": "7" } } : { status: 202 },
    );
    const clock = new VirtualClock(NIGHT.getTime());
    const report = await deliverPendingAlerts(repo, [webhookSink({ url: hook.url })], clock);
    expect(report.delivered).toHaveLength(1);
    expect(clock.now() - NIGHT.getTime()).toBe(7_000);
  });

  it("leaves alerts pending while a sink is down, reports it, and sends them on the next run after recovery", async () => {
    const { repo, alerts } = await outboxWith(3);
    const hook = await startRecorder(() => ({ status: 500, body: "down" }));
    const clock = new VirtualClock(NIGHT.getTime());
    const sinks = [webhookSink({ url: hook.url })];
    const retry = { attempts: 3, initialDelayMs: 500, maxDelayMs: 10_000 };

    const failed = await deliverPendingAlerts(repo, sinks, clock, { retry });
    expect(failed.delivered).toEqual([]);
    expect(failed.failures).toHaveLength(1);
    expect(failed.failures[0]).toMatchObject({ sink: "webhook", attempts: 3, permanent: false });
    expect(failed.failures[0]?.error).toMatch(
      /^alert webhook at http:\/\/127\.0\.0\.1:\d+ answered 500: down$/,
    );
    expect(failed.failures[0]?.error).not.toContain("secret");
    // The sink is not hammered for the other alerts: they wait for the next run.
    expect(failed.skipped.map((s) => s.reason)).toEqual([
      "webhook kept failing earlier in this run",
      "webhook kept failing earlier in this run",
    ]);
    expect(hook.requests).toHaveLength(3);
    expect(await repo.pendingAlerts()).toHaveLength(3);
    const tried = (await repo.listAlerts()).find((a) => a.alert.id === failed.failures[0]?.alertId);
    expect(tried?.deliveries.webhook).toMatchObject({
      status: "pending",
      attempts: 3,
      lastError: failed.failures[0]?.error,
    });

    hook.answer = () => ({ status: 200 });
    const recovered = await deliverPendingAlerts(repo, sinks, clock, { retry });
    expect(recovered.delivered.sort()).toEqual(alerts.map((a) => a.id).sort());
    expect(await repo.pendingAlerts()).toEqual([]);
    const again = (await repo.listAlerts()).find((a) => a.alert.id === failed.failures[0]?.alertId);
    expect(again?.deliveries.webhook).toMatchObject({ status: "delivered", attempts: 4 });
  });

  it("does not retry a refused alert within the run, and keeps it pending", async () => {
    const { repo } = await outboxWith(2);
    const hook = await startRecorder(() => ({ status: 400, body: "bad payload" }));
    const clock = new VirtualClock(NIGHT.getTime());
    const report = await deliverPendingAlerts(repo, [webhookSink({ url: hook.url })], clock);
    expect(report.failures.map((f) => [f.attempts, f.permanent])).toEqual([
      [1, true],
      [1, true],
    ]);
    expect(clock.now()).toBe(NIGHT.getTime());
    expect(await repo.pendingAlerts()).toHaveLength(2);
  });

  it("reports an unreachable sink as transient", async () => {
    const { repo } = await outboxWith(1);
    const report = await deliverPendingAlerts(
      repo,
      [webhookSink({ url: await closedUrl() })],
      new VirtualClock(0),
      {
        retry: { attempts: 2 },
      },
    );
    expect(report.failures[0]).toMatchObject({ attempts: 2, permanent: false });
    expect(report.failures[0]?.error).toMatch(/could not be reached \(ECONNREFUSED\)/);
  });

  it("never resends to a sink that has the alert when another sink failed", async () => {
    const { repo, alerts } = await outboxWith(1);
    const hook = await startRecorder();
    const teams = await startRecorder(() => ({ status: 502 }));
    const clock = new VirtualClock(NIGHT.getTime());
    const sinks = [webhookSink({ url: hook.url }), teamsSink({ url: teams.url, statusBaseUrl: STATUS_BASE })];
    const retry = { attempts: 2, initialDelayMs: 10 };

    const first = await deliverPendingAlerts(repo, sinks, clock, { retry });
    expect(first.failures.map((f) => f.sink)).toEqual(["teams"]);
    expect((await repo.pendingAlerts())[0]?.deliveries.webhook?.status).toBe("delivered");

    teams.answer = () => ({ status: 200, body: "1" });
    const second = await deliverPendingAlerts(repo, sinks, clock, { retry });
    expect(second.delivered).toEqual([alerts[0]?.id]);
    expect(hook.requests).toHaveLength(1);
    expect(teams.requests).toHaveLength(3);
  });

  it("posts a Teams Adaptive Card with the pool, cluster, state, dates, days left, target and status link", async () => {
    const { repo, alerts } = await outboxWith(1);
    const teams = await startRecorder(() => ({ status: 200, body: "1" }));
    await deliverPendingAlerts(
      repo,
      [teamsSink({ url: teams.url, statusBaseUrl: `${STATUS_BASE}/` })],
      new VirtualClock(0),
    );
    const alert = alerts[0] as (typeof alerts)[0];
    expect(teams.requests[0]?.headers["idempotency-key"]).toBe(alert.id);
    const message = teams.requests[0]?.body as {
      type: string;
      attachments: {
        contentType: string;
        content: Record<string, unknown> & { body: unknown[]; actions: unknown[] };
      }[];
    };
    expect(message.type).toBe("message");
    expect(message.attachments).toHaveLength(1);
    const attachment = message.attachments[0] as (typeof message.attachments)[0];
    expect(attachment.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const card = attachment.content;
    expect(card).toMatchObject({ type: "AdaptiveCard", version: "1.4" });
    const facts = Object.fromEntries(
      (
        card.body.find((b) => (b as { type: string }).type === "FactSet") as {
          facts: { title: string; value: string }[];
        }
      ).facts.map((f) => [f.title, f.value]),
    );
    expect(facts).toMatchObject({
      Pool: "pool0",
      Cluster: "prod (rg-prod, subscription sub-1)",
      Subject: "Azure Linux 2.0",
      State: "end-of-support",
      "End of support": "2025-11-30 (41 days ago)",
      "Images removed": "2026-03-31 (in 80 days)",
      "Days left": "80",
      "Recommended target": "AzureLinux3",
    });
    const status = new URL(`${STATUS_BASE}/api/inventory`);
    status.searchParams.set("cluster", alert.pool.clusterId);
    status.searchParams.set("pool", "pool0");
    expect(card.actions).toEqual([
      { type: "Action.OpenUrl", title: "Pool status", url: status.toString() },
      { type: "Action.OpenUrl", title: "Source", url: alert.imageRemoval?.sourceUrl },
    ]);
  });

  it("takes a Teams connector's 200 with an error text as a transient failure", async () => {
    const { repo } = await outboxWith(1);
    const teams = await teamsThrottledOnce();
    const report = await deliverPendingAlerts(
      repo,
      [teamsSink({ url: teams.url, statusBaseUrl: STATUS_BASE })],
      new VirtualClock(0),
    );
    expect(report.delivered).toHaveLength(1);
    expect(teams.requests).toHaveLength(2);
  });

  it("refuses to run without sinks, so alerts are never marked delivered to nobody", async () => {
    const { repo } = await outboxWith(1);
    await expect(deliverPendingAlerts(repo, [], new VirtualClock(0))).rejects.toThrow(
      "no alert sink is configured",
    );
    expect(await repo.pendingAlerts()).toHaveLength(1);
  });
});

describe("teamsMessage", () => {
  it("says no days are left once every date has passed", () => {
    const finding = azureLinux2Finding("prod", "apps", "2025-12-31");
    const card = teamsMessage(
      {
        id: "x",
        kind: "reminder",
        severity: "critical",
        pool: finding.pool,
        poolKey: "k",
        subject: finding.subject,
        label: finding.label,
        state: "images-removed",
        endOfSupport: finding.endOfSupport,
        imageRemoval: finding.imageRemoval,
        daysToEndOfSupport: -41,
        daysToRemoval: -10,
        covers: [],
        message: "m",
      },
      STATUS_BASE,
    );
    const factSet = card.attachments[0]?.content.body.find((b) => b.type === "FactSet") as {
      facts: { title: string; value: string }[];
    };
    expect(factSet.facts.find((f) => f.title === "Days left")?.value).toBe(
      "none: the latest date was 10 days ago",
    );
    expect(factSet.facts.find((f) => f.title === "Recommended target")?.value).toBe("none recommended");
  });
});

describe("migration notices to webhook and Teams sinks over HTTP", () => {
  it("posts the notice to the webhook as JSON marked kind migration, under its id as Idempotency-Key", async () => {
    const notice = gateTimeoutNotice();
    const hook = await startRecorder();
    await webhookSink({ url: hook.url }).sendNotice(notice);
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.method).toBe("POST");
    expect(hook.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(hook.requests[0]?.headers["idempotency-key"]).toBe(notice.id);
    expect(hook.requests[0]?.body).toEqual({
      kind: "migration",
      id: "migration:aks-prod-eus:batch:3f9a2c:notice:start-timeout",
      migrationId: "migration:aks-prod-eus:batch:3f9a2c",
      cluster: "aks-prod-eus",
      pool: "batch",
      severity: "warning",
      title: notice.title,
      text: notice.text,
      statusPath: "/api/migrations/migration%3Aaks-prod-eus%3Abatch%3A3f9a2c",
    });
  });

  it("posts Teams an Adaptive Card with the notice, its pool, cluster and migration, linked to the migration's status", async () => {
    const notice = gateTimeoutNotice();
    const teams = await startRecorder(() => ({ status: 200, body: "1" }));
    await teamsSink({ url: teams.url, statusBaseUrl: `${STATUS_BASE}/` }).sendNotice(notice);
    expect(teams.requests[0]?.headers["idempotency-key"]).toBe(notice.id);
    const message = teams.requests[0]?.body as {
      type: string;
      summary: string;
      attachments: { contentType: string; content: { type: string; version: string; body: unknown[] } }[];
    };
    expect(message.type).toBe("message");
    expect(message.summary).toBe("Gate start unanswered for 24 hours: pool batch on aks-prod-eus");
    expect(message.attachments.map((a) => a.contentType)).toEqual([
      "application/vnd.microsoft.card.adaptive",
    ]);
    expect(message.attachments[0]?.content).toMatchObject({
      type: "AdaptiveCard",
      version: "1.4",
      body: [
        {
          type: "Container",
          style: "warning",
          items: [
            { type: "TextBlock", text: "Gate start unanswered for 24 hours: pool batch on aks-prod-eus" },
            { type: "TextBlock", text: "WARNING · migration", color: "Warning" },
          ],
        },
        { type: "TextBlock", text: notice.text },
        {
          type: "FactSet",
          facts: [
            { title: "Pool", value: "batch" },
            { title: "Cluster", value: "aks-prod-eus" },
            { title: "Migration", value: notice.migrationId },
          ],
        },
      ],
      actions: [
        {
          type: "Action.OpenUrl",
          title: "Migration status",
          url: `${STATUS_BASE}/api/migrations/migration%3Aaks-prod-eus%3Abatch%3A3f9a2c`,
        },
      ],
    });
  });

  it("notifyMigration reports a sink that refuses the notice and delivers it to the others", async () => {
    const notice = gateTimeoutNotice();
    const hook = await startRecorder();
    const teams = await startRecorder(() => ({ status: 400, body: "bad card" }));
    const sinks = [webhookSink({ url: hook.url }), teamsSink({ url: teams.url, statusBaseUrl: STATUS_BASE })];

    const report = await notifyMigration({ alertSinks: sinks }, notice);
    expect(report.delivered).toEqual(["webhook"]);
    expect(report.failed).toHaveLength(1);
    expect(report.failed[0]?.sink).toBe("teams");
    expect(report.failed[0]?.error).toMatch(
      /^Teams webhook at http:\/\/127\.0\.0\.1:\d+ answered 400: bad card$/,
    );
    expect(hook.requests).toHaveLength(1);
    expect(teams.requests).toHaveLength(1);
  });

  it("notifyMigration throws on a transient failure after trying every sink; the retry sends under the same id", async () => {
    const notice = gateTimeoutNotice();
    const hook = await startRecorder((nth) => (nth === 1 ? { status: 503, body: "busy" } : { status: 200 }));
    const teams = await teamsThrottledOnce();
    const refusing = await startRecorder(() => ({ status: 404 }));
    const sinks = [
      webhookSink({ url: hook.url }),
      teamsSink({ url: teams.url, statusBaseUrl: STATUS_BASE }),
      webhookSink({ url: refusing.url, name: "archive" }),
    ];

    const first = notifyMigration({ alertSinks: sinks }, notice);
    await expect(first).rejects.toThrow(NoticeNotDeliveredError);
    await expect(first).rejects.toThrow(
      /^migration notice \S+:notice:start-timeout not delivered yet \(webhook: alert webhook at \S+ answered 503: busy; teams: Teams webhook accepted the post but did not deliver it: /,
    );
    expect([hook.requests.length, teams.requests.length, refusing.requests.length]).toEqual([1, 1, 1]);

    const retried = await notifyMigration({ alertSinks: sinks }, notice);
    expect(retried.delivered).toEqual(["webhook", "teams"]);
    expect(retried.failed.map((f) => f.sink)).toEqual(["archive"]);
    expect(hook.requests.map((r) => r.headers["idempotency-key"])).toEqual([notice.id, notice.id]);
    expect(teams.requests.map((r) => r.headers["idempotency-key"])).toEqual([notice.id, notice.id]);
  });

  it("notifyMigration takes an unreachable sink as transient", async () => {
    const sink = webhookSink({ url: await closedUrl() });
    await expect(notifyMigration({ alertSinks: [sink] }, gateTimeoutNotice())).rejects.toThrow(
      /could not be reached \(ECONNREFUSED\)/,
    );
  });

  it("notifyMigration with no sink configured sends nothing and throws nothing", async () => {
    expect(await notifyMigration({ alertSinks: [] }, gateTimeoutNotice())).toEqual({
      delivered: [],
      failed: [],
    });
  });
});
