// Migrations: each pool migration's phase, nodes drained of total, blockers, cost against its forecast,
// a timeline of its phases, its audit trail, and (to operators) pause and roll back.

import { actionForm } from "./actions.js";
import { api, migrationPath, reasonOf } from "./api.js";
import { facts, folded, h, table, when } from "./dom.js";
import { timeline } from "./timeline.js";

/** Each migration, with its audit trail if asked and, while it runs, what the person may do at it. */
export async function loadMigrations(filter, withAudit) {
  const list = await api(`migrations${filter}`);
  if (!list.ok) return { error: reasonOf(list), migrations: [] };
  const migrations = await Promise.all(
    list.body.migrations.map(async (migration) => {
      const running = migration.outcome === null;
      const [audit, offers] = await Promise.all([
        withAudit ? api(`${migrationPath(migration.id)}/audit`) : undefined,
        running ? api(`${migrationPath(migration.id)}/offers`) : undefined,
      ]);
      return { migration, audit, offers };
    }),
  );
  return { migrations };
}

/** Offers as the form takes them, or the reason there are none (not signed in). */
export function offersOrWhyNot(entry) {
  if (!entry.offers) return { offers: undefined, whyNot: undefined };
  if (entry.offers.ok) return { offers: entry.offers.body, whyNot: undefined };
  return { offers: undefined, whyNot: h("p", { class: "why-not" }, reasonOf(entry.offers)) };
}

function cost(value) {
  if (!value) return undefined;
  if (value.kind === "known") return `${value.amount.toFixed(2)} ${value.currency}`;
  return `more than ${value.knownPart.toFixed(2)} ${value.currency} (no price for ${value.unknownVmSizes.join(", ")})`;
}

/** The plan's cost as the approver of the start gate saw it (the wait's evidence, kept in the audit). */
export function forecast(migration, audit) {
  const shown = [
    migration.awaiting?.evidence,
    ...(audit?.records ?? []).map((record) => record.evidence?.awaiting?.evidence),
  ];
  const plan = shown.find((evidence) => evidence?.plan?.cost)?.plan;
  return plan && `${cost(plan.cost.estimate)}, ${plan.cost.overlapNodeHours} overlap node-hours`;
}

/** The health watch's last look: its verdict, and each signal with since when (the seed's rollback criteria). */
function healthOf(health) {
  const verdict = `${health.verdict} at ${when(health.at)}`;
  if (health.signals.length === 0) return verdict;
  return h(
    "span",
    {},
    `${verdict}: `,
    h(
      "ul",
      {},
      ...health.signals.map((signal) => h("li", {}, `${signal.detail} (since ${when(signal.since)})`)),
    ),
  );
}

function outcomeBadge(migration) {
  const outcome = migration.outcome ?? "active";
  return h("span", { class: `badge outcome-${outcome}` }, migration.outcome ?? migration.phase);
}

/** The audit trail of a migration or rollout (GET .../audit), with its chain's verification. */
export function auditTrail(audit) {
  if (!audit.ok) return h("p", { class: "error" }, reasonOf(audit));
  const { verification, records } = audit.body;
  return h(
    "details",
    {},
    h(
      "summary",
      {},
      `Audit trail (${records.length} records, chain ${verification.ok ? "intact" : "BROKEN"})`,
    ),
    table(
      "Intent before every effect, outcome after",
      ["#", "At", "Who", "Action", "Target", "Stage", "Result"],
      records.map((record) => [
        record.sequence,
        when(record.at),
        record.actor,
        record.action,
        record.target,
        record.stage,
        record.result ?? record.reason,
      ]),
    ),
  );
}

/** One migration as a card; `onDone` hears what the service answered a control. */
export function migrationCard(entry, onDone) {
  const { migration, audit } = entry;
  const { offers, whyNot } = offersOrWhyNot(entry);
  const summary = migration.summary;
  return h(
    "article",
    { class: "card", "aria-labelledby": `m-${migration.id}` },
    h(
      "h3",
      { id: `m-${migration.id}` },
      `${migration.cluster}/${migration.pool} to ${migration.targetOsSku} `,
      outcomeBadge(migration),
    ),
    facts([
      ["Phase", migration.phase],
      [
        "Waiting for",
        migration.awaiting && `gate ${migration.awaiting.gate} since ${when(migration.awaiting.since)}`,
      ],
      [
        "Nodes drained",
        h(
          "span",
          {},
          h("progress", {
            max: Math.max(migration.nodes.total, 1),
            value: migration.nodes.drained,
            "aria-label": "Nodes drained",
          }),
          ` ${migration.nodes.drained} of ${migration.nodes.total}`,
        ),
      ],
      ["Blockers", migration.blockers.length > 0 ? migration.blockers.join("; ") : "none"],
      ["Health", migration.health && healthOf(migration.health)],
      ["New pool", migration.newPool],
      ["Requested", `by ${migration.requestedBy.name}, ${when(migration.requestedAt)}`],
      ["Forecast cost", forecast(migration, audit.body)],
      [
        "Cost",
        summary && `${cost(summary.cost) ?? "unknown"}, ${summary.overlapNodeHours} overlap node-hours`,
      ],
      [
        "Post-checks",
        summary?.postChecks && (summary.postChecks.ok ? "ok" : summary.postChecks.problems.join("; ")),
      ],
    ]),
    timeline(migration),
    h(
      "details",
      {},
      h("summary", {}, `History (${migration.history.length} events)`),
      h(
        "ol",
        {},
        migration.history.map((event) => h("li", {}, `${when(event.at)} ${event.phase}: ${event.event}`)),
      ),
    ),
    auditTrail(audit),
    migration.outcome === null && (offers ? actionForm(migration, offers, "controls", onDone) : whyNot),
    summary && folded("Summary", summary),
  );
}

export const migrationsView = {
  id: "migrations",
  title: "Migrations",
  /** The card a link to #migrations/<id> shows. */
  anchor: (id) => `m-${id}`,
  async load() {
    const loaded = await loadMigrations("", true);
    return { ...loaded, active: loaded.migrations.some((entry) => entry.migration.outcome === null) };
  },
  render({ error, migrations }, onDone) {
    return [
      h("h2", { id: "view-title" }, "Migrations"),
      error && h("p", { class: "error" }, error),
      migrations.length === 0 && !error && h("p", { class: "muted" }, "No migrations yet."),
      migrations.map((entry) => migrationCard(entry, onDone)),
    ];
  },
};
