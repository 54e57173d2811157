// Microsoft Teams incoming webhook: an Adaptive Card (schema 1.4) in the message envelope Teams expects
// ({type: "message", attachments: [{contentType: "application/vnd.microsoft.card.adaptive", content}]}),
// accepted by both Office 365 connector webhooks and Workflows webhooks. Connector webhooks answer a
// throttled post with 200 and an error text instead of 429: that is read as a transient failure. The
// alert's or notice's id goes in Idempotency-Key, as for the generic webhook: a receiver (a Workflows
// flow, a proxy) can drop the repeat of a post whose answer was lost; Teams itself does not, so that
// repeat may show. Alerts and migration notices share one card layout.

import type { AlertSeverity, LifecycleAlert } from "../domain/alerts/alert-policy.ts";
import { describeDays } from "../domain/lifecycle/lifecycle-text.ts";
import { MIGRATION_NOTICE_KIND, type MigrationNotice } from "../domain/migration/migration-notice.ts";
import { type AlertSink, SinkError } from "../domain/ports/alert-sinks.ts";
import { postJson } from "./http-post.ts";
import { poolStatusUrl, statusUrl } from "./status-url.ts";

export interface TeamsSinkOptions {
  url: string;
  /** Public base URL of the product, for the links to a pool's or a migration's status. */
  statusBaseUrl: string;
  name?: string;
  timeoutMs?: number;
}

const ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive";
const SEVERITY_STYLE = { info: "accent", warning: "warning", critical: "attention" } as const;
const SEVERITY_COLOUR = { info: "Accent", warning: "Warning", critical: "Attention" } as const;

export function teamsSink(options: TeamsSinkOptions): AlertSink {
  const post = async (message: TeamsMessage, id: string) => {
    const answer = await postJson(options.url, message, {
      what: "Teams webhook",
      headers: { "idempotency-key": id },
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    if (/delivery failed|returned HTTP error/i.test(answer)) {
      throw new SinkError(`Teams webhook accepted the post but did not deliver it: ${answer.slice(0, 200)}`, {
        transient: true,
      });
    }
  };
  return {
    name: options.name ?? "teams",
    send: (alert) => post(teamsMessage(alert, options.statusBaseUrl), alert.id),
    sendNotice: (notice) => post(teamsNoticeMessage(notice, options.statusBaseUrl), notice.id),
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

export function teamsMessage(alert: LifecycleAlert, statusBaseUrl: string): TeamsMessage {
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
  return teamsCard({
    severity: alert.severity,
    title: `${alert.label}: pool ${alert.pool.pool} on ${alert.pool.cluster}`,
    tag: alert.stage ?? alert.kind,
    text: alert.message,
    facts,
    links: [
      { title: "Pool status", url: poolStatusUrl(statusBaseUrl, alert.pool) },
      ...sources.map((url, index) => ({ title: sources.length > 1 ? `Source ${index + 1}` : "Source", url })),
    ],
    summary: `${alert.label}: pool ${alert.pool.pool} on ${alert.pool.cluster} is ${alert.state}`,
  });
}

export function teamsNoticeMessage(notice: MigrationNotice, statusBaseUrl: string): TeamsMessage {
  const title = `${notice.title}: pool ${notice.pool} on ${notice.cluster}`;
  return teamsCard({
    severity: notice.severity,
    title,
    tag: MIGRATION_NOTICE_KIND,
    text: notice.text,
    facts: [
      { title: "Pool", value: notice.pool },
      { title: "Cluster", value: notice.cluster },
      { title: "Migration", value: notice.migrationId },
    ],
    links: [{ title: "Migration status", url: statusUrl(statusBaseUrl, notice.statusPath) }],
    summary: title,
  });
}

interface CardParts {
  severity: AlertSeverity;
  title: string;
  /** Beside the severity under the title: the alert's stage, or "migration". */
  tag: string;
  text: string;
  facts: { title: string; value: string }[];
  links: { title: string; url: string }[];
  /** The notification's one line (Teams shows it in the activity feed). */
  summary: string;
}

export type TeamsMessage = ReturnType<typeof teamsCard>;

function teamsCard(parts: CardParts) {
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body: [
      {
        type: "Container",
        style: SEVERITY_STYLE[parts.severity],
        bleed: true,
        items: [
          { type: "TextBlock", text: parts.title, weight: "Bolder", size: "Medium", wrap: true },
          {
            type: "TextBlock",
            text: `${parts.severity.toUpperCase()} · ${parts.tag}`,
            color: SEVERITY_COLOUR[parts.severity],
            spacing: "None",
            wrap: true,
          },
        ],
      },
      { type: "TextBlock", text: parts.text, wrap: true },
      { type: "FactSet", facts: parts.facts },
    ],
    actions: parts.links.map((link) => ({ type: "Action.OpenUrl", ...link })),
  };
  return {
    type: "message",
    summary: parts.summary,
    attachments: [{ contentType: ADAPTIVE_CARD, contentUrl: null, content: card }],
  };
}
