// Lists the fleet's managed clusters through Azure Resource Graph (@azure/arm-resourcegraph): the
// subscriptions or management groups the settings name (subscriptions in batches of fewer than 300),
// else the whole tenant the identity sees. Pages follow $skipToken; throttling is waited out on the
// given clock (429 with Retry-After, and the quota headers before the next query runs dry), so virtual
// time works and the SDK's own real-time retries must be off (maxRetries 0, see resourceGraphClient).
// Anything that makes the listing partial is reported, never hidden: truncated results, a tenant over
// the subscription limit, a batch that kept failing, a row that is not a readable cluster.

import {
  type QueryRequest,
  type QueryResponse,
  ResourceGraphClient,
  type ResourceGraphClientOptionalParams,
} from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/identity";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { ClusterPage, FleetSource, ListingReport, ListingStats } from "../domain/ports/fleet.ts";
import { readClusterResource } from "../formats/managed-cluster.ts";
import { backoffDelay, parseRetryAfter, type RetryPolicy } from "../retry-policy.ts";

/** Whole managedClusters rows; `id` is projected, without it Resource Graph gives no $skipToken. */
export const CLUSTERS_QUERY = `resources
| where type =~ 'microsoft.containerservice/managedclusters'
| project id, name, type, location, resourceGroup, subscriptionId, tags, properties`;

/** Resource Graph's guidance: fewer than 300 subscriptions per query. */
export const MAX_SUBSCRIPTIONS_PER_QUERY = 299;
/** Resource Graph's largest page. */
export const PAGE_SIZE = 1000;

export interface GraphScope {
  subscriptions: readonly string[];
  managementGroups: readonly string[];
}

/** Attempts per query, throttled ones included. */
export const DEFAULT_GRAPH_RETRY: RetryPolicy = { attempts: 8, initialDelayMs: 1_000, maxDelayMs: 60_000 };

/** A query Resource Graph refused, or that kept failing until the retries ran out. */
export class ResourceGraphError extends Error {
  override name = "ResourceGraphError";
  readonly status?: number;
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    if (options.status !== undefined) this.status = options.status;
  }
}

interface Batch {
  request: Pick<QueryRequest, "subscriptions" | "managementGroups">;
  describe: string;
}

interface Answer {
  response: QueryResponse;
  tenantLimitHit: boolean;
}

interface Headers {
  get(name: string): string | undefined;
}

/** The client the adapter expects: SDK retries off, so throttling waits on the product's clock. */
export function resourceGraphClient(
  credential: TokenCredential,
  options: Pick<ResourceGraphClientOptionalParams, "endpoint" | "tlsOptions"> = {},
): ResourceGraphClient {
  return new ResourceGraphClient(credential, { ...options, retryOptions: { maxRetries: 0 } });
}

export class ResourceGraphFleet implements FleetSource {
  private readonly client: ResourceGraphClient;
  private readonly scope: GraphScope;
  private readonly clock: RetryClock;
  private readonly retry: RetryPolicy;
  private readonly pageSize: number;
  /** Epoch ms before which the user's quota is spent (from x-ms-user-quota-*). */
  private quotaResetsAt = 0;

  constructor(options: {
    client: ResourceGraphClient;
    scope: GraphScope;
    clock: RetryClock;
    retry?: Partial<RetryPolicy>;
    /** Rows per page, at most PAGE_SIZE (tests page small fleets with smaller ones). */
    pageSize?: number;
  }) {
    this.client = options.client;
    this.scope = options.scope;
    this.clock = options.clock;
    this.retry = { ...DEFAULT_GRAPH_RETRY, ...options.retry };
    this.pageSize = Math.min(PAGE_SIZE, options.pageSize ?? PAGE_SIZE);
  }

