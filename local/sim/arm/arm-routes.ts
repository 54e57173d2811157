// How the ARM endpoint's parts declare what they serve: path templates matched without regard to case
// (as ARM matches them), the request a handler gets, and the reply it returns.

import type { Json } from "./request-validation.ts";

const SUBSCRIPTION = "subscriptions/:sub";
const PROVIDER_PATH = "providers/microsoft.containerservice";
const CLUSTER = `${SUBSCRIPTION}/resourcegroups/:rg/${PROVIDER_PATH}/managedclusters/:cluster`;
const POOL = `${CLUSTER}/agentpools/:pool`;
const LOCATION = `${SUBSCRIPTION}/${PROVIDER_PATH}/locations/:location`;

/** Route templates, lower case, split into path segments once; `:name` segments capture. */
export const PATTERNS = splitTemplates({
  subscriptions: "subscriptions",
  subscription: SUBSCRIPTION,
  clustersInSubscription: `${SUBSCRIPTION}/${PROVIDER_PATH}/managedclusters`,
  clustersInGroup: `${SUBSCRIPTION}/resourcegroups/:rg/${PROVIDER_PATH}/managedclusters`,
  cluster: CLUSTER,
  userCredential: `${CLUSTER}/listclusterusercredential`,
  adminCredential: `${CLUSTER}/listclusteradmincredential`,
  pools: `${CLUSTER}/agentpools`,
  pool: POOL,
  upgradeProfile: `${POOL}/upgradeprofiles/default`,
  deleteMachines: `${POOL}/deletemachines`,
  upgradeNodeImage: `${POOL}/upgradenodeimageversion`,
  machines: `${POOL}/machines`,
  operationStatus: `${LOCATION}/operations/:operation`,
  operationResult: `${LOCATION}/operationresults/:operation`,
  computeUsages: `${SUBSCRIPTION}/providers/microsoft.compute/locations/:location/usages`,
  computeSkus: `${SUBSCRIPTION}/providers/microsoft.compute/skus`,
  resourceGraph: "providers/microsoft.resourcegraph/resources",
});

function splitTemplates<K extends string>(templates: Record<K, string>): Record<K, readonly string[]> {
  const split = Object.entries<string>(templates).map(([name, template]) => [name, template.split("/")]);
  return Object.fromEntries(split) as Record<K, readonly string[]>;
}

export type Params = Record<string, string>;

/** The path's captured segments, or undefined when the path is not the pattern's. */
export function match(pattern: readonly string[], segments: string[]): Params | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Params = {};
  for (const [i, part] of pattern.entries()) {
    const segment = segments[i] as string;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(segment);
    else if (part !== segment.toLowerCase()) return undefined;
  }
  return params;
}

export interface RequestContext {
  body: Json;
  apiVersion: string;
  authorization: string;
  url: URL;
}

export interface Reply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface Route {
  pattern: readonly string[];
  method: string;
  handle: (params: Params, request: RequestContext) => Reply;
}

export function ok(body: unknown, headers: Record<string, string> = {}): Reply {
  return { status: 200, body, headers };
}

export function noContent(): Reply {
  return { status: 204, body: undefined, headers: {} };
}

/** ARM compares names and ids without regard to case. */
export function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
