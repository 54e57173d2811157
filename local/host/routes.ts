// HTTP trigger route templates, ASP.NET style as the Functions host reads them:
// `orders/{id:int}/{kind?}`, `files/{*path}`, constraints int, long, alpha, bool, guid, double, float, decimal,
// datetime, minlength(n), maxlength(n), length(n), min(n), max(n), range(a,b), regex(expr).

export interface RouteMatch {
  readonly params: Record<string, string>;
}

interface Parameter {
  readonly name: string;
  readonly check: (value: string) => boolean;
}

export interface CompiledRoute {
  readonly template: string;
  /** Literal segments first, so `items/new` wins over `items/{id}`. */
  readonly specificity: number;
  match(path: string): RouteMatch | undefined;
}

const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;

function constraintCheck(constraint: string, template: string): (value: string) => boolean {
  const call = /^([a-z]+)(?:\((.*)\))?$/i.exec(constraint);
  const kind = call?.[1]?.toLowerCase();
  const arg = call?.[2] ?? "";
  const numbers = arg.split(",").map((part) => Number(part.trim()));
  const [first = Number.NaN, second = Number.NaN] = numbers;
  switch (kind) {
    case "int":
    case "long":
      return (v) => /^-?\d+$/.test(v);
    case "alpha":
      return (v) => /^[a-z]+$/i.test(v);
    case "bool":
      return (v) => /^(?:true|false)$/i.test(v);
    case "guid":
      return (v) => GUID.test(v);
    case "double":
    case "float":
    case "decimal":
      return (v) => NUMBER.test(v);
    case "datetime":
      return (v) => !Number.isNaN(Date.parse(v));
    case "minlength":
      return (v) => v.length >= first;
    case "maxlength":
      return (v) => v.length <= first;
    case "length":
      return Number.isNaN(second)
        ? (v) => v.length === first
        : (v) => v.length >= first && v.length <= second;
    case "min":
      return (v) => NUMBER.test(v) && Number(v) >= first;
    case "max":
      return (v) => NUMBER.test(v) && Number(v) <= first;
    case "range":
      return (v) => NUMBER.test(v) && Number(v) >= first && Number(v) <= second;
    case "regex": {
      const pattern = new RegExp(arg, "i");
      return (v) => pattern.test(v);
    }
    default:
      throw new Error(
        `Route "${template}" uses the constraint "${constraint}", which the local host does not know.`,
      );
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Compiles a route template (without the /api prefix) into a matcher. */
export function compileRoute(template: string): CompiledRoute {
  const parameters: Parameter[] = [];
  let pattern = "";
  let literals = 0;
  const segments = template.replace(/^\/+|\/+$/g, "").split("/");
  segments.forEach((segment, index) => {
    const whole = /^\{(\*{1,2})?([A-Za-z_][\w]*)((?::[^=?}]+(?:\([^)]*\))?)*)(\?)?(?:=[^}]*)?\}$/.exec(
      segment,
    );
    if (whole) {
      const [, catchAll, name = "", constraints = "", optional] = whole;
      const checks = constraints
        .split(":")
        .filter(Boolean)
        .map((c) => constraintCheck(c, template));
      parameters.push({ name, check: (v) => checks.every((check) => check(v)) });
      if (catchAll) {
        if (index !== segments.length - 1) throw new Error(`Route "${template}": a catch-all must be last.`);
        pattern += "(?:/(.*))?";
      } else if (optional) {
        pattern += "(?:/([^/]+))?";
      } else {
        pattern += "/([^/]+)";
      }
      return;
    }
    let segmentPattern = "";
    let rest = segment;
    for (;;) {
      const open = rest.indexOf("{");
      if (open === -1) break;
      const close = rest.indexOf("}", open);
      if (close === -1) throw new Error(`Route "${template}": unclosed "{" in segment "${segment}".`);
      segmentPattern += escapeRegExp(rest.slice(0, open));
      const [name = "", ...constraints] = rest.slice(open + 1, close).split(":");
      const checks = constraints.map((c) => constraintCheck(c, template));
      parameters.push({ name, check: (v) => checks.every((check) => check(v)) });
      segmentPattern += "([^/]+?)";
      rest = rest.slice(close + 1);
    }
    if (segmentPattern === "") literals++;
    pattern += `/${segmentPattern}${escapeRegExp(rest)}`;
  });
  const regex = new RegExp(`^${pattern}/?$`, "i");
  return {
    template,
    specificity: literals * 100 - parameters.length,
    match(path) {
      const found = regex.exec(path);
      if (!found) return undefined;
      const params: Record<string, string> = {};
      for (const [i, parameter] of parameters.entries()) {
        const raw = found[i + 1];
        if (raw === undefined) continue;
        const value = decodeURIComponent(raw);
        if (!parameter.check(value)) return undefined;
        params[parameter.name] = value;
      }
      return { params };
    },
  };
}
