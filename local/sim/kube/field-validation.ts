// Server-side field validation (the fieldValidation query parameter of create, update and patch): fields the
// kind does not declare fail the request under Strict, come back as Warning headers under Warn (the
// default) and pass silently under Ignore, as on the apiserver. The twin keeps such fields where the
// apiserver would drop them.

import type { Resource } from "../model/kube-types.ts";
import { fail } from "./kube-errors.ts";
import { unknownFields } from "./openapi.ts";

const DIRECTIVES = ["Ignore", "Warn", "Strict"];

/** The Warning header a write earns, if any; throws the apiserver's 400 under Strict. */
export function validateFields(url: URL, resource: Resource, body: string): Record<string, string> {
  const directive = url.searchParams.get("fieldValidation") ?? "Warn";
  if (!DIRECTIVES.includes(directive))
    throw fail(
      400,
      "BadRequest",
      `fieldValidation: Unsupported value: "${directive}": supported values: "Ignore", "Strict", "Warn"`,
    );
  if (directive === "Ignore") return {};
  let object: unknown;
  try {
    object = JSON.parse(body);
  } catch {
    return {}; // the write itself answers the bad body
  }
  if (Array.isArray(object)) return {}; // a JSON Patch names paths, not fields
  const unknown = unknownFields(resource, object).map((path) => `unknown field "${path}"`);
  if (unknown.length === 0) return {};
  if (directive === "Strict") throw fail(400, "BadRequest", `strict decoding error: ${unknown.join(", ")}`);
  return { Warning: unknown.map((w) => `299 - ${JSON.stringify(w)}`).join(", ") };
}
