// Building the page from data without innerHTML: text is always text, never markup.

const SVG = "http://www.w3.org/2000/svg";

/** An element: `attributes` set as given (on* never), `children` strings, nodes or nothing. */
export function h(tag, attributes = {}, ...children) {
  return fill(document.createElement(tag), attributes, children);
}

/** An SVG element, as `h` builds HTML ones. */
export function svg(tag, attributes = {}, ...children) {
  return fill(document.createElementNS(SVG, tag), attributes, children);
}

function fill(element, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === undefined || value === null) continue;
    element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A date-time as people read it, in UTC like the service's answers. */
export function when(iso) {
  return iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "";
}

/** Facts as a definition list; a null or undefined value is left out. */
export function facts(entries) {
  return h(
    "dl",
    { class: "facts" },
    entries
      .filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

/** `content` scrolling sideways on a narrow screen, reachable by keyboard to scroll it. */
export function scrolling(label, content) {
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": label }, content);
}

/** A table from a header row and rows of cells, scrolling sideways on a narrow screen. */
export function table(caption, headers, rows) {
  return scrolling(
    caption,
    h(
      "table",
      {},
      h("caption", { class: "muted" }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((header) => h("th", { scope: "col" }, header)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((cells) =>
          h(
            "tr",
            {},
            cells.map((cell) => h("td", {}, cell)),
          ),
        ),
      ),
    ),
  );
}

/** JSON a person can read, folded away. */
export function folded(summary, value) {
  return h("details", {}, h("summary", {}, summary), h("pre", {}, JSON.stringify(value, null, 2)));
}
