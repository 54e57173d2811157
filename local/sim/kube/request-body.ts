// Request bodies as the apiserver decodes them: a JSON object (a JSON Patch may be an array), or a
// patch in the type its Content-Type names, applied to a copy of the target.

import type { IncomingMessage } from "node:http";
import { fail } from "./kube-errors.ts";
import { isPatchType, PATCH_TYPES, PatchError } from "./patch.ts";

export function parseJson<T = Record<string, unknown>>(body: string, allowArray = false): T {
  try {
    const value = JSON.parse(body);
    if (typeof value !== "object" || value === null || (Array.isArray(value) && !allowArray))
      throw new Error("the body is not a JSON object");
    return value as T;
  } catch (error) {
    throw fail(400, "BadRequest", `error decoding the request body: ${(error as Error).message}`);
  }
}

/** Applies a PATCH body to a copy of the target, in the patch type the Content-Type names. */
export function applyPatch(req: IncomingMessage, target: unknown, body: string): unknown {
  const contentType = (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
  if (!isPatchType(contentType)) {
    throw fail(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(", ")}`,
    );
  }
  try {
    return PATCH_TYPES[contentType](target, parseJson(body, contentType === "application/json-patch+json"));
  } catch (error) {
    if (error instanceof PatchError) {
      throw fail(
        422,
        "Invalid",
        `the server rejected our request due to an error in our request: ${error.message}`,
      );
    }
    throw error;
  }
}
