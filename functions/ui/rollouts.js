// Rollouts: each fleet rollout's status, a picture of its waves against the deadlines of the pools they
// move, each wave's pools with their state and a link to their migration, a stopped line and its reason,
// spend against the forecast, slack, lessons, the audit trail, and the answers this person may give at
// the rollout's wait (or why the service would refuse them).

import { offerForm } from "./actions.js";
import { api, reasonOf } from "./api.js";
import { facts, folded, h, table, when } from "./dom.js";
import { auditTrail, offersOrWhyNot } from "./migrations.js";
import { chart } from "./timeline.js";

const LABELS = {
  resume: "Resume",
  skip: "Skip the pool",
  retry: "Retry the pool",
  approve: "Approve the wave",
};
const ENDED = ["done", "failed", "canceled"];
const DAY_MS = 86_400_000;

function rolloutPath(id) {
  return `rollouts/${encodeURIComponent(id)}`;
}

function money(amount, currency) {
  return amount === null || amount === undefined ? "unpriced" : `${amount.toFixed(2)} ${currency}`;
}

/** Days from `asOf` to the start of `date` (a UTC day), as people say it. */
function daysLeft(date, asOf) {
  const days = Math.floor((Date.parse(`${date}T00:00:00Z`) - Date.parse(asOf)) / DAY_MS);
  return days >= 0 ? `${days} days left` : `${-days} days past`;
}

function slack(days) {
  if (days === null || days === undefined) return "";
  return days >= 0 ? `${days} days to spare` : `${-days} days late`;
}