  /**
   * Every managed cluster in scope, handed over a page at a time (memory stays flat for large fleets);
   * a cluster seen through two scopes (a subscription and its management group) comes once.
   */
  async listClusters(onPage: (page: ClusterPage) => Promise<void>): Promise<ListingReport> {
    const stats: ListingStats = { queries: 0, pages: 0, throttled: 0, waitedMs: 0 };
    const seen = new Set<string>();
    const incompleteReasons: string[] = [];
    let unreadable = 0;
    for (const batch of this.batches()) {
      try {
        const outcome = await this.listBatch(batch, stats, async (rows) => {
          const page: ClusterPage = { clusters: [], unreadable: [] };
          for (const row of rows) {
            const read = readClusterResource(row);
            if (!read.ok) {
              const id =
                typeof (row as { id?: unknown })?.id === "string" ? (row as { id: string }).id : undefined;
              page.unreadable.push({ ...(id !== undefined && { id }), problems: read.problems });
              continue;
            }
            const key = read.cluster.id.toLowerCase();
            if (seen.has(key)) continue;
            seen.add(key);
            page.clusters.push(read.cluster);
          }
          unreadable += page.unreadable.length;
          await onPage(page);
        });
        incompleteReasons.push(...outcome);
      } catch (error) {
        if (!(error instanceof ResourceGraphError)) throw error;
        incompleteReasons.push(`Resource Graph could not list ${batch.describe}: ${error.message}`);
      }
    }
    if (unreadable > 0) {
      incompleteReasons.push(
        `${unreadable} managed cluster row(s) could not be read (see the clusters' errors)`,
      );
    }
    return { clusters: seen.size, unreadable, incompleteReasons, stats };
  }

  private batches(): Batch[] {
    const { subscriptions, managementGroups } = this.scope;
    const batches: Batch[] = [];
    for (let start = 0; start < subscriptions.length; start += MAX_SUBSCRIPTIONS_PER_QUERY) {
      const slice = subscriptions.slice(start, start + MAX_SUBSCRIPTIONS_PER_QUERY);
      const describe =
        subscriptions.length <= MAX_SUBSCRIPTIONS_PER_QUERY
          ? `${plural(slice.length, "subscription")}`
          : `subscriptions ${start + 1}-${start + slice.length} of ${subscriptions.length}`;
      batches.push({ request: { subscriptions: [...slice] }, describe });
    }
    if (managementGroups.length > 0) {
      batches.push({
        request: { managementGroups: [...managementGroups] },
        describe: `management group(s) ${managementGroups.join(", ")}`,
      });
    }
    if (batches.length === 0) batches.push({ request: {}, describe: "the tenant" });
    return batches;
  }

  /** Pages through one batch; returns why its results are partial, if they are. */
  private async listBatch(
    batch: Batch,
    stats: ListingStats,
    onRows: (rows: unknown[]) => Promise<void>,
  ): Promise<string[]> {
    const reasons: string[] = [];
    // Partial scopes only apply to tenant and management group queries.
    const allowPartialScopes = batch.request.subscriptions === undefined;
    let received = 0;
    let total = 0;
    // Stops a page asked for ahead once the pages before it can no longer be recorded.
    const abandon = new AbortController();
    const page = (skipToken?: string) => {
      const answer = this.query(
        {
          ...batch.request,
          query: CLUSTERS_QUERY,
          options: {
            resultFormat: "objectArray",
            top: this.pageSize,
            ...(allowPartialScopes && { allowPartialScopes: true }),
            ...(skipToken !== undefined && { skipToken }),
          },
        },
        stats,
        abandon.signal,
      );
      // The loop awaits it later: a failure while the page before is recorded is not left unhandled.
      answer.catch(() => undefined);
      return answer;
    };
    let next: Promise<Answer> | undefined = page();
    while (next) {
      const { response, tenantLimitHit }: Answer = await next;
      stats.pages++;
      if (!Array.isArray(response.data)) {
        throw new ResourceGraphError(`the answer's data is not an array of rows (resultFormat objectArray)`);
      }
      received += response.data.length;
      total = response.totalRecords;
      if (tenantLimitHit && !reasons.some((r) => r.includes("x-ms-tenant-subscription-limit-hit"))) {
        reasons.push(
          `Resource Graph answered for part of ${batch.describe} only: the tenant has more subscriptions than one query covers (x-ms-tenant-subscription-limit-hit)`,
        );
      }
      if (String(response.resultTruncated) === "true") {
        reasons.push(`Resource Graph truncated the results for ${batch.describe} (resultTruncated)`);
      }
      // The next page is asked for before this one is handed over: it travels while this one is recorded.
      next = response.skipToken ? page(response.skipToken) : undefined;
      try {
        await onRows(response.data);
      } catch (error) {
        abandon.abort();
        throw error;
      }
    }
    if (received < total && !reasons.some((r) => r.includes("resultTruncated"))) {
      reasons.push(`Resource Graph counted ${total} clusters in ${batch.describe} but returned ${received}`);
    }
    return reasons;
  }

