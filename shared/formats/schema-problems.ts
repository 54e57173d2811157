// What a schema refused, for the person who sent it: one line per problem, "path: what was expected,
// got what", so a 400 names the field to fix.

import type { ZodError } from "zod";

/** One line per problem; `at` is where `value` sits in the whole body. */
export function describeIssues(error: ZodError, value: unknown, at: string[]): string[] {
  return error.issues.map((issue) => {
    const path = [...at, ...issue.path.map(String)];
    const received = valueAt(value, issue.path);
    // The value that failed, unless it is the whole body or an object whose fields are the problem.
    const showValue = received !== undefined && issue.path.length > 0 && issue.code !== "unrecognized_keys";
    const got = showValue ? `, got ${truncate(JSON.stringify(received), 80)}` : "";
    const message =
      issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : issue.message;
    return `${path.length > 0 ? path.join(".") : "(body)"}: ${message}${got}`;
  });
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
