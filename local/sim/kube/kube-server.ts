// One cluster's Kubernetes API over HTTPS, as @kubernetes/client-node and kubectl meet it on AKS: what every
// request goes through (bearer token, injected faults), then health, OpenAPI, discovery, access reviews,
// the Metrics API, or an object path's verb: reads (object-reads.ts, as Tables when kubectl asks) and
// writes (object-writes.ts, fields validated), answering errors with metav1.Status bodies.

import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, type RunningServer, readBody, startHttp2Server } from "../http/https-server.ts";
import type { SimCluster } from "../model/cluster.ts";
import { requestMatches } from "../model/faults.ts";
import type { KubeObject } from "../model/kube-types.ts";
import { status } from "../model/objects.ts";
import type { SimulatorTls } from "../tls/certificates.ts";
import { createReview, isReviewPath } from "./access-reviews.ts";
import {
  AGGREGATED_DISCOVERY,
  aggregatedDiscovery,
  apiGroups,
  coreVersions,
  resourceList,
  versionInfo,
  wantsAggregated,
} from "./api-discovery.ts";
import { parseTarget, SCALABLE } from "./api-paths.ts";
import { validateFields } from "./field-validation.ts";
import { fail, methodNotAllowed, notServed, StatusError } from "./kube-errors.ts";
import { JsonBody } from "./list-json.ts";
import { metricsTarget, readMetrics } from "./metrics-api.ts";
import { ObjectReads, requireObject } from "./object-reads.ts";
import { ObjectWrites } from "./object-writes.ts";
import { openApiDocument } from "./openapi.ts";
import { parseJson } from "./request-body.ts";
import { send, sendStatus, statusHeaders } from "./responses.ts";
import { includeObjectOf, toTable, wantsTable } from "./tables.ts";

export interface KubeServerOptions {
  cluster: SimCluster;
  tls: SimulatorTls;
}

export async function startKubeServer(options: KubeServerOptions): Promise<RunningServer> {
  const api = new KubeApi(options.cluster);
  const server = await startHttp2Server(options.tls, (req, res, url) => api.handle(req, res, url));
  options.cluster.apiServerUrl = server.url;
  return server;
}

const HEALTH_PATHS = ["/healthz", "/readyz", "/livez"];

