// Decisions waiting: every gate a running migration waits at, with its evidence (the plan's findings,
// validation results, the health snapshot, stuck pods), the approvals gathered, and the answers this
// person may give, or why the service would refuse them.

import { actionForm } from "./actions.js";
import { facts, folded, h, when } from "./dom.js";
import { forecast, loadMigrations, offersOrWhyNot } from "./migrations.js";
import { timeline } from "./timeline.js";

function findings(plan) {
  if (!plan?.findings) return null;
  if (plan.findings.length === 0) return h("p", {}, "Preflight findings: none.");
  return [
    h("p", {}, "Preflight findings:"),
    h(
      "ul",
      {},
      plan.findings.map((finding) => h("li", {}, h("strong", {}, finding.severity), ` ${finding.detail}`)),
    ),
  ];
}

function strategy(plan) {
  const pool = plan.newPool ? ` (new pool ${plan.newPool.name})` : "";
  return `${plan.strategy.chosen}${pool}: ${plan.strategy.reasons.join("; ")}`;
}

function stuck(evidence) {
  if (!Array.isArray(evidence?.stuck)) return null;
  return [
    h("p", {}, "Stuck pods:"),
    h(
      "ul",
      {},
      evidence.stuck.map((entry) =>
        h(
          "li",
          {},
          `${entry.pod.namespace}/${entry.pod.name}${entry.reason ? `: ${entry.reason}` : ""}${entry.detail ? ` (${entry.detail})` : ""}`,
        ),
      ),
    ),
  ];
}

function waitCard(entry, onDone) {
  const { migration } = entry;
  const { awaiting } = migration;
  const { offers, whyNot } = offersOrWhyNot(entry);
  const evidence = awaiting.evidence;
  return h(
    "article",
    { class: "card", "aria-labelledby": `d-${migration.id}` },
    h("h3", { id: `d-${migration.id}` }, `Gate ${awaiting.gate}: ${migration.cluster}/${migration.pool}`),
    facts([
      ["Migration", `to ${migration.targetOsSku}, phase ${migration.phase}`],
      ["Waiting since", when(awaiting.since)],
      ["Answered by", `the role ${awaiting.role}, not the requester (${migration.requestedBy.name})`],
      ["Accepts", awaiting.accepts.join(", ")],
      [
        "Approvals so far",
        awaiting.approvals?.map((approval) => `${approval.by}: ${approval.comment}`).join("; "),
      ],
      ["Approval rules", migration.approvalPolicy?.rules.join("; ")],
      ["Strategy", evidence?.plan && strategy(evidence.plan)],
      ["Forecast cost", forecast(migration)],
    ]),
    findings(evidence?.plan),
    stuck(evidence),
    folded("All the evidence", evidence),
    timeline(migration),
    offers ? actionForm(migration, offers, "answers", onDone) : whyNot,
  );
}

export const decisionsView = {
  id: "decisions",
  title: "Decisions",
  async load() {
    const loaded = await loadMigrations("?outcome=active", false);
    const waiting = loaded.migrations.filter((entry) => entry.migration.awaiting);
    return { ...loaded, migrations: waiting, active: loaded.migrations.length > 0 };
  },
  render({ error, migrations }, onDone) {
    const mine = (entry) => entry.offers?.body?.answers?.some((offer) => offer.allowed) === true;
    const sorted = [...migrations.filter(mine), ...migrations.filter((entry) => !mine(entry))];
    return [
      h("h2", { id: "view-title" }, "Decisions waiting"),
      error && h("p", { class: "error" }, error),
      migrations.length === 0 && !error && h("p", { class: "muted" }, "Nothing is waiting for an answer."),
      sorted.map((entry) => waitCard(entry, onDone)),
    ];
  },
};
