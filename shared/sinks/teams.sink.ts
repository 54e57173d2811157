// Microsoft Teams incoming webhook: an Adaptive Card (schema 1.4) in the message envelope Teams expects
// ({type: "message", attachments: [{contentType: "application/vnd.microsoft.card.adaptive", content}]}),
// accepted by both Office 365 connector webhooks and Workflows webhooks. Connector webhooks answer a
// throttled post with 200 and an error text instead of 429: that is read as a transient failure. The
// alert id goes in Idempotency-Key, as for the generic webhook: a receiver (a Workflows flow, a proxy)
// can drop the repeat of a post whose answer was lost; Teams itself does not, so that repeat may show.

import type { LifecycleAlert } from "../domain/alerts/alert-policy.ts";
import { describeDays } from "../domain/lifecycle/lifecycle-text.ts";
import { type AlertSink, SinkError } from "../domain/ports/alert-sinks.ts";
import { postJson } from "./http-post.ts";
import { poolStatusUrl } from "./pool-status-url.ts";

export interface TeamsSinkOptions {
  url: string;
  /** Public base URL of the product, for the link to the pool's status. */
  statusBaseUrl: string;
  name?: string;
  timeoutMs?: number;
}

const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";
const SEVERITY_STYLE = { info: "accent", warning: "warning", critical: "attention" } as const;
const SEVERITY_COLOUR = { info: "Accent", warning: "Warning", critical: "Attention" } as const;

export function teamsSink(options: TeamsSinkOptions): AlertSink {
  return {
    name: options.name ?? "teams",
    async send(alert) {
      const answer = await postJson(options.url, teamsMessage(alert, options.statusBaseUrl), {
        what: "Teams webhook",
        headers: { "idempotency-key": alert.id },
        timeoutMs: options.timeoutMs ?? 30_000,
      });
      if (/delivery failed|returned HTTP error/i.test(answer)) {
        throw new SinkError(
          `Teams webhook accepted the post but did not deliver it: ${answer.slice(0, 200)}`,
          {
            transient: true,
          },
        );
      }
    },
  };
}

function dateFact(title: string, date: string | undefined, days: number | undefined) {
  if (date === undefined) return [];
  return [{ title, value: days === undefined ? date : `${date} (${describeDays(days)})` }];
}

/** Days left until the next date still ahead, else since the one passed most recently. */
function daysLeft(alert: LifecycleAlert): string {
  const days = [alert.daysToEndOfSupport, alert.daysToRemoval].filter((d): d is number => d !== undefined);
  const ahead = days.filter((d) => d > 0);
  if (ahead.length > 0) return String(Math.min(...ahead));
  return days.length > 0
    ? `none: the latest date was ${describeDays(Math.max(...days))}`
    : "no date announced";
}

export function teamsMessage(alert: LifecycleAlert, statusBaseUrl: string) {
  const statusUrl = poolStatusUrl(statusBaseUrl, alert.pool);
  const sources = [
    ...new Set([alert.endOfSupport?.sourceUrl, alert.imageRemoval?.sourceUrl].filter((u) => u !== undefined)),
  ];
  const facts = [
    { title: "Pool", value: alert.pool.pool },
    {
      title: "Cluster",
      value: `${alert.pool.cluster} (${alert.pool.resourceGroup}, subscription ${alert.pool.subscriptionId})`,
    },
    { title: "Subject", value: alert.label },
    { title: "State", value: alert.state },
    ...dateFact("End of support", alert.endOfSupport?.date, alert.daysToEndOfSupport),
    ...dateFact("Images removed", alert.imageRemoval?.date, alert.daysToRemoval),
    { title: "Days left", value: daysLeft(alert) },
    { title: "Recommended target", value: alert.recommendedTarget ?? "none recommended" },
    ...(alert.previous
      ? [
          {
            title: "Dates before",
            value: `end of support ${alert.previous.endOfSupport ?? "none"}, images removed ${alert.previous.imageRemoval ?? "none"}`,
          },
        ]
      : []),
  ];
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "Container",
        style: SEVERITY_STYLE[alert.severity],
        bleed: true,
        items: [
          {
            type: "TextBlock",
            text: `${alert.label}: pool ${alert.pool.pool} on ${alert.pool.cluster}`,
            weight: "Bolder",
            size: "Medium",
            wrap: true,
          },
          {
            type: "TextBlock",
            text: `${alert.severity.toUpperCase()} · ${alert.stage ?? alert.kind}`,
            color: SEVERITY_COLOUR[alert.severity],
            spacing: "None",
            wrap: true,
          },
        ],
      },
      { type: "TextBlock", text: alert.message, wrap: true },
      { type: "FactSet", facts },
    ],
    actions: [
      { type: "Action.OpenUrl", title: "Pool status", url: statusUrl },
      ...sources.map((url, index) => ({
        type: "Action.OpenUrl",
        title: sources.length > 1 ? `Source ${index + 1}` : "Source",
        url,
      })),
    ],
  };
  return {
    type: "message",
    summary: `${alert.label}: pool ${alert.pool.pool} on ${alert.pool.cluster} is ${alert.state}`,
    attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content: card }],
  };
}