function count(n, noun) {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function waveName(rollout, wave) {
  const planned = rollout.plan.waves.find((each) => each.index === wave.index);
  return `Wave ${wave.index}${planned?.canary ? " (canary)" : ""}`;
}

/** Where the wave stands: its own status, or what the rollout waits for in it. */
function waveState(rollout, wave) {
  if (rollout.awaiting?.wave !== wave.index) return wave.status;
  return rollout.awaiting.kind === "stop-the-line" ? "stopped" : "awaiting approval";
}

/** The wave's bar: from its start to its end, or to now while it runs; as planned until it starts. */
function waveSpan(rollout, wave, row) {
  const planned = rollout.plan.waves.find((each) => each.index === wave.index);
  const line = (what) => rollout.history.find((entry) => entry.event === `wave ${wave.index} ${what}`)?.at;
  const state = waveState(rollout, wave);
  const from = line("starts") ?? wave.start;
  let to = rollout.asOf;
  if (wave.status === "done") to = line("done") ?? planned.end;
  else if (state === "pending") to = planned.end;
  const until = to === rollout.asOf ? "now" : when(to);
  const clusters = [...new Set(wave.pools.map((pool) => pool.cluster))].join(", ");
  return {
    row,
    from,
    to: [from, to].sort().at(-1),
    class: `wave wave-${state.replace(" ", "-")}`,
    title: `${waveName(rollout, wave)}: ${state}, ${when(from)} to ${until}, ${count(wave.pools.length, "pool")} (${clusters})`,
  };
}

/** The waves in time against the deadlines of the pools they move (and now, while the rollout runs). */
function wavesPicture(rollout) {
  const rows = rollout.waves.map((wave) => `${waveName(rollout, wave)}: ${waveState(rollout, wave)}`);
  const spans = rollout.waves.map((wave, row) => waveSpan(rollout, wave, row));
  const deadlines = [
    ...new Set(rollout.waves.flatMap((wave) => wave.pools.map((pool) => pool.deadline)).filter(Boolean)),
  ].sort();
  const markers = [
    ...deadlines.map((date) => ({
      at: `${date}T00:00:00.000Z`,
      class: "deadline",
      text: `deadline ${date}: ${daysLeft(date, rollout.asOf)}`,
    })),
    ...(ENDED.includes(rollout.status) ? [] : [{ at: rollout.asOf, class: "now", text: "now" }]),
  ];
  // The picture reaches the nearest deadline; a later one only points on, or the waves would be slivers.
  const instants = [
    ...spans.flatMap((span) => [span.from, span.to]),
    ...markers.slice(0, 1).map((m) => m.at),
  ];
  if (!ENDED.includes(rollout.status)) instants.push(rollout.asOf);
  instants.sort();
  const against =
    deadlines.length === 0
      ? "no pool has a deadline"
      : deadlines.map((date) => `deadline ${date}, ${daysLeft(date, rollout.asOf)}`).join("; ");
  return chart({
    name: `Waves of ${rollout.id} in time`,
    label: `Waves of ${rollout.id} against the deadline: ${spans.map((span) => span.title).join("; ")}; ${against}`,
    rows,
    spans,
    markers,
    from: instants[0],
    to: instants.at(-1),
    labelWidth: 170,
  });
}

function poolState(pool) {
  const status = pool.acknowledged ? `${pool.status}, resumed past` : pool.status;
  return h("span", { class: `badge outcome-${pool.status}` }, status);
}

function waveTable(rollout, wave) {
  const { currency } = rollout.spend;
  return table(
    `${waveName(rollout, wave)}: ${waveState(rollout, wave)}, planned from ${when(wave.start)}`,
    ["Pool", "To", "State", "Attempt", "Cost", "Slack", "Note"],
    wave.pools.map((pool) => [
      pool.migrationId
        ? h(
            "a",
            { href: `#migrations/${encodeURIComponent(pool.migrationId)}` },
            `${pool.cluster}/${pool.pool}`,
          )
        : `${pool.cluster}/${pool.pool}`,
      pool.targetOsSku,
      poolState(pool),
      pool.attempt ?? "not started",
      pool.cost === null
        ? `forecast ${money(pool.forecastCost, currency)}`
        : `${money(pool.cost, currency)} (forecast ${money(pool.forecastCost, currency)})`,
      [slack(pool.slackDays), pool.deadline && ` (deadline ${pool.deadline})`],
      pool.note ?? "",
    ]),
  );
}

/** What the rollout waits for, said plainly: a stopped line with its reason, or a wave's gate. */
function waiting(rollout) {
  const { awaiting } = rollout;
  if (!awaiting) return null;
  if (awaiting.kind === "stop-the-line") {
    const pool = awaiting.pool ? ` or skips or retries ${awaiting.pool.pool}` : "";
    return h(
      "p",
      { class: "stopped" },
      h("strong", {}, `The line is stopped in wave ${awaiting.wave}`),
      ` since ${when(awaiting.since)}: ${awaiting.reason}. Nothing new starts until an operator resumes (with a note)${pool}.`,
    );
  }
  return h(
    "p",
    { class: "stopped" },
    h("strong", {}, `Wave ${awaiting.wave} waits for an approver`),
    ` since ${when(awaiting.since)}: ${awaiting.reason}. Anyone with the role ${awaiting.role} but the requester opens it.`,
  );
}

function answers(entry, onDone) {
  const { rollout } = entry;
  if (!rollout.awaiting) return null;
  const { offers, whyNot } = offersOrWhyNot(entry);
  if (!offers) return whyNot;
  const { awaiting } = rollout;
  return offerForm({
    key: `${rollout.id}-${awaiting.kind}`,
    subject:
      awaiting.kind === "wave-gate"
        ? `the gate of wave ${awaiting.wave}`
        : `the stopped line of wave ${awaiting.wave}`,
    name: rollout.id,
    offered: offers.answers,
    labels: LABELS,
    commentLabel: "Note (what was learned, or why; a resume needs one)",
    requestOf: (action, note) => ({ path: `${rolloutPath(rollout.id)}/${action}`, body: { note } }),
    onDone,
  });
}

function spend(rollout) {
  const { spend } = rollout;
  return `${money(spend.actual, spend.currency)} for the ended migrations (forecast ${money(spend.forecastOfEnded, spend.currency)}); ${money(spend.forecast, spend.currency)} forecast for the rollout`;
}

function rolloutCard(entry, onDone) {
  const { rollout, audit } = entry;
  const headingId = `r-${rollout.id}`;
  return h(
    "article",
    { class: "card", "aria-labelledby": headingId },
    h(
      "h3",
      { id: headingId },
      `Rollout ${rollout.id}, ${count(rollout.waves.length, "wave")} from ${rollout.plan.start} `,
      h("span", { class: `badge rollout-${rollout.status}` }, rollout.status),
    ),
    waiting(rollout),
    answers(entry, onDone),
    facts([
      ["Requested", `by ${rollout.requestedBy.name}, ${when(rollout.requestedAt)}`],
      [
        "Options",
        `${count(rollout.options.maxPoolsInFlight, "pool")} at a time, the line stops past ${rollout.options.failureThreshold} unsuccessful in a wave${rollout.options.waveGate ? ", each wave approved" : ""}`,
      ],
      ["Spend", spend(rollout)],
      ["Overlap", `${rollout.spend.overlapNodeHours.toFixed(1)} node-hours so far`],
      [
        "Slack",
        rollout.spend.minSlackDays === null
          ? "no deadline"
          : `${slack(rollout.spend.minSlackDays)} at the tightest pool`,
      ],
      ["As of", when(rollout.asOf)],
    ]),
    wavesPicture(rollout),
    rollout.waves.map((wave) => waveTable(rollout, wave)),
    rollout.lessons.length > 0 && [
      h("h4", {}, "Lessons"),
      h(
        "ul",
        {},
        rollout.lessons.map((lesson) => h("li", {}, `${lesson.note} (${lesson.by}, ${when(lesson.at)})`)),
      ),
    ],
    rollout.skippedClusters.length > 0 && [
      h("h4", {}, "Clusters skipped"),
      h(
        "ul",
        {},
        rollout.skippedClusters.map((skip) =>
          h("li", {}, `${skip.cluster} in wave ${skip.wave}: ${skip.why}`),
        ),
      ),
    ],
    rollout.newPools.length > 0 && [
      h("h4", {}, "Pools that need migrating and are not in the plan"),
      h(
        "ul",
        {},
        rollout.newPools.map((pool) =>
          h("li", {}, `${pool.clusterId.split("/").at(-1)}/${pool.pool}: ${pool.why}`),
        ),
      ),
    ],
    h(
      "details",
      {},
      h("summary", {}, `History (${rollout.history.length} events)`),
      h(
        "ol",
        {},
        rollout.history.map((event) =>
          h("li", {}, `${when(event.at)} ${event.event}${event.by ? ` (${event.by})` : ""}`),
        ),
      ),
    ),
    auditTrail(audit),
    folded("Plan", rollout.plan),
  );
}

export const rolloutsView = {
  id: "rollouts",
  title: "Rollouts",
  async load() {
    const list = await api("rollouts");
    if (!list.ok) return { error: reasonOf(list), rollouts: [], active: false };
    const rollouts = await Promise.all(
      list.body.rollouts.map(async ({ id, awaiting }) => {
        const path = rolloutPath(id);
        const [detail, audit, offers] = await Promise.all([
          api(path),
          api(`${path}/audit`),
          awaiting ? api(`${path}/offers`) : undefined,
        ]);
        return detail.ok ? { rollout: detail.body, audit, offers } : { error: reasonOf(detail) };
      }),
    );
    return { rollouts, active: list.body.rollouts.some((rollout) => !ENDED.includes(rollout.status)) };
  },
  render({ error, rollouts }, onDone) {
    return [
      h("h2", { id: "view-title" }, "Rollouts"),
      error && h("p", { class: "error" }, error),
      rollouts.length === 0 && !error && h("p", { class: "muted" }, "No rollouts yet."),
      rollouts.map((entry) =>
        entry.rollout ? rolloutCard(entry, onDone) : h("p", { class: "error" }, entry.error),
      ),
    ];
  },
};
