// The OpenAPI documents of the kinds the twin stores: /openapi/v3 (the index and one document per group
// version, as kubectl explain and apply read them) and /openapi/v2 in JSON. The schemas are built from
// @kubernetes/client-node's models, which are generated from the upstream OpenAPI document, so field
// names and types match a real cluster's; the models carry no descriptions, so explain shows none.
// Each PATCH operation declares the fieldValidation parameter, which is how kubectl (1.27+) learns that the
// server validates fields itself (see fieldProblems) and skips its client-side validation.

import * as k8s from "@kubernetes/client-node";
import { RESOURCE_KINDS, type Resource } from "../model/kube-types.ts";
import { fail } from "./kube-errors.ts";

interface Attribute {
  baseName: string;
  type: string;
  format: string;
}
type Schema = Record<string, unknown>;

const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => Attribute[] } | undefined>;

/** The client-node model of a kind (core Event is CoreV1Event there). */
function modelName(resource: Resource): string {
  return resource === "events" ? "CoreV1Event" : `V1${RESOURCE_KINDS[resource].kind}`;
}

function attributes(model: string): Attribute[] | undefined {
  return models[model]?.getAttributeTypeMap?.();
}

/** The schema of one attribute type; named models become references (collected into `refs`). */
function typeSchema(type: string, format: string, ref: (model: string) => string, refs: Set<string>): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: "array", items: typeSchema(array[1] as string, format, ref, refs) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: "object", additionalProperties: typeSchema(map[1] as string, format, ref, refs) };
  if (type === "string") return { type: "string", ...(format ? { format } : {}) };
  if (type === "number")
    return { type: format.startsWith("int") ? "integer" : "number", ...(format ? { format } : {}) };
  if (type === "boolean") return { type: "boolean" };
  if (type === "Date" || type === "V1MicroTime") return { type: "string", format: "date-time" };
  if (type === "IntOrString") return { "x-kubernetes-int-or-string": true };
  if (type === "any" || !attributes(type))
    return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
  refs.add(type);
  return { $ref: ref(type) };
}

/** The schemas of the given models and of every model they reach, by model name. */
function schemasFrom(roots: string[], ref: (model: string) => string): Map<string, Schema> {
  const schemas = new Map<string, Schema>();
  const pending = [...roots];
  while (pending.length > 0) {
    const model = pending.pop() as string;
    if (schemas.has(model)) continue;
    const refs = new Set<string>();
    const properties = Object.fromEntries(
      (attributes(model) ?? []).map((a) => [a.baseName, typeSchema(a.type, a.format, ref, refs)]),
    );
    schemas.set(model, { type: "object", properties });
    pending.push(...refs);
  }
  return schemas;
}

function groupVersionKind(resource: Resource) {
  const { apiVersion, kind } = RESOURCE_KINDS[resource];
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return { group: group as string, version: version as string, kind };
}

function resourcesOf(groupVersion: string): Resource[] {
  return (Object.keys(RESOURCE_KINDS) as Resource[]).filter(
    (r) => RESOURCE_KINDS[r].apiVersion === groupVersion,
  );
}

function pathPrefix(groupVersion: string): string {
  return groupVersion.includes("/") ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
}

const QUERY = (name: string, description: string) => ({
  name,
  in: "query",
  description,
  schema: { type: "string" },
});
const WRITE_PARAMETERS = [
  QUERY("dryRun", "When present, indicates that modifications should not be persisted."),
  QUERY("fieldManager", "A name associated with the actor or entity that is making these changes."),
  QUERY(
    "fieldValidation",
    "How the server handles fields it does not know: Ignore, Warn (the default) or Strict (an error).",
  ),
];

/** Paths of one group version: each object's get, replace and patch, tagged with its kind. */
function paths(groupVersion: string, ref: (model: string) => string) {
  return Object.fromEntries(
    resourcesOf(groupVersion).map((resource) => {
      const gvk = groupVersionKind(resource);
      const scope = RESOURCE_KINDS[resource].namespaced ? "/namespaces/{namespace}" : "";
      const body = { content: { "application/json": { schema: { $ref: ref(modelName(resource)) } } } };
      const operation = (action: string, parameters: object[]) => ({
        operationId: `${action}${gvk.kind}`,
        parameters,
        responses: { "200": body },
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": gvk,
      });
      return [
        `${pathPrefix(groupVersion)}${scope}/${resource}/{name}`,
        {
          get: operation("get", []),
          put: { ...operation("put", WRITE_PARAMETERS), requestBody: body },
          patch: { ...operation("patch", WRITE_PARAMETERS), requestBody: body },
        },
      ];
    }),
  );
}

