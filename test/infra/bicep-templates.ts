// A small reader for the plain Bicep under infra/: no Bicep compiler or Azure is reachable here, so the
// templates are kept simple enough (one app setting a line, names as string templates in one object) for
// these regular expressions to read them honestly. A template written otherwise fails the tests that
// read it, rather than passing unread.

import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("../../", import.meta.url).pathname;
export const INFRA = join(ROOT, "infra");

export function readInfra(path: string): string {
  return readFileSync(join(INFRA, path), "utf8");
}

/** main.bicep and every infra/app/*.bicep, by path from infra/. */
export function allTemplates(): Map<string, string> {
  const paths = [
    "main.bicep",
    ...readdirSync(join(INFRA, "app"))
      .filter((file) => file.endsWith(".bicep"))
      .map((file) => `app/${file}`),
  ];
  return new Map(paths.map((path) => [path, readInfra(path)]));
}

/** The text between `opener` and the bracket that closes the one `opener` ends with. */
export function block(text: string, opener: string): string {
  const start = text.indexOf(opener);
  if (start === -1) throw new Error(`no "${opener}" in the template`);
  const open = start + opener.length - 1;
  const closing = text[open] === "[" ? "]" : "}";
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === text[open]) depth++;
    else if (text[index] === closing && --depth === 0) return text.slice(open + 1, index);
  }
  throw new Error(`"${opener}" is never closed`);
}

/** App settings written `{ name: 'X', value: ... }`, one a line, in the site's appSettings array. */
export function appSettings(text: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const line of block(text, "appSettings: [").split("\n")) {
    if (line.trim() === "") continue;
    const match = /^\s*\{ name: '([^']+)', value: (.+) \}\s*$/.exec(line);
    if (!match) throw new Error(`an app setting the reader cannot read: ${line.trim()}`);
    settings.set(match[1] as string, match[2] as string);
  }
  return settings;
}

/** `var name = { key: 'text' ... }`, string values only. */
export function stringObject(text: string, name: string): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const line of block(text, `var ${name} = {`).split("\n")) {
    const match = /^\s*(\w+): '([^']*)'\s*$/.exec(line);
    if (match) entries[match[1] as string] = match[2] as string;
    else if (line.trim() !== "" && !line.trim().startsWith("//"))
      throw new Error(`var ${name}: a line the reader cannot read: ${line.trim()}`);
  }
  return entries;
}

/** `var name = 'text'`. */
export function stringVar(text: string, name: string): string {
  const match = new RegExp(`^var ${name} = '([^']*)'$`, "m").exec(text);
  if (!match) throw new Error(`no string var ${name}`);
  return match[1] as string;
}

export interface Param {
  name: string;
  type: string;
  default?: string;
  decorators: string[];
}

/** Top-level params with the decorators written on the lines above them. */
export function params(text: string): Param[] {
  const found: Param[] = [];
  let decorators: string[] = [];
  let decoratorDepth = 0;
  for (const line of text.split("\n")) {
    if (decoratorDepth > 0 || line.startsWith("@")) {
      decorators.push(line);
      decoratorDepth += (line.match(/\(/g) ?? []).length - (line.match(/\)/g) ?? []).length;
      continue;
    }
    const match = /^param (\w+) (\w+)(?: = (.+))?$/.exec(line);
    if (match) {
      found.push({
        name: match[1] as string,
        type: match[2] as string,
        ...(match[3] !== undefined && { default: match[3] }),
        decorators,
      });
    }
    decorators = [];
  }
  return found;
}

export function outputs(text: string): { name: string; type: string }[] {
  return [...text.matchAll(/^output (\w+) (\w+) = /gm)].map((match) => ({
    name: match[1] as string,
    type: match[2] as string,
  }));
}

/** `module symbol 'reference'`: local paths and registry references. */
export function moduleReferences(text: string): string[] {
  return [...text.matchAll(/^module \w+ '([^']+)'/gm)].map((match) => match[1] as string);
}

export interface RoleAssignment {
  symbol: string;
  /** The builtInRoles key its roleDefinitionId names. */
  role: string;
  /** The symbol of the resource it is scoped to; undefined at the template's own scope. */
  scope?: string;
  principalId: string;
}

const ROLE_ASSIGNMENT = /^resource (\w+) 'Microsoft\.Authorization\/roleAssignments@[^']+' = /gm;

/** Every role assignment resource, which must name its role through builtInRoles. */
export function roleAssignments(text: string): RoleAssignment[] {
  return [...text.matchAll(ROLE_ASSIGNMENT)].map((match) => {
    const symbol = match[1] as string;
    const body = block(text.slice(match.index), "properties: {");
    const head = text.slice(match.index, match.index + text.slice(match.index).indexOf("properties: {"));
    const role =
      /roleDefinitionId: subscriptionResourceId\('Microsoft\.Authorization\/roleDefinitions', builtInRoles\.(\w+)\)/.exec(
        body,
      )?.[1];
    const principalId = /principalId: (.+)/.exec(body)?.[1]?.trim();
    if (!role || !principalId)
      throw new Error(`role assignment ${symbol}: no builtInRoles role or principal`);
    const scope = /^\s*scope: (\w+)$/m.exec(head)?.[1];
    return { symbol, role, principalId, ...(scope !== undefined && { scope }) };
  });
}

/** The string items of `key: [ ... ]` inside `text`, one a line. */
export function stringList(text: string, key: string): string[] {
  return [...block(text, `${key}: [`).matchAll(/'([^']+)'/g)].map((match) => match[1] as string);
}
