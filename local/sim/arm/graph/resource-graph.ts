// Azure Resource Graph's query endpoint (POST /providers/Microsoft.ResourceGraph/resources): the KQL
// subset over the fleet's resources, pages of at most 1,000 rows with $skipToken (only when `id` is
// projected), and per-user quota of 15 queries per 5 seconds in simulated time, with ARG's headers.

import { randomUUID } from "node:crypto";
import type { Fleet } from "../../model/fleet.ts";
import { hashString } from "../../model/random.ts";
import { managedClusterResource } from "../arm-resources.ts";
import { KqlError, parseQuery, type Row, runQuery } from "./kql.ts";

const MAX_PAGE = 1000;
const RESOURCE_COLUMNS = [
  "id",
  "name",
  "type",
  "tenantId",
  "kind",
  "location",
  "resourceGroup",
  "subscriptionId",
  "managedBy",
  "sku",
  "plan",
  "properties",
  "tags",
  "identity",
  "zones",
  "extendedLocation",
];

export interface GraphReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

interface QueryRequest {
  query?: unknown;
  subscriptions?: unknown;
  managementGroups?: unknown;
  options?: {
    $skipToken?: string;
    $top?: number;
    $skip?: number;
    resultFormat?: string;
    allowPartialScopes?: boolean;
  };
  facets?: unknown;
}

function supportMessage(now: number): string {
  return `Please provide below info when asking for support: timestamp = ${new Date(now).toISOString()}, correlationId = ${randomUUID()}.`;
}

function badRequest(now: number, details: Array<Record<string, unknown>>): GraphReply {
  return {
    status: 400,
    body: { error: { code: "BadRequest", message: supportMessage(now), details } },
    headers: {},
  };
}

function invalidQuery(now: number, detail: KqlError["detail"]): GraphReply {
  return badRequest(now, [
    {
      code: "InvalidQuery",
      message:
        "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
    },
    detail,
  ]);
}

function formatDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

interface Window {
  start: number;
  used: number;
}

type QueryResult = ReturnType<typeof runQuery>;

/** Results a listing is still paging through: at most this many, the oldest dropped first. */
const KEPT_RESULTS = 16;

export class ResourceGraph {
  private readonly fleet: Fleet;
  private readonly windows = new Map<string, Window>();
  /**
   * A query's rows as its first page saw them, by the id its $skipTokens carry: the later pages are
   * sliced from them rather than the whole fleet queried again for each (a token whose result was
   * dropped is answered by running the query again).
   */
  private readonly results = new Map<string, { scope: string; result: QueryResult }>();

  constructor(fleet: Fleet) {
    this.fleet = fleet;
  }

  /** Handles one query request from the caller identified by `user` (its bearer token). */
  query(user: string, body: QueryRequest): GraphReply {
    const quota = this.takeQuota(user);
    if (!quota.allowed) return quota.reply;
    const reply = this.answer(body);
    return { ...reply, headers: { ...reply.headers, ...quota.headers } };
  }

  private takeQuota(
    user: string,
  ): { allowed: true; headers: Record<string, string> } | { allowed: false; reply: GraphReply } {
    const { quotaRequests, quotaWindowSeconds } = this.fleet.scenario.resourceGraph;
    const windowMs = quotaWindowSeconds * 1000;
    const now = this.fleet.timeline.now();
    let window = this.windows.get(user);
    if (!window || now >= window.start + windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(user, window);
    }
    const resetsAfter = window.start + windowMs - now;
    if (window.used >= quotaRequests) {
      return {
        allowed: false,
        reply: {
          status: 429,
          body: {
            error: {
              code: "RateLimiting",
              message: supportMessage(now),
              details: [
                {
                  code: "RateLimiting",
                  message:
                    "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed. Please see https://aka.ms/resourcegraph-throttling for help.",
                },
              ],
            },
          },
          headers: {
            "Retry-After": String(Math.max(1, Math.ceil(resetsAfter / 1000))),
            "x-ms-user-quota-remaining": "0",
            "x-ms-user-quota-resets-after": formatDuration(resetsAfter),
          },
        },
      };
    }
    window.used++;
    return {
      allowed: true,
      headers: {
        "x-ms-user-quota-remaining": String(quotaRequests - window.used),
        "x-ms-user-quota-resets-after": formatDuration(resetsAfter),
      },
    };
  }

