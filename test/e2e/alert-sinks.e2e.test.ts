// Alert sinks end to end: the nightly scan on the demo fleet through the host, with a generic webhook that
// is down that night and a Teams webhook that works. The webhook's alerts are retried with backoff on the
// clock, stay pending, and go out on the next run; Teams is not sent anything twice.

import { describe, expect, it } from "vitest";
import { type Recorder, startRecorder } from "../support/http-recorder.ts";
import { startEnvironment } from "./environment.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const STATUS_BASE = "https://lifecycle.example.test";

const alertIds = (recorder: Recorder) => recorder.requests.map((r) => r.headers["idempotency-key"]);

describe("alerts to webhook and Teams through the host", () => {
  it("keeps a down webhook's alerts pending and sends them on the next run, Teams once", async () => {
    const webhook = await startRecorder(() => ({ status: 503, body: "maintenance" }));
    const teams = await startRecorder(() => ({ status: 200, body: "1" }));
    const env = await startEnvironment({
      start: "2026-03-02T20:00:00Z",
      settings: {
        ALERT_WEBHOOK_URL: webhook.url,
        ALERT_TEAMS_WEBHOOK_URL: teams.url,
        STATUS_BASE_URL: STATUS_BASE,
      },
    });
    try {
      await env.clock.advanceTo(Date.parse("2026-03-03T02:00:00Z"));
      const night = await env.host.waitForInstance("inventory-scan:2026-03-03", { timeoutMs: 60_000 });
      const first = (night.output as Json).alerts;
      expect(first).toMatchObject({
        kind: "done",
        decision: { decided: 14 },
        delivery: { sinks: ["webhook", "teams", "topic"], delivered: 0, failureCount: 1, pending: 14 },
      });
      expect(first.delivery.failures[0]).toMatchObject({ sink: "webhook" });
      expect(first.delivery.failures[0].error).toMatch(/answered 503: maintenance$/);
      // Four attempts at the first alert, then the webhook is left alone for the night.
      expect(webhook.requests).toHaveLength(4);
      expect(teams.requests).toHaveLength(14);
      const pending = (await env.api("/api/alerts?status=pending")).body;
      expect(pending.count).toBe(14);
      expect(pending.alerts.every((a: Json) => a.deliveries.teams.status === "delivered")).toBe(true);

      webhook.answer = () => ({ status: 202 });
      await env.clock.advanceBy(60 * 60_000);
      const rerun = await env.scanNow();
      expect((rerun.output as Json).alerts).toMatchObject({
        decision: { decided: 0 },
        delivery: { delivered: 14, failureCount: 0, pending: 0 },
      });
      const sent = alertIds(webhook).slice(4);
      expect(new Set(sent).size).toBe(14);
      expect(new Set(alertIds(webhook).slice(0, 4)).size).toBe(1);
      expect(teams.requests).toHaveLength(14);
      // Each Teams post carries its alert's id, as the webhook's do: the same 14 ids.
      expect(alertIds(teams).sort()).toEqual(sent.sort());
      expect((await env.api("/api/alerts")).body.byStatus).toEqual({ pending: 0, delivered: 14 });

      // Each card links to the pool's status: under the host, that link shows exactly the pool.
      const [posted] = teams.requests;
      if (!posted) throw new Error("Teams was sent nothing");
      const card = (posted.body as Json).attachments[0].content;
      const link = new URL(card.actions.find((a: Json) => a.title === "Pool status").url);
      expect(link.origin).toBe(STATUS_BASE);
      const status = (await env.api(`${link.pathname}${link.search}`)).body;
      expect(status.count).toBe(1);
      expect(card.body.find((b: Json) => b.type === "FactSet").facts[0]).toEqual({
        title: "Pool",
        value: status.pools[0].pool,
      });
    } finally {
      await env.close();
    }
  });
});