  /** One query, waiting out the quota before it and retrying throttled or transient failures. */
  private async query(request: QueryRequest, stats: ListingStats, abandoned: AbortSignal): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      await this.waitForQuota(stats);
      abandoned.throwIfAborted();
      let headers: Headers | undefined;
      stats.queries++;
      try {
        const response = await this.client.resources(request, {
          abortSignal: abandoned,
          onResponse: (raw) => {
            headers = raw.headers;
          },
        });
        this.noteQuota(headers);
        return {
          response,
          tenantLimitHit: headers?.get("x-ms-tenant-subscription-limit-hit")?.toLowerCase() === "true",
        };
      } catch (error) {
        this.noteQuota(headers);
        const status = (error as { statusCode?: number }).statusCode;
        if (status === 429) stats.throttled++;
        const delay = this.retryDelay(status, headers, attempt, (error as Error).name === "RestError");
        const message = error instanceof Error ? error.message : String(error);
        if (delay === undefined) {
          throw new ResourceGraphError(`${status ? `${status}: ` : ""}${message}`, {
            ...(status !== undefined && { status }),
            cause: error,
          });
        }
        if (attempt >= this.retry.attempts) {
          throw new ResourceGraphError(
            `still failing after ${attempt} attempts (last: ${status ? `${status}: ` : ""}${message})`,
            { ...(status !== undefined && { status }), cause: error },
          );
        }
        stats.waitedMs += delay;
        await this.clock.sleep(delay);
      }
    }
  }

  /** Throttled (429), server errors and lost connections are worth another try; others are final. */
  private retryDelay(
    status: number | undefined,
    headers: Headers | undefined,
    attempt: number,
    isNetworkError: boolean,
  ) {
    const exponential = backoffDelay(this.retry, attempt);
    if (status === 429) {
      const asked = parseRetryAfter(headers?.get("retry-after") ?? null);
      const resets = parseQuotaDuration(headers?.get("x-ms-user-quota-resets-after"));
      return Math.min(this.retry.maxDelayMs, Math.max(asked ?? 0, resets ?? 0) || exponential);
    }
    if (status !== undefined) return status >= 500 || status === 408 ? exponential : undefined;
    // No status: the request never got an answer (a RestError from the HTTP client), else a bug.
    return isNetworkError ? exponential : undefined;
  }

  private noteQuota(headers: Headers | undefined): void {
    if (headers?.get("x-ms-user-quota-remaining")?.trim() !== "0") return;
    const resets = parseQuotaDuration(headers.get("x-ms-user-quota-resets-after"));
    if (resets !== undefined) this.quotaResetsAt = this.clock.now() + resets;
  }

  private async waitForQuota(stats: ListingStats): Promise<void> {
    const wait = this.quotaResetsAt - this.clock.now();
    if (wait <= 0) return;
    stats.waitedMs += wait;
    await this.clock.sleep(wait);
  }
}

/** x-ms-user-quota-resets-after: "hh:mm:ss" (optionally with fractional seconds). */
export function parseQuotaDuration(value: string | undefined): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  const [, hours, minutes, seconds] = match;
  return Math.ceil((Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds)) * 1000);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