  private answer(body: QueryRequest): GraphReply {
    const now = this.fleet.timeline.now();
    if (typeof body.query !== "string" || body.query.trim() === "") {
      return badRequest(now, [{ code: "InvalidQuery", message: "The query is missing or empty." }]);
    }
    const options = body.options ?? {};
    const top = options.$top ?? MAX_PAGE;
    if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE) {
      return badRequest(now, [
        { code: "InvalidRequestOptions", message: `$top must be an integer between 1 and ${MAX_PAGE}.` },
      ]);
    }
    const format = options.resultFormat ?? "objectArray";
    if (format !== "table" && format !== "objectArray") {
      return badRequest(now, [
        {
          code: "InvalidRequestOptions",
          message: `resultFormat must be 'table' or 'objectArray', not '${format}'.`,
        },
      ]);
    }
    const fingerprint = hashString(body.query).toString(36);
    const scope = this.scope(body.subscriptions);
    const scopeKey = scope ? [...scope].sort().join(",") : "*";
    const token =
      options.$skipToken === undefined ? undefined : decodeSkipToken(options.$skipToken, fingerprint);
    const kept = token?.result === undefined ? undefined : this.results.get(token.result);
    let result: QueryResult;
    if (kept?.scope === scopeKey) {
      result = kept.result;
    } else {
      try {
        const query = parseQuery(body.query);
        const table = this.table(query.table, scope);
        if (!table) {
          return invalidQuery(now, {
            code: "FailedToResolveTableExpression",
            message: `Failed to resolve table expression named '${query.table}'`,
            token: query.table,
          });
        }
        result = runQuery(query, body.query, table.columns, table.rows);
      } catch (error) {
        if (error instanceof KqlError) return invalidQuery(now, error.detail);
        throw error;
      }
    }
    let offset = options.$skip ?? 0;
    if (options.$skipToken !== undefined) {
      if (token === undefined)
        return badRequest(now, [
          {
            code: "InvalidSkipToken",
            message: "The $skipToken is invalid or does not belong to this query.",
          },
        ]);
      offset = token.offset;
    }
    const page = result.rows.slice(offset, offset + top);
    const more = offset + page.length < result.rows.length;
    const pageable = result.columns.includes("id");
    const resultId = more && pageable ? this.keep(token?.result, scopeKey, result) : undefined;
    if (!more && token?.result !== undefined) this.results.delete(token.result);
    return {
      status: 200,
      body: {
        totalRecords: result.rows.length,
        count: page.length,
        data: format === "table" ? asTable(result.columns, page) : page,
        facets: [],
        resultTruncated: more && !pageable ? "true" : "false",
        ...(resultId !== undefined
          ? { $skipToken: encodeSkipToken(offset + page.length, fingerprint, resultId) }
          : {}),
      },
      headers: {},
    };
  }

  /** The id the result is kept under: the token's, or a new one. */
  private keep(id: string | undefined, scope: string, result: QueryResult): string {
    if (id !== undefined && this.results.has(id)) return id;
    const kept = randomUUID();
    this.results.set(kept, { scope, result });
    for (const oldest of this.results.keys()) {
      if (this.results.size <= KEPT_RESULTS) break;
      this.results.delete(oldest);
    }
    return kept;
  }

  private scope(subscriptions: unknown): Set<string> | undefined {
    if (!Array.isArray(subscriptions) || subscriptions.length === 0) return undefined;
    return new Set(subscriptions.map((s) => String(s).toLowerCase()));
  }

  private table(
    name: string,
    scope: Set<string> | undefined,
  ): { columns: string[]; rows: Row[] } | undefined {
    const clusters = this.fleet.clusters.filter((c) => !scope || scope.has(c.subscriptionId.toLowerCase()));
    const now = this.fleet.timeline.now();
    if (name === "resources") {
      const rows: Row[] = [];
      for (const cluster of clusters) {
        const resource = managedClusterResource(cluster);
        rows.push({
          id: resource.id,
          name: resource.name,
          type: "microsoft.containerservice/managedclusters",
          tenantId: this.fleet.scenario.tenantId,
          kind: resource.kind,
          location: resource.location,
          resourceGroup: cluster.resourceGroup.toLowerCase(),
          subscriptionId: cluster.subscriptionId,
          managedBy: "",
          sku: resource.sku,
          plan: null,
          properties: resource.properties,
          tags: resource.tags ?? {},
          identity: resource.identity,
          zones: null,
          extendedLocation: null,
        });
        for (const pool of cluster.pools.values()) {
          const vmss = `aks-${pool.name}-${pool.vmssId}-vmss`;
          rows.push({
            id: `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.nodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/${vmss}`,
            name: vmss,
            type: "microsoft.compute/virtualmachinescalesets",
            tenantId: this.fleet.scenario.tenantId,
            kind: "",
            location: cluster.location,
            resourceGroup: cluster.nodeResourceGroup.toLowerCase(),
            subscriptionId: cluster.subscriptionId,
            managedBy: "",
            sku: { name: pool.props.vmSize, tier: "Standard", capacity: pool.liveMachines().length },
            plan: null,
            properties: {
              provisioningState: "Succeeded",
              orchestrationMode: "Uniform",
              singlePlacementGroup: false,
            },
            tags: {
              "aks-managed-createOperationID": pool.eTag,
              "aks-managed-orchestrator": `Kubernetes:${pool.props.orchestratorVersion}`,
              "aks-managed-poolName": pool.name,
              "aks-managed-resourceNameSuffix": pool.vmssId,
            },
            identity: null,
            zones: pool.props.availabilityZones.length > 0 ? [...pool.props.availabilityZones] : null,
            extendedLocation: null,
          });
        }
      }
      return { columns: RESOURCE_COLUMNS, rows };
    }
    if (name === "containerserviceeventresources") {
      const rows: Row[] = [];
      for (const cluster of clusters) {
        cluster.spec.scheduledEvents.forEach((event, index) => {
          const name = `${hashString(`${cluster.id}/${index}`).toString(16).padStart(8, "0")}-eol${index}`;
          const days = Math.floor((Date.parse(event.eolDate) - now) / 86_400_000);
          rows.push({
            id: `${cluster.id.replace("/resourceGroups/", "/resourcegroups/")}/scheduledEvents/${name}`,
            name,
            type: "microsoft.containerservice/managedclusters/scheduledevents",
            tenantId: this.fleet.scenario.tenantId,
            kind: "",
            location: cluster.location,
            resourceGroup: cluster.resourceGroup.toLowerCase(),
            subscriptionId: cluster.subscriptionId,
            managedBy: "",
            sku: null,
            plan: null,
            properties: {
              description: event.description,
              eventSource: "EOLNotification",
              eventStatus: "Scheduled",
              eventDetails: {
                kubernetesVersion: cluster.kubernetesVersion,
                eolDate: event.eolDate,
                supportType: event.supportType,
                daysUntilEOL: days,
                region: cluster.location,
              },
              scheduledTime: event.eolDate,
              lastUpdateTime: new Date(now).toISOString(),
            },
            tags: {},
            identity: null,
            zones: null,
            extendedLocation: null,
          });
        });
      }
      return { columns: RESOURCE_COLUMNS, rows };
    }
    return undefined;
  }
}

function encodeSkipToken(offset: number, fingerprint: string, result: string): string {
  return Buffer.from(JSON.stringify({ o: offset, q: fingerprint, r: result })).toString("base64");
}

function decodeSkipToken(
  token: string,
  fingerprint: string,
): { offset: number; result?: string } | undefined {
  try {
    const decoded = JSON.parse(Buffer.from(token, "base64").toString("utf8")) as {
      o?: unknown;
      q?: unknown;
      r?: unknown;
    };
    if (decoded.q !== fingerprint || typeof decoded.o !== "number") return undefined;
    return { offset: decoded.o, ...(typeof decoded.r === "string" && { result: decoded.r }) };
  } catch {
    return undefined;
  }
}

function columnType(values: unknown[]): string {
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === "number") return Number.isInteger(sample) ? "integer" : "real";
  if (typeof sample === "boolean") return "boolean";
  if (typeof sample === "object") return "object";
  return "string";
}

function asTable(
  columns: string[],
  rows: Row[],
): { columns: Array<{ name: string; type: string }>; rows: unknown[][] } {
  return {
    columns: columns.map((name) => ({ name, type: columnType(rows.map((r) => r[name])) })),
    rows: rows.map((row) => columns.map((c) => row[c] ?? null)),
  };
}
