// A small, explicit subset of KQL as Azure Resource Graph runs it: a table, then `where`, `project`,
// `extend`, `mv-expand`, `order by`/`sort by` and `limit`/`take`, with the scalar functions listed in
// FUNCTIONS. Anything outside the subset is refused with the error details ARG uses.

export type Value = unknown;
export type Row = Record<string, Value>;

export class KqlError extends Error {
  readonly detail: {
    code: string;
    message: string;
    line?: number;
    characterPositionInLine?: number;
    token?: string;
  };

  constructor(detail: KqlError["detail"]) {
    super(detail.message);
    this.detail = detail;
  }
}

// ------------------------------------------------------------------ tokens

interface Token {
  kind: "ident" | "string" | "number" | "punct" | "end";
  text: string;
  value?: string | number;
  offset: number;
}

const PUNCTUATION = ["==", "!=", "=~", "!~", "<=", ">=", "|", ",", "(", ")", "[", "]", ".", "=", "<", ">"];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    const start = i;
    if (ch === "'" || ch === '"' || (ch === "@" && (text[i + 1] === "'" || text[i + 1] === '"'))) {
      const verbatim = ch === "@";
      if (verbatim) i++;
      const quote = text[i] as string;
      i++;
      let value = "";
      while (i < text.length && text[i] !== quote) {
        if (!verbatim && text[i] === "\\" && i + 1 < text.length) {
          const next = text[i + 1] as string;
          value += next === "n" ? "\n" : next === "t" ? "\t" : next;
          i += 2;
          continue;
        }
        value += text[i];
        i++;
      }
      if (i >= text.length) throw parserFailure(text, start, text.slice(start));
      i++;
      tokens.push({ kind: "string", text: text.slice(start, i), value, offset: start });
      continue;
    }
    if (/[0-9]/.test(ch)) {
      while (i < text.length && /[0-9.]/.test(text[i] as string)) i++;
      tokens.push({
        kind: "number",
        text: text.slice(start, i),
        value: Number(text.slice(start, i)),
        offset: start,
      });
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      while (i < text.length && /[A-Za-z0-9_$]/.test(text[i] as string)) i++;
      // Operator names with a dash (mv-expand, project-away) and the case-insensitive `in~`.
      while (text[i] === "-" && /[A-Za-z]/.test(text[i + 1] ?? "")) {
        i++;
        while (i < text.length && /[A-Za-z0-9_]/.test(text[i] as string)) i++;
      }
      if (text[i] === "~" && text.slice(start, i) === "in") i++;
      tokens.push({ kind: "ident", text: text.slice(start, i), offset: start });
      continue;
    }
    if (ch === "!" && /[a-z]/.test(text[i + 1] ?? "")) {
      i++;
      while (i < text.length && /[A-Za-z~]/.test(text[i] as string)) i++;
      tokens.push({ kind: "ident", text: text.slice(start, i), offset: start });
      continue;
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (!punct) throw parserFailure(text, start, ch);
    i += punct.length;
    tokens.push({ kind: "punct", text: punct, offset: start });
  }
  tokens.push({ kind: "end", text: "<EOF>", offset: text.length });
  return tokens;
}

function position(text: string, offset: number): { line: number; characterPositionInLine: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, characterPositionInLine: (before.at(-1) ?? "").length };
}

function parserFailure(text: string, offset: number, token: string): KqlError {
  return new KqlError({ code: "ParserFailure", message: "ParserFailure", ...position(text, offset), token });
}

function unsupported(text: string, offset: number, token: string): KqlError {
  return new KqlError({
    code: "InvalidQueryLanguage",
    message: "InvalidQueryLanguage",
    ...position(text, offset),
    token,
  });
}

// ------------------------------------------------------------------ syntax

