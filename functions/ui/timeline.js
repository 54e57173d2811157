// A migration's phases in time, from its history: one row per phase in the order it was first entered, a
// bar for each stretch spent in it. Waits for people and a rollback stand out; each bar names its span.

import { h, scrolling, svg, when } from "./dom.js";

const WIDTH = 640;
const LABEL = 130;
const ROW = 18;
const TOP = 4;

/** The stretches of time the migration spent in each phase; the last ends at `end`. */
function phaseSpans(history, end) {
  const spans = [];
  for (const entry of history) {
    const last = spans.at(-1);
    if (last?.phase === entry.phase) continue;
    if (last) last.to = entry.at;
    spans.push({ phase: entry.phase, from: entry.at, to: end });
  }
  return spans;
}

function kindOf(phase) {
  if (phase.startsWith("awaiting-")) return "phase phase-wait";
  return phase === "rolling-back" ? "phase phase-rollback" : "phase";
}

function duration(ms) {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.round(hours / 24)} days`;
}

/** The picture, with a text equivalent for screen readers (its label and each bar's title). */
export function timeline(migration) {
  const { history } = migration;
  if (history.length === 0) return h("p", { class: "muted" }, "No history yet.");
  const end = [migration.updatedAt, history.at(-1).at].sort().at(-1);
  const spans = phaseSpans(history, end);
  const phases = [...new Set(spans.map((span) => span.phase))];
  const start = Date.parse(spans[0].from);
  const total = Math.max(Date.parse(end) - start, 1);
  const x = (iso) => LABEL + ((Date.parse(iso) - start) / total) * (WIDTH - LABEL - 8);
  const height = TOP + phases.length * ROW + 16;
  const label = `Phases of ${migration.cluster}/${migration.pool} from ${when(spans[0].from)} to ${when(end)}: ${spans
    .map((span) => `${span.phase} ${duration(Date.parse(span.to) - Date.parse(span.from))}`)
    .join(", ")}`;
  const picture = svg(
    "svg",
    { class: "timeline", viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label },
    phases.map((phase, row) => svg("text", { x: 0, y: TOP + row * ROW + 12 }, phase)),
    svg("line", { class: "axis", x1: LABEL, x2: LABEL, y1: 0, y2: height - 14 }),
    spans.map((span) => {
      const row = phases.indexOf(span.phase);
      const left = x(span.from);
      return svg(
        "rect",
        {
          class: kindOf(span.phase),
          x: left,
          y: TOP + row * ROW + 2,
          width: Math.max(x(span.to) - left, 2),
          height: ROW - 6,
          rx: 2,
        },
        svg(
          "title",
          {},
          `${span.phase}: ${when(span.from)}, ${duration(Date.parse(span.to) - Date.parse(span.from))}`,
        ),
      );
    }),
    svg("text", { x: LABEL, y: height - 2 }, when(spans[0].from)),
    svg("text", { x: WIDTH - 4, y: height - 2, "text-anchor": "end" }, when(end)),
  );
  // Legible on a phone: the picture keeps its size and scrolls sideways.
  return scrolling(`Timeline of ${migration.cluster}/${migration.pool}`, picture);
}
