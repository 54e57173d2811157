// Pictures of time: spans in labelled rows, with dated vertical lines (a deadline, now). A migration's
// phases, from its history: one row per phase in the order it was first entered, a bar for each stretch
// spent in it; waits for people and a rollback stand out. Each bar names its span.

import { h, scrolling, svg, when } from "./dom.js";

const WIDTH = 640;
const ROW = 18;
/** Room above the rows for each marker's label. */
const MARKER_ROW = 14;

function duration(ms) {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.round(hours / 24)} days`;
}

/**
 * The picture: `rows` (their labels, `labelWidth` wide), `spans` ({row, from, to, class, title}) and
 * `markers` ({at, class, text}, a line across the rows labelled above them; one after `to` at the right
 * edge, its label pointing on), from `from` to `to` (ISO instants). Screen readers get `label`, and each
 * bar's title. On a phone it keeps its size and scrolls sideways in a region named `name`.
 */
export function chart({ name, label, rows, spans, markers = [], from, to, labelWidth = 130 }) {
  const top = 4 + markers.length * MARKER_ROW;
  const start = Date.parse(from);
  const total = Math.max(Date.parse(to) - start, 1);
  const x = (iso) => labelWidth + ((Date.parse(iso) - start) / total) * (WIDTH - labelWidth - 8);
  const height = top + rows.length * ROW + 16;
  const picture = svg(
    "svg",
    { class: "timeline", viewBox: `0 0 ${WIDTH} ${height}`, role: "img", "aria-label": label },
    rows.map((row, index) => svg("text", { x: 0, y: top + index * ROW + 12 }, row)),
    svg("line", { class: "axis", x1: labelWidth, x2: labelWidth, y1: 0, y2: height - 14 }),
    spans.map((span) => {
      const left = x(span.from);
      return svg(
        "rect",
        {
          class: span.class,
          x: left,
          y: top + span.row * ROW + 2,
          width: Math.max(x(span.to) - left, 2),
          height: ROW - 6,
          rx: 2,
        },
        svg("title", {}, span.title),
      );
    }),
    markers.map((marker, index) => {
      const later = Date.parse(marker.at) > Date.parse(to);
      const at = x(later ? to : marker.at);
      // A label right of centre ends at its line, so it stays inside the picture.
      const right = at > (WIDTH + labelWidth) / 2;
      return [
        svg("line", { class: marker.class, x1: at, x2: at, y1: index * MARKER_ROW + 4, y2: height - 14 }),
        svg(
          "text",
          { x: right ? at - 3 : at + 3, y: index * MARKER_ROW + 12, "text-anchor": right ? "end" : "start" },
          later ? `${marker.text} →` : marker.text,
        ),
      ];
    }),
    svg("text", { x: labelWidth, y: height - 2 }, when(from)),
    svg("text", { x: WIDTH - 4, y: height - 2, "text-anchor": "end" }, when(to)),
  );
  return scrolling(name, picture);
}

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

/** A migration's phases in time. */
export function timeline(migration) {
  const { history } = migration;
  if (history.length === 0) return h("p", { class: "muted" }, "No history yet.");
  const end = [migration.updatedAt, history.at(-1).at].sort().at(-1);
  const spans = phaseSpans(history, end);
  const phases = [...new Set(spans.map((span) => span.phase))];
  const lasted = (span) => duration(Date.parse(span.to) - Date.parse(span.from));
  return chart({
    name: `Timeline of ${migration.cluster}/${migration.pool}`,
    label: `Phases of ${migration.cluster}/${migration.pool} from ${when(spans[0].from)} to ${when(end)}: ${spans
      .map((span) => `${span.phase} ${lasted(span)}`)
      .join(", ")}`,
    rows: phases,
    spans: spans.map((span) => ({
      row: phases.indexOf(span.phase),
      from: span.from,
      to: span.to,
      class: kindOf(span.phase),
      title: `${span.phase}: ${when(span.from)}, ${lasted(span)}`,
    })),
    from: spans[0].from,
    to: end,
  });
}
