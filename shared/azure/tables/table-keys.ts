// PartitionKey and RowKey values that Table Storage accepts whatever the input: it forbids / \ # ?
// and control characters (U+0000-U+001F, U+007F-U+009F) in keys and limits each key to 1 KiB.
// Keys are never decoded: every row also stores the original values it is about.

import { odata } from "@azure/data-tables";
import { sha256 } from "../../domain/support/sha256.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters Table Storage forbids.
const FORBIDDEN = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;
/** Characters of one encoded part; a key made of a short prefix and one part stays well under 1 KiB. */
const MAX_PART_CHARS = 400;

/** Characters of the encoded value a hashed part keeps at its start. */
const HASHED_PART_KEEPS = 300;

function encoded(value: string): string {
  return value.replace(FORBIDDEN, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

/** Percent-encodes what keys may not hold (and % itself, so distinct values stay distinct). */
export function keyPart(value: string): string {
  const part = encoded(value);
  if (part.length <= MAX_PART_CHARS) return part;
  // Too long for a key: a readable start and a hash of the whole keep it unique. The start never ends
  // inside a surrogate pair, which Table Storage refuses.
  const cut = isHighSurrogate(part.charCodeAt(HASHED_PART_KEEPS - 1))
    ? HASHED_PART_KEEPS - 1
    : HASHED_PART_KEEPS;
  return `${part.slice(0, cut)}~${sha256(value).slice(0, 40)}`;
}

/**
 * What keyPart of every value starting with `start` starts with, for a key range; undefined when that
 * start is so long that a hashed part may end before it.
 */
export function keyPartStart(start: string): string | undefined {
  const part = encoded(start);
  return part.length < HASHED_PART_KEEPS ? part : undefined;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** OData filter for the rows of one partition whose RowKey starts with `prefix`. */
export function rowKeyPrefixFilter(partitionKey: string, prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  const end = `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}`;
  return odata`PartitionKey eq ${partitionKey} and RowKey ge ${prefix} and RowKey lt ${end}`;
}