class KubeApi {
  private readonly cluster: SimCluster;
  private readonly reads: ObjectReads;
  private readonly writes: ObjectWrites;

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
    this.reads = new ObjectReads(cluster);
    this.writes = new ObjectWrites(cluster);
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    try {
      const auth = req.headers.authorization;
      if (!auth?.startsWith("Bearer ") || auth.length <= "Bearer ".length)
        throw fail(401, "Unauthorized", "Unauthorized");
      const token = auth.slice("Bearer ".length);
      this.cluster.ctx.credentials.record(`kube:${this.cluster.name}`, token);
      await this.injectedFault(method, url);
      const body = method === "GET" || method === "HEAD" ? "" : await readBody(req);
      const answer = this.route(req, res, url, { method, body, token });
      if (answer) {
        const body = answer.body instanceof JsonBody ? answer.body.text : JSON.stringify(answer.body);
        send(res, answer.code, body, answer.headers);
      }
    } catch (error) {
      if (error instanceof StatusError) sendStatus(res, error.status);
      else if (error instanceof BodyError)
        sendStatus(res, status(413, "RequestEntityTooLarge", error.message));
      else throw error;
    }
  }

  /** A kube-error fault fails the request at once (500, 403 or 429); a kube-timeout fault fails it after its delay. */
  private async injectedFault(method: string, url: URL): Promise<void> {
    const faults = this.cluster.ctx.faults;
    const name = this.cluster.name;
    const error = faults.take(
      "kube-error",
      (f) => f.cluster === name && requestMatches(f, method, url.pathname),
    );
    const cause = "injected by the simulator's kube-error fault";
    if (error?.status === 403) throw fail(403, "Forbidden", `forbidden: ${cause}`, {});
    // As API priority and fairness answers when a priority level's queues are full.
    if (error?.status === 429)
      throw fail(429, "TooManyRequests", "Too many requests, please try again later.", {
        retryAfterSeconds: 1,
      });
    if (error)
      throw fail(500, "InternalError", `Internal error occurred: ${cause}`, { causes: [{ message: cause }] });
    const timeout = faults.take(
      "kube-timeout",
      (f) => f.cluster === name && requestMatches(f, method, url.pathname),
    );
    if (timeout) {
      await this.cluster.timeline.sleep(timeout.delaySeconds * 1000);
      throw fail(
        504,
        "Timeout",
        "Timeout: request did not complete within requested timeout - context deadline exceeded",
        {},
      );
    }
  }

  /** What to send back; undefined when the request is answered already (health text, a watch stream). */
  private route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    { method, body, token }: { method: string; body: string; token: string },
  ): Answer | undefined {
    const segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const path = url.pathname;
    const openApi = method === "GET" ? openApiDocument(path, req.headers.accept ?? "") : undefined;
    if (openApi !== undefined) {
      send(res, 200, openApi);
      return undefined;
    }
    if (method === "GET" && HEALTH_PATHS.includes(path)) {
      if (!res.headersSent) {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
      }
      return undefined;
    }
    if (method === "GET" && path === "/version") return ok(versionInfo(this.cluster.kubernetesVersion));
    if (method === "GET" && (path === "/api" || path === "/apis") && wantsAggregated(req))
      return {
        code: 200,
        body: aggregatedDiscovery(path === "/api"),
        headers: { "Content-Type": AGGREGATED_DISCOVERY },
      };
    if (method === "GET" && path === "/api") return ok(coreVersions(url.host));
    if (method === "GET" && path === "/apis") return ok(apiGroups());
    const discovery = resourceList(segments);
    if (discovery && method === "GET") return ok(discovery);
    if (isReviewPath(segments)) {
      if (method !== "POST") throw methodNotAllowed();
      return createReview(this.cluster, segments, token, body);
    }
    const metrics = metricsTarget(segments);
    if (metrics) return ok(readMetrics(this.cluster, method, url, metrics));
    const target = parseTarget(segments);
    if (!target) throw notServed();
    const table = method === "GET" && wantsTable(req);
    const asTable = (objects: KubeObject[], metadata: Record<string, unknown>) =>
      toTable(target.resource, objects, metadata, includeObjectOf(url), this.cluster.now());
    if (target.name === undefined) {
      if (method === "GET") {
        const watch = url.searchParams.get("watch");
        if (watch !== "true" && watch !== "1") {
          if (!table) return ok(this.reads.list(url, target));
          const page = this.reads.page(url, target);
          return ok(asTable(page.objects, page.metadata));
        }
        const present = table
          ? (o: KubeObject) => asTable([o], { resourceVersion: o.metadata.resourceVersion })
          : undefined;
        this.reads.watch(req, res, url, target, present);
        return undefined;
      }
      if (method === "POST") {
        const headers = validateFields(url, target.resource, body);
        return { code: 201, body: this.writes.create(target, parseJson(body)), headers };
      }
      throw methodNotAllowed();
    }
    if (target.subresource === "eviction" && target.resource === "pods" && method === "POST") {
      const outcome = this.writes.evict(target, parseJson(body));
      return { code: outcome.code, body: outcome, headers: statusHeaders(outcome) };
    }
    if (target.subresource === "scale" && SCALABLE.includes(target.resource))
      return ok(this.writes.scale(req, target, method, body));
    if (target.subresource !== undefined && target.subresource !== "status") throw notServed();
    if (method === "GET") {
      const object = this.reads.get(target);
      if (table && target.subresource === undefined)
        return ok(asTable([object], { resourceVersion: object.metadata.resourceVersion }));
      return ok(object);
    }
    const object = requireObject(this.cluster, target);
    if (method === "PATCH" || method === "PUT") {
      const headers = validateFields(url, target.resource, body);
      const updated =
        method === "PATCH"
          ? this.writes.patch(req, target, object, body)
          : this.writes.update(target, object, parseJson(body));
      return { code: 200, body: updated, headers };
    }
    if (method === "DELETE") return ok(this.writes.remove(url, target, object, body));
    throw methodNotAllowed();
  }
}

interface Answer {
  code: number;
  body: unknown;
  headers?: Record<string, string>;
}

function ok(body: unknown): Answer {
  return { code: 200, body };
}
