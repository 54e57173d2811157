// Label selectors (the query-string syntax and metav1.LabelSelector), node selector terms and
// taint tolerations, with the semantics of k8s.io/apimachinery/pkg/labels and component-helpers.

import type { LabelSelector, Taint, Toleration } from "./kube-types.ts";

export type Operator = "=" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";
export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export class SelectorError extends Error {}

const KEY = /^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?\/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new SelectorError(`invalid label key "${key}"`);
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) throw new SelectorError(`invalid label value: "${value}"`);
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of text) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

/** Parses `labelSelector` query syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`. */
export function parseLabelSelector(text: string): Requirement[] {
  return splitTop(text).map((part) => {
    const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
    if (set) {
      const values = (set[3] as string).split(",").map((v) => checkValue(v.trim()));
      return { key: checkKey(set[1] as string), operator: set[2] as Operator, values };
    }
    const cmp = /^([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
    if (cmp) {
      const op =
        cmp[2] === "==" || cmp[2] === "=" ? "=" : cmp[2] === "!=" ? "!=" : cmp[2] === ">" ? "gt" : "lt";
      return {
        key: checkKey(cmp[1] as string),
        operator: op,
        values: [checkValue((cmp[3] as string).trim())],
      };
    }
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim()), operator: "!", values: [] };
    return { key: checkKey(part), operator: "exists", values: [] };
  });
}

export function matchesRequirement(req: Requirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case "=":
      return has && value === req.values[0];
    case "!=":
      return !has || value !== req.values[0];
    case "in":
      return has && req.values.includes(value as string);
    case "notin":
      return !has || !req.values.includes(value as string);
    case "exists":
      return has;
    case "!":
      return !has;
    case "gt":
    case "lt": {
      if (!has) return false;
      const n = Number(value);
      const bound = Number(req.values[0]);
      return Number.isFinite(n) && (req.operator === "gt" ? n > bound : n < bound);
    }
  }
}

export function matchesAll(
  reqs: readonly Requirement[],
  labels: Readonly<Record<string, string>> = {},
): boolean {
  return reqs.every((r) => matchesRequirement(r, labels));
}

/** metav1.LabelSelector as PDBs and workloads carry it. An empty selector matches nothing here. */
export function selectorRequirements(selector: LabelSelector | undefined): Requirement[] {
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {}))
    reqs.push({ key, operator: "=", values: [value] });
  for (const e of selector?.matchExpressions ?? []) {
    const operator = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const)[e.operator];
    reqs.push({ key: e.key, operator, values: e.values ?? [] });
  }
  return reqs;
}

/** Reads a selector once, for matching many objects against it. */
export function labelSelectorMatcher(
  selector: LabelSelector | undefined,
): (labels: Readonly<Record<string, string>> | undefined) => boolean {
  const reqs = selectorRequirements(selector);
  return (labels = {}) => reqs.length > 0 && matchesAll(reqs, labels);
}

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

function nodeRequirement(r: NodeSelectorRequirement): Requirement {
  const operator = (
    { In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!", Gt: "gt", Lt: "lt" } as const
  )[r.operator as "In"];
  return { key: r.key, operator: operator ?? "in", values: r.values ?? [] };
}

/** Required node affinity: any term matches; within a term, every expression and field matches. */
export function nodeAffinityMatches(
  terms: readonly NodeSelectorTerm[],
  node: { name: string; labels: Readonly<Record<string, string>> },
): boolean {
  if (terms.length === 0) return true;
  return terms.some(
    (term) =>
      (term.matchExpressions ?? []).every((r) => matchesRequirement(nodeRequirement(r), node.labels)) &&
      (term.matchFields ?? []).every((r) =>
        matchesRequirement(nodeRequirement(r), { "metadata.name": node.name }),
      ),
  );
}

export function tolerates(tolerations: readonly Toleration[], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if (t.operator === "Exists") return t.key === undefined || t.key === "" || t.key === taint.key;
    return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
  });
}

/** The first NoSchedule/NoExecute taint the tolerations leave uncovered. */
export function untoleratedTaint(
  tolerations: readonly Toleration[],
  taints: readonly Taint[],
): Taint | undefined {
  return taints.find((taint) => taint.effect !== "PreferNoSchedule" && !tolerates(tolerations, taint));
}
