// Values stored as JSON in string properties, within Table Storage's limits: a string property holds
// 64 KiB (32,768 UTF-16 code units) and an entity 1 MiB. Larger JSON is split over numbered properties;
// an entity that would still be over 1 MiB is refused with its size, so callers can summarise instead.

/** Characters per property: 64 KiB of UTF-16, less a margin. */
const PART_CHARS = 32_000;
/** Bytes per entity as Table Storage counts them, below the 1 MiB limit with room for system properties. */
export const MAX_ENTITY_BYTES = 1_000_000;

export class EntityTooLargeError extends Error {
  override name = "EntityTooLargeError";
  readonly bytes: number;
  constructor(what: string, bytes: number) {
    super(
      `${what} is ${bytes} bytes as a table entity; Table Storage allows ${MAX_ENTITY_BYTES} here (1 MiB less system properties)`,
    );
    this.bytes = bytes;
  }
}

type Columns = Record<string, string | number>;

/** `{name}` holds the JSON, or `{name}Parts` = n and `{name}0`..`{name}n-1` its parts in order. */
export function toJsonColumns(name: string, value: unknown): Columns {
  const json = JSON.stringify(value);
  if (json.length <= PART_CHARS) return { [name]: json };
  const columns: Columns = {};
  let index = 0;
  for (let start = 0; start < json.length; index++) {
    let end = Math.min(start + PART_CHARS, json.length);
    // Never split a surrogate pair: each part must be valid UTF-16 on its own.
    if (end < json.length && isHighSurrogate(json.charCodeAt(end - 1))) end--;
    columns[`${name}${index}`] = json.slice(start, end);
    start = end;
  }
  columns[`${name}Parts`] = index;
  return columns;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

export function fromJsonColumns<T>(entity: Record<string, unknown>, name: string, where: string): T {
  const whole = entity[name];
  let json: string;
  if (typeof whole === "string") {
    json = whole;
  } else {
    const parts = entity[`${name}Parts`];
    if (typeof parts !== "number") throw new Error(`${where}: property ${name} is missing`);
    json = "";
    for (let index = 0; index < parts; index++) {
      const part = entity[`${name}${index}`];
      if (typeof part !== "string")
        throw new Error(`${where}: property ${name}${index} of ${parts} is missing`);
      json += part;
    }
  }
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    throw new Error(`${where}: property ${name} is not valid JSON (${(error as Error).message})`);
  }
}

/** The entity's size by Table Storage's own formula (https://learn.microsoft.com/rest/api/storageservices/understanding-the-table-service-data-model). */
export function entityBytes(entity: Record<string, unknown>): number {
  let bytes = 4;
  for (const [name, value] of Object.entries(entity)) {
    if (name === "partitionKey" || name === "rowKey") {
      bytes += String(value).length * 2;
      continue;
    }
    if (name === "etag" || name === "timestamp" || value === undefined) continue;
    bytes += 8 + name.length * 2 + valueBytes(value);
  }
  return bytes;
}

function valueBytes(value: unknown): number {
  if (typeof value === "string") return 4 + value.length * 2;
  if (typeof value === "boolean") return 1;
  if (typeof value === "number" || value instanceof Date) return 8;
  if (value instanceof Uint8Array) return 4 + value.byteLength;
  return 4 + JSON.stringify(value).length * 2;
}

export function checkEntitySize(entity: Record<string, unknown>, what: string): void {
  const bytes = entityBytes(entity);
  if (bytes > MAX_ENTITY_BYTES) throw new EntityTooLargeError(what, bytes);
}