function componentsOf(resources: Resource[], ref: (model: string) => string): Record<string, Schema> {
  const schemas = schemasFrom(resources.map(modelName), ref);
  for (const resource of resources) {
    const schema = schemas.get(modelName(resource)) as Schema;
    schema["x-kubernetes-group-version-kind"] = [groupVersionKind(resource)];
  }
  return Object.fromEntries(schemas);
}

const groupVersions = [...new Set(Object.values(RESOURCE_KINDS).map((k) => k.apiVersion))];
const v3Ref = (model: string) => `#/components/schemas/${model}`;
const cache = new Map<string, string>();

function cached(key: string, build: () => unknown): string {
  let text = cache.get(key);
  if (text === undefined) {
    text = JSON.stringify(build());
    cache.set(key, text);
  }
  return text;
}

/**
 * The JSON text of the OpenAPI document at the path, or undefined when the path is none. Documents are
 * built once per process and shared by every cluster.
 */
export function openApiDocument(path: string, accept: string): string | undefined {
  if (path === "/openapi/v3")
    return cached(path, () => ({
      paths: Object.fromEntries(
        groupVersions.map((gv) => [
          pathPrefix(gv).slice(1),
          { serverRelativeURL: `/openapi/v3${pathPrefix(gv)}?hash=${gv.replace(/\W/g, "")}` },
        ]),
      ),
    }));
  const groupVersion = groupVersions.find((gv) => path === `/openapi/v3${pathPrefix(gv)}`);
  if (groupVersion)
    return cached(path, () => ({
      openapi: "3.0.0",
      info: { title: "Kubernetes", version: "unversioned" },
      paths: paths(groupVersion, v3Ref),
      components: { schemas: componentsOf(resourcesOf(groupVersion), v3Ref) },
    }));
  if (path !== "/openapi/v2") return undefined;
  if (!/application\/json|\*\/\*/.test(accept) && accept !== "")
    throw fail(
      406,
      "NotAcceptable",
      "the simulator serves /openapi/v2 as application/json only, not protobuf",
    );
  const v2Ref = (model: string) => `#/definitions/${model}`;
  return cached(path, () => ({
    swagger: "2.0",
    info: { title: "Kubernetes", version: "unversioned" },
    paths: {},
    definitions: componentsOf(Object.keys(RESOURCE_KINDS) as Resource[], v2Ref),
  }));
}

const kindSchemas = new Map<Resource, Map<string, Schema>>();

/** The paths of fields the object holds that its kind's schema does not declare (`spec.foo`, `a[0].b`). */
export function unknownFields(resource: Resource, object: unknown): string[] {
  let schemas = kindSchemas.get(resource);
  if (!schemas) {
    schemas = schemasFrom([modelName(resource)], v3Ref);
    kindSchemas.set(resource, schemas);
  }
  const problems: string[] = [];
  const walk = (value: unknown, schema: Schema | undefined, at: string) => {
    if (!schema || value === null || typeof value !== "object") return;
    const resolved =
      typeof schema.$ref === "string" ? schemas?.get(schema.$ref.split("/").pop() as string) : schema;
    if (!resolved) return;
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries())
        walk(item, resolved.items as Schema | undefined, `${at}[${i}]`);
      return;
    }
    const properties = resolved.properties as Record<string, Schema> | undefined;
    const additional = resolved.additionalProperties as Schema | undefined;
    for (const [key, child] of Object.entries(value)) {
      // Strategic merge patch directives ($patch, $setElementOrder/...) are not fields.
      if (key.startsWith("$")) continue;
      const path = at ? `${at}.${key}` : key;
      if (properties && !(key in properties) && !additional) problems.push(path);
      else walk(child, properties?.[key] ?? additional, path);
    }
  };
  walk(object, { $ref: v3Ref(modelName(resource)) }, "");
  return problems;
}
