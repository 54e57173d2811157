// The three patch types the apiserver accepts from @kubernetes/client-node: JSON Patch (RFC 6902),
// JSON Merge Patch (RFC 7386) and strategic merge patch (merge keys for the lists the twin serves).

export class PatchError extends Error {}

type Json = unknown;
type JsonObject = Record<string, Json>;

function isObject(value: Json): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ------------------------------------------------------------------ RFC 6902

interface Operation {
  op: string;
  path: string;
  value?: Json;
  from?: string;
}

function pointer(path: string): string[] {
  if (path === "") return [];
  if (!path.startsWith("/")) throw new PatchError(`invalid JSON pointer "${path}"`);
  return path
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** The value `parts` lead to in `doc`; a missing step is an error naming the whole `path`. */
function walk(doc: Json, parts: readonly string[], path: string): Json {
  let node = doc;
  for (const part of parts) {
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isObject(node)) node = node[part];
    else node = undefined;
    if (node === undefined) throw new PatchError(`doc is missing path: "${path}": missing value`);
  }
  return node;
}

function parentOf(doc: Json, path: string): { parent: JsonObject | Json[]; key: string } {
  const parts = pointer(path);
  const key = parts.pop();
  if (key === undefined) throw new PatchError("cannot operate on the document root");
  const node = walk(doc, parts, path);
  if (!Array.isArray(node) && !isObject(node))
    throw new PatchError(`doc is missing path: "${path}": missing value`);
  return { parent: node, key };
}

function read(doc: Json, path: string): Json {
  return walk(doc, pointer(path), path);
}

function add(doc: Json, path: string, value: Json): Json {
  if (path === "") return value;
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const index = key === "-" ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length)
      throw new PatchError(`invalid array index "${key}" in "${path}"`);
    parent.splice(index, 0, value);
  } else parent[key] = value;
  return doc;
}

function remove(doc: Json, path: string): Json {
  const { parent, key } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= parent.length)
      throw new PatchError(`invalid array index "${key}" in "${path}"`);
    parent.splice(index, 1);
  } else {
    if (!(key in parent)) throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`);
    delete parent[key];
  }
  return doc;
}

export function applyJsonPatch(document: Json, operations: Json): Json {
  if (!Array.isArray(operations)) throw new PatchError("a JSON patch must be an array of operations");
  let doc = structuredClone(document);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string")
      throw new PatchError("each operation needs op and path");
    const op = raw as unknown as Operation;
    switch (op.op) {
      case "add":
        doc = add(doc, op.path, structuredClone(op.value));
        break;
      case "remove":
        doc = remove(doc, op.path);
        break;
      case "replace":
        read(doc, op.path);
        doc =
          op.path === ""
            ? structuredClone(op.value)
            : add(remove(doc, op.path), op.path, structuredClone(op.value));
        break;
      case "move": {
        const value = read(doc, op.from ?? "");
        doc = add(remove(doc, op.from ?? ""), op.path, value);
        break;
      }
      case "copy":
        doc = add(doc, op.path, structuredClone(read(doc, op.from ?? "")));
        break;
      case "test":
        if (JSON.stringify(read(doc, op.path)) !== JSON.stringify(op.value))
          throw new PatchError(`testing value ${op.path} failed: test failed`);
        break;
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}

// ------------------------------------------------------------------ RFC 7386

export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key], value);
  }
  return out;
}

// ------------------------------------------------------------------ strategic merge patch

/** Merge keys of the lists the twin serves (from the Go struct tags of k8s.io/api); other lists are replaced. */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  "metadata.ownerReferences": "uid",
  "spec.containers": "name",
  "spec.initContainers": "name",
  "spec.volumes": "name",
  "spec.template.spec.containers": "name",
  "spec.template.spec.initContainers": "name",
  "spec.template.spec.volumes": "name",
  "status.conditions": "type",
  "status.addresses": "type",
  "spec.containers.env": "name",
  "spec.containers.ports": "containerPort",
  "spec.template.spec.containers.env": "name",
  "spec.template.spec.containers.ports": "containerPort",
};
/** Lists of scalars merged as sets. */
const MERGED_SCALAR_LISTS = new Set(["metadata.finalizers"]);

function mergeList(path: string, target: Json[], patch: Json[]): Json[] {
  const key = MERGE_KEYS[path];
  if (MERGED_SCALAR_LISTS.has(path)) return [...target, ...patch.filter((v) => !target.includes(v))];
  if (!key)
    return patch
      .filter((item) => !(isObject(item) && item.$patch !== undefined))
      .map((item) => structuredClone(item));
  const out = target.map((item) => structuredClone(item));
  for (const item of patch) {
    if (!isObject(item))
      throw new PatchError(`the list at ${path} merges by ${key}: its items must be objects`);
    const index = out.findIndex((existing) => isObject(existing) && existing[key] === item[key]);
    if (item.$patch === "delete") {
      if (index !== -1) out.splice(index, 1);
      continue;
    }
    if (index === -1) out.push(strategicMerge(undefined, item, path));
    else out[index] = strategicMerge(out[index], item, path);
  }
  return out;
}

function strategicMerge(target: Json, patch: Json, path: string): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === "replace") {
    const { $patch: _, ...rest } = patch;
    return structuredClone(rest);
  }
  if (patch.$patch === "delete") return undefined;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys" || key.startsWith("$setElementOrder/")) continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const field = key.slice("$deleteFromPrimitiveList/".length);
      const current = out[field];
      if (Array.isArray(current) && Array.isArray(value))
        out[field] = current.filter((v) => !value.includes(v));
      continue;
    }
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) delete out[key];
    else if (Array.isArray(value))
      out[key] = mergeList(childPath, Array.isArray(out[key]) ? (out[key] as Json[]) : [], value);
    else if (isObject(value)) {
      const merged = strategicMerge(out[key], value, childPath);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else out[key] = value;
  }
  return out;
}

export function applyStrategicMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) throw new PatchError("a strategic merge patch must be a JSON object");
  return strategicMerge(target, patch, "");
}

export const PATCH_TYPES = {
  "application/json-patch+json": applyJsonPatch,
  "application/merge-patch+json": applyMergePatch,
  "application/strategic-merge-patch+json": applyStrategicMergePatch,
} as const;

export type PatchType = keyof typeof PATCH_TYPES;

export function isPatchType(contentType: string): contentType is PatchType {
  return Object.hasOwn(PATCH_TYPES, contentType);
}
