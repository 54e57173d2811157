// The rollout plan for people: waves with their migrations and why each sits where it does, the misses
// and their fixes, the forecast and the communication dates, readable in 120 columns.

import type { RolloutPlan, SpendForecast } from "../domain/rollout/rollout-plan.ts";

const WIDTH = 120;

function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths = (rows[0] ?? []).map((_, index) => Math.max(...rows.map((row) => (row[index] ?? "").length)));
  return rows.map((row) =>
    `${indent}${row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ")}`.trimEnd(),
  );
}

/** Words wrapped to the page, each line after `indent`. */
function wrap(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(" ")) {
    if (line.length + word.length + 1 > WIDTH && line.trim() !== "") {
      lines.push(line.trimEnd());
      line = indent;
    }
    line += `${word} `;
  }
  return [...lines, line.trimEnd()];
}

const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

function money(amount: number, plan: RolloutPlan): string {
  return `${amount.toFixed(2)} ${plan.currency}`;
}

function spend(forecast: SpendForecast, plan: RolloutPlan): string {
  const unpriced = forecast.unpricedVmSizes.length
    ? ` + unpriced ${forecast.unpricedVmSizes.join(", ")}`
    : "";
  const slack = forecast.minSlackDays === null ? "" : `, least slack ${forecast.minSlackDays} d`;
  return (
    `${forecast.migrations} migration(s), ${forecast.durationHours.toFixed(1)} h, ` +
    `${forecast.overlapNodeHours.toFixed(1)} overlap node-h, ${money(forecast.cost, plan)}${unpriced}, ` +
    `peak ${money(forecast.peakDailySpend, plan)}/day${slack}`
  );
}

/** `sources` name the fleet and the policy, a line each. */
export function renderPlanTable(plan: RolloutPlan, sources: readonly string[]): string {
  const out: string[] = [
    `Fleet rollout plan, now ${plan.now.slice(0, 10)}, first wave from ${plan.start}`,
    ...sources.map((source) => `  ${source}`),
  ];
  out.push(...wrap(`Forecast: ${spend(plan.forecast.total, plan)}`, ""));
  const model = plan.forecast.model;
  out.push(
    ...wrap(
      `Model: soak ${model.soakHours} h, drain ${model.drainHoursPerNode.toFixed(2)} h per node (${model.basis}), ` +
        `batch ${model.batchSize}, retention ${model.retentionHours} h; prices ${plan.prices.sourced ? `from ${plan.prices.source}` : "NOT SOURCED (illustrative)"}`,
      "",
    ),
  );

  for (const wave of plan.waves) {
    const forecast = plan.forecast.waves.find((w) => w.wave === wave.index);
    out.push(
      "",
      `Wave ${wave.index}${wave.canary ? " (canary)" : ""}: ${minute(wave.start)} to ${minute(wave.end)} UTC`,
    );
    if (forecast) out.push(...wrap(spend(forecast, plan), "  "));
    const rows = columns(
      wave.migrations.map((m) => [
        minute(m.start),
        `${m.cluster}/${m.pool}`,
        `${m.fromOsSku} -> ${m.targetOsSku}`,
        `deadline ${m.deadline ?? "-"}`,
        `slack ${m.slackDays ?? "-"} d`,
      ]),
      "  ",
    );
    wave.migrations.forEach((m, index) => {
      out.push(rows[index] ?? "", ...wrap(m.reason, "      "));
    });
  }

  if (plan.misses.length) {
    out.push("", `Misses (${plan.misses.length})`);
    for (const miss of plan.misses) {
      const late = miss.daysLate === null ? "in no wave" : `${miss.daysLate} d late`;
      out.push(`  ${miss.cluster}/${miss.pool}: deadline ${miss.deadline ?? "-"}, ${late}`);
      out.push(...wrap(`fix: ${miss.fix}`, "      "));
    }
  }

  if (plan.communications.length) {
    out.push("", "Communications");
    for (const event of plan.communications) {
      out.push(...wrap(`${event.date}  ${event.late ? "LATE " : ""}${event.kind}: ${event.text}`, "  "));
    }
  }

  if (plan.unplanned.length) {
    out.push("", `Not planned (${plan.unplanned.length})`);
    for (const pool of plan.unplanned)
      out.push(...wrap(`${pool.cluster}/${pool.pool}: ${pool.reason}`, "  "));
  }
  if (plan.notes.length) out.push("", "Notes", ...plan.notes.flatMap((note) => wrap(note, "  ")));
  if (plan.waves.length === 0) out.push("", "Nothing to migrate under this policy.");
  return `${out.join("\n")}\n`;
}