export type Expr =
  | { kind: "literal"; value: Value }
  | { kind: "path"; root: string; steps: Array<string | number>; offset: number }
  | { kind: "call"; name: string; args: Expr[]; offset: number }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "in"; op: string; left: Expr; list: Expr[] }
  | { kind: "not"; expr: Expr };

interface Assignment {
  name: string;
  expr: Expr;
}

export type Operator =
  | { kind: "where"; expr: Expr }
  | { kind: "project"; items: Assignment[] }
  | { kind: "extend"; items: Assignment[] }
  | { kind: "mv-expand"; item: Assignment; limit?: number }
  | { kind: "order"; keys: Array<{ expr: Expr; descending: boolean }> }
  | { kind: "limit"; count: number };

export interface Query {
  table: string;
  operators: Operator[];
}

const COMPARISONS = new Set([
  "==",
  "!=",
  "=~",
  "!~",
  "<",
  ">",
  "<=",
  ">=",
  "contains",
  "!contains",
  "has",
  "!has",
  "startswith",
  "!startswith",
  "endswith",
  "!endswith",
]);
const IN_OPERATORS = new Set(["in", "in~", "!in", "!in~"]);
const FUNCTIONS = new Set([
  "tostring",
  "tolower",
  "toupper",
  "toint",
  "tolong",
  "tobool",
  "isnotempty",
  "isempty",
  "isnull",
  "isnotnull",
  "parse_json",
  "todynamic",
  "array_length",
  "strcat",
  "coalesce",
  "iff",
]);
/** Words that may follow a complete expression inside an operator. */
const EXPRESSION_FOLLOWERS = new Set(["and", "or", "asc", "desc", "limit"]);
const TABLE_OPERATORS = new Set([
  "where",
  "project",
  "extend",
  "mv-expand",
  "order",
  "sort",
  "limit",
  "take",
]);

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  private readonly text: string;

  constructor(text: string) {
    this.text = text;
    this.tokens = tokenize(text);
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    this.i++;
    return token;
  }

  private fail(token = this.peek()): KqlError {
    return parserFailure(this.text, token.offset, token.text);
  }

  private expect(text: string): Token {
    const token = this.next();
    if (token.text !== text) throw this.fail(token);
    return token;
  }

  private isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === "ident" && token.text === text;
  }

  parse(): Query {
    const first = this.next();
    if (first.kind !== "ident") throw this.fail(first);
    const operators: Operator[] = [];
    let table = first.text;
    // ARG accepts a query that starts with an operator; it runs against `resources`.
    if (TABLE_OPERATORS.has(first.text.toLowerCase())) {
      table = "resources";
      this.i--;
      operators.push(this.operator());
    }
    while (this.peek().text === "|") {
      this.next();
      operators.push(this.operator());
    }
    if (this.peek().kind !== "end") throw this.fail();
    return { table: table.toLowerCase(), operators };
  }

  private operator(): Operator {
    const token = this.next();
    if (token.kind !== "ident") throw this.fail(token);
    switch (token.text) {
      case "where":
        return { kind: "where", expr: this.expression() };
      case "project":
        return { kind: "project", items: this.assignments(false) };
      case "extend":
        return { kind: "extend", items: this.assignments(true) };
      case "mv-expand": {
        const [item] = this.assignments(false);
        let limit: number | undefined;
        if (this.isWord("limit")) {
          this.next();
          limit = this.integer();
        }
        return { kind: "mv-expand", item: item as Assignment, ...(limit !== undefined ? { limit } : {}) };
      }
      case "order":
      case "sort": {
        this.expectWord("by");
        const keys = this.commaSeparated(() => {
          const expr = this.expression();
          const descending = this.isWord("asc") || this.isWord("desc") ? this.next().text === "desc" : true;
          return { expr, descending };
        });
        return { kind: "order", keys };
      }
      case "limit":
      case "take":
        return { kind: "limit", count: this.integer() };
      default:
        throw unsupported(this.text, token.offset, token.text);
    }
  }

  private expectWord(word: string): void {
    if (!this.isWord(word)) throw this.fail();
    this.next();
  }

  private integer(): number {
    const token = this.next();
    if (token.kind !== "number" || !Number.isInteger(token.value)) throw this.fail(token);
    return token.value as number;
  }

  /** One or more items separated by commas. */
  private commaSeparated<T>(item: (index: number) => T): T[] {
    const items = [item(0)];
    while (this.peek().text === ",") {
      this.next();
      items.push(item(items.length));
    }
    return items;
  }

  /** Zero or more items separated by commas, up to a closing parenthesis (consumed). */
  private argumentList<T>(item: () => T): T[] {
    const items = this.peek().text === ")" ? [] : this.commaSeparated(item);
    this.expect(")");
    return items;
  }

  private assignments(requireName: boolean): Assignment[] {
    return this.commaSeparated((index) => {
      if (this.peek().kind === "ident" && this.peek(1).text === "=") {
        const name = this.next().text;
        this.next();
        return { name, expr: this.expression() };
      }
      if (requireName) throw this.fail();
      const expr = this.expression();
      return { name: defaultColumnName(expr, index), expr };
    });
  }

  expression(): Expr {
    return this.chain("or", () => this.chain("and", () => this.comparison()));
  }

  /** Left-associative `a op b op c`. */
  private chain(op: "and" | "or", operand: () => Expr): Expr {
    let left = operand();
    while (this.isWord(op)) {
      this.next();
      left = { kind: "binary", op, left, right: operand() };
    }
    return left;
  }

  private comparison(): Expr {
    const left = this.primary();
    const token = this.peek();
    const op = token.kind === "ident" ? token.text.toLowerCase() : token.text;
    if (COMPARISONS.has(op)) {
      this.next();
      return { kind: "binary", op, left, right: this.primary() };
    }
    if (IN_OPERATORS.has(op)) {
      this.next();
      this.expect("(");
      return { kind: "in", op, left, list: this.argumentList(() => this.primary()) };
    }
    // Operators of full KQL this subset leaves out (between, matches regex, has_any...).
    if (token.kind === "ident" && !EXPRESSION_FOLLOWERS.has(token.text))
      throw unsupported(this.text, token.offset, token.text);
    return left;
  }

  private primary(): Expr {
    const token = this.next();
    if (token.kind === "string" || token.kind === "number") return { kind: "literal", value: token.value };
    if (token.text === "(") {
      const expr = this.expression();
      this.expect(")");
      return expr;
    }
    if (token.kind !== "ident") throw this.fail(token);
    if (token.text === "true" || token.text === "false")
      return { kind: "literal", value: token.text === "true" };
    if (token.text === "null") return { kind: "literal", value: null };
    if (this.peek().text === "(") {
      this.next();
      const name = token.text.toLowerCase();
      const args = this.argumentList(() => this.expression());
      if (name === "not") return { kind: "not", expr: args[0] ?? { kind: "literal", value: null } };
      if (!FUNCTIONS.has(name)) throw unsupported(this.text, token.offset, token.text);
      return { kind: "call", name, args, offset: token.offset };
    }
    const steps: Array<string | number> = [];
    for (;;) {
      if (this.peek().text === ".") {
        this.next();
        const member = this.next();
        if (member.kind !== "ident") throw this.fail(member);
        steps.push(member.text);
      } else if (this.peek().text === "[") {
        this.next();
        const index = this.next();
        if (index.kind !== "number" && index.kind !== "string") throw this.fail(index);
        steps.push(index.value as string | number);
        this.expect("]");
      } else break;
    }
    return { kind: "path", root: token.text, steps, offset: token.offset };
  }
}

