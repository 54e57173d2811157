// Fleet at a glance: pools by lifecycle state, most urgent first with their dates and days left, the
// lifecycle calendar with its iCalendar link, and the alerts decided so far.

import { api, reasonOf } from "./api.js";
import { h, table, when } from "./dom.js";

const RECENT_ALERTS = 20;

function days(value) {
  if (value === null || value === undefined) return "";
  return value < 0 ? `${-value} days ago` : `${value} days`;
}

function state(value) {
  return h("span", { class: `badge state-${value}` }, value);
}

export const fleetView = {
  id: "fleet",
  title: "Fleet",
  async load() {
    const [inventory, calendar, alerts] = await Promise.all([
      api("inventory"),
      api("calendar"),
      api("alerts"),
    ]);
    return { inventory, calendar, alerts, active: false };
  },
  render({ inventory, calendar, alerts }) {
    return [
      h("h2", { id: "view-title" }, "Fleet at a glance"),
      inventory.ok ? pools(inventory.body) : h("p", { class: "error" }, reasonOf(inventory)),
      calendar.ok ? lifecycle(calendar.body) : h("p", { class: "error" }, reasonOf(calendar)),
      alerts.ok ? alertList(alerts.body) : h("p", { class: "error" }, reasonOf(alerts)),
    ];
  },
};

function pools(inventory) {
  const counts = Object.entries(inventory.countsByState);
  return [
    h("h3", {}, `Node pools (${inventory.count})`),
    h(
      "p",
      {},
      inventory.scan ? `Scan ${inventory.scan.scanId}: ${inventory.scan.status}. ` : "No scan yet. ",
      counts.map(([name, count]) => [state(name), ` ${count} `]),
    ),
    table(
      "Most urgent first",
      ["Cluster", "Pool", "OS", "State", "Images removed", "Days left", "Move to"],
      inventory.pools.map((pool) => [
        pool.cluster,
        pool.pool,
        pool.osSku ?? pool.effectiveOs,
        state(pool.state),
        pool.imageRemoval ?? "",
        days(pool.daysToRemoval ?? pool.daysToEndOfSupport),
        pool.recommendedOsSku ?? "",
      ]),
    ),
  ];
}

function lifecycle(calendar) {
  return [
    h("h3", {}, "Lifecycle calendar"),
    h(
      "p",
      {},
      h(
        "a",
        { href: "../calendar.ics", download: "aks-lifecycle.ics" },
        "Add the removal dates to your calendar",
      ),
      " (iCalendar, per affected pool group).",
    ),
    table(
      `As of ${when(calendar.generatedAt)}`,
      ["What", "State", "End of support", "Images removed", "Days to removal"],
      calendar.entries.map((entry) => [
        entry.label,
        state(entry.state),
        entry.endOfSupport?.date ?? "",
        entry.imageRemoval?.date ?? "",
        days(entry.daysToRemoval),
      ]),
    ),
  ];
}

function alertList(alerts) {
  return [
    h("h3", {}, `Alerts (${alerts.byStatus.pending} pending, ${alerts.byStatus.delivered} delivered)`),
    alerts.count === 0
      ? h("p", { class: "muted" }, "No alerts.")
      : table(
          `The newest ${Math.min(RECENT_ALERTS, alerts.count)}`,
          ["Decided", "Severity", "Alert", "Delivery"],
          alerts.alerts
            .slice(0, RECENT_ALERTS)
            .map((entry) => [when(entry.decidedAt), entry.alert.severity, entry.alert.message, entry.status]),
        ),
  ];
}
