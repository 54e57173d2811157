// Checks every ARM write body goes through before its own rules: it is a JSON object, its fields are
// known to the api-version, and each field has the type AKS's Go structs decode.

import { ArmError, unmarshalError } from "./arm-error.ts";

export type Json = Record<string, unknown>;

export function parseBody(text: string): Json {
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("not an object");
    return value as Json;
  } catch (error) {
    throw new ArmError(
      400,
      "InvalidRequestContent",
      `The request content was invalid and could not be deserialized: '${(error as Error).message}'.`,
    );
  }
}

/** AKS rejects unknown fields from this api-version on (https://github.com/Azure/AKS/issues/4060). */
export const UNKNOWN_FIELDS_REFUSED_FROM = "2024-01-01";

function unknownField(object: unknown, known: Set<string>): string | undefined {
  if (typeof object !== "object" || object === null || Array.isArray(object)) return undefined;
  return Object.keys(object).find((key) => !known.has(key));
}

/** Each pair is an object of the body and the fields it may have. */
export function rejectUnknownFields(apiVersion: string, checks: Array<[unknown, Set<string>]>): void {
  if (apiVersion < UNKNOWN_FIELDS_REFUSED_FROM) return;
  for (const [object, known] of checks) {
    const field = unknownField(object, known);
    if (field !== undefined) {
      throw unmarshalError(
        `unknown field "${field}" Check that the field is in the right location, is spelled correctly, and is supported in the API version. Visit aka.ms/aks/apiversions for more API version information..`,
      );
    }
  }
}

export function expectType(
  value: unknown,
  type: "string" | "number" | "boolean" | "object" | "array",
  field: string,
): void {
  // Go decodes null into a pointer field as unset.
  if (value === undefined || value === null) return;
  const actual = Array.isArray(value) ? "array" : typeof value;
  if (actual !== type) {
    const goType = {
      string: "string",
      number: "int32",
      boolean: "bool",
      object: "map[string]string",
      array: "[]string",
    }[type];
    throw unmarshalError(`cannot unmarshal ${actual} into Go struct field ${field} of type ${goType}`);
  }
}