function defaultColumnName(expr: Expr, index: number): string {
  return expr.kind === "path" ? [expr.root, ...expr.steps.map(String)].join("_") : `Column${index + 1}`;
}

export function parseQuery(text: string): Query {
  return new Parser(text).parse();
}

// ------------------------------------------------------------------ evaluation

export function toKqlString(value: Value): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function isEmpty(value: Value): boolean {
  return value === null || value === undefined || toKqlString(value) === "";
}

function compare(a: Value, b: Value): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (a === null || a === undefined) return b === null || b === undefined ? 0 : -1;
  if (b === null || b === undefined) return 1;
  const as = toKqlString(a);
  const bs = toKqlString(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

function hasTerm(haystack: string, term: string): boolean {
  const escaped = term.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^a-z0-9])${escaped}([^a-z0-9]|$)`).test(haystack.toLowerCase());
}

function equal(left: Value, right: Value): boolean {
  if (typeof left === "number" || typeof right === "number") return Number(left) === Number(right);
  return toKqlString(left) === toKqlString(right);
}

/** KQL's comparison operators; a leading `!` negates the string ones (`!contains`, `!~`, ...). */
const COMPARATORS: Readonly<Record<string, (left: Value, right: Value, l: string, r: string) => boolean>> = {
  "==": (left, right) => equal(left, right),
  "!=": (left, right) => !equal(left, right),
  "=~": (_a, _b, l, r) => l.toLowerCase() === r.toLowerCase(),
  "~": (_a, _b, l, r) => l.toLowerCase() === r.toLowerCase(),
  "<": (left, right) => compare(left, right) < 0,
  ">": (left, right) => compare(left, right) > 0,
  "<=": (left, right) => compare(left, right) <= 0,
  ">=": (left, right) => compare(left, right) >= 0,
  contains: (_a, _b, l, r) => l.toLowerCase().includes(r.toLowerCase()),
  has: (_a, _b, l, r) => hasTerm(l, r),
  startswith: (_a, _b, l, r) => l.toLowerCase().startsWith(r.toLowerCase()),
  endswith: (_a, _b, l, r) => l.toLowerCase().endsWith(r.toLowerCase()),
};

function binary(op: string, left: Value, right: Value): Value {
  const negate = op.startsWith("!") && op !== "!=";
  const comparator = COMPARATORS[negate ? op.slice(1) : op];
  if (!comparator) throw new Error(`unknown operator ${op}`);
  const result = comparator(left, right, toKqlString(left), toKqlString(right));
  return negate ? !result : result;
}

function call(name: string, args: Value[]): Value {
  const [a, b, c] = args;
  switch (name) {
    case "tostring":
      return toKqlString(a);
    case "tolower":
      return toKqlString(a).toLowerCase();
    case "toupper":
      return toKqlString(a).toUpperCase();
    case "toint":
    case "tolong": {
      const n = Number.parseInt(toKqlString(a), 10);
      return Number.isNaN(n) ? null : n;
    }
    case "tobool": {
      const s = toKqlString(a).toLowerCase();
      return s === "true" ? true : s === "false" ? false : null;
    }
    case "isnotempty":
      return !isEmpty(a);
    case "isempty":
      return isEmpty(a);
    case "isnull":
      return a === null || a === undefined;
    case "isnotnull":
      return a !== null && a !== undefined;
    case "parse_json":
    case "todynamic":
      if (typeof a !== "string") return a ?? null;
      try {
        return JSON.parse(a);
      } catch {
        return a;
      }
    case "array_length":
      return Array.isArray(a) ? a.length : null;
    case "strcat":
      return args.map(toKqlString).join("");
    case "coalesce":
      return args.find((v) => !isEmpty(v)) ?? null;
    case "iff":
      return a === true ? b : c;
    default:
      throw new Error(`unknown function ${name}`);
  }
}

function evaluate(expr: Expr, row: Row): Value {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "path": {
      let value: Value = row[expr.root];
      for (const step of expr.steps) {
        if (value === null || value === undefined || typeof value !== "object") return null;
        value = (value as Record<string | number, Value>)[step];
      }
      return value === undefined ? null : value;
    }
    case "call":
      return call(
        expr.name,
        expr.args.map((a) => evaluate(a, row)),
      );
    case "not":
      return evaluate(expr.expr, row) !== true;
    case "in": {
      const left = toKqlString(evaluate(expr.left, row));
      const caseless = expr.op.endsWith("~");
      const found = expr.list.some((item) => {
        const value = toKqlString(evaluate(item, row));
        return caseless ? value.toLowerCase() === left.toLowerCase() : value === left;
      });
      return expr.op.startsWith("!") ? !found : found;
    }
    case "binary":
      if (expr.op === "and") return evaluate(expr.left, row) === true && evaluate(expr.right, row) === true;
      if (expr.op === "or") return evaluate(expr.left, row) === true || evaluate(expr.right, row) === true;
      return binary(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
  }
}

/** Column references that the current schema cannot resolve are errors, as in KQL's semantic pass. */
function checkColumns(expr: Expr, columns: ReadonlySet<string>, text: string): void {
  switch (expr.kind) {
    case "path":
      if (!columns.has(expr.root)) {
        throw new KqlError({
          code: "FailedToResolveScalarExpression",
          message: `Failed to resolve scalar expression named '${expr.root}'`,
          ...position(text, expr.offset),
          token: expr.root,
        });
      }
      return;
    case "call":
      for (const a of expr.args) checkColumns(a, columns, text);
      return;
    case "binary":
      checkColumns(expr.left, columns, text);
      checkColumns(expr.right, columns, text);
      return;
    case "in":
      checkColumns(expr.left, columns, text);
      for (const item of expr.list) checkColumns(item, columns, text);
      return;
    case "not":
      checkColumns(expr.expr, columns, text);
      return;
    case "literal":
      return;
  }
}

export interface QueryResult {
  columns: string[];
  rows: Row[];
}

/** Runs a parsed query over a table's rows (which must all share `columns`). */
export function runQuery(query: Query, text: string, columns: string[], input: Row[]): QueryResult {
  let schema = [...columns];
  let rows = input;
  for (const op of query.operators) {
    const known = new Set(schema);
    switch (op.kind) {
      case "where":
        checkColumns(op.expr, known, text);
        rows = rows.filter((row) => evaluate(op.expr, row) === true);
        break;
      case "project":
        for (const item of op.items) checkColumns(item.expr, known, text);
        rows = rows.map((row) =>
          Object.fromEntries(op.items.map((item) => [item.name, evaluate(item.expr, row)])),
        );
        schema = op.items.map((item) => item.name);
        break;
      case "extend":
        for (const item of op.items) checkColumns(item.expr, known, text);
        rows = rows.map((row) => {
          const out = { ...row };
          for (const item of op.items) out[item.name] = evaluate(item.expr, out);
          return out;
        });
        schema = [
          ...schema.filter((c) => !op.items.some((i) => i.name === c)),
          ...op.items.map((i) => i.name),
        ];
        break;
      case "mv-expand": {
        checkColumns(op.item.expr, known, text);
        const name = op.item.name;
        const expanded: Row[] = [];
        for (const row of rows) {
          const value = evaluate(op.item.expr, row);
          const items = Array.isArray(value) ? value.slice(0, op.limit ?? value.length) : [value];
          for (const item of items) expanded.push({ ...row, [name]: item });
        }
        rows = expanded;
        if (!schema.includes(name)) schema = [...schema, name];
        break;
      }
      case "order":
        for (const key of op.keys) checkColumns(key.expr, known, text);
        rows = [...rows].sort((a, b) => {
          for (const key of op.keys) {
            const diff = compare(evaluate(key.expr, a), evaluate(key.expr, b));
            if (diff !== 0) return key.descending ? -diff : diff;
          }
          return 0;
        });
        break;
      case "limit":
        rows = rows.slice(0, op.count);
        break;
    }
  }
  return { columns: schema, rows };
}
