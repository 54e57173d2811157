// One cluster's Kubernetes API over HTTPS, as @kubernetes/client-node meets it on AKS: discovery, get,
// list (label and field selectors, limit/continue, resourceVersion), watch, create, replace, patch,
// delete, pods/eviction and the scale subresource, answering errors with metav1.Status bodies.

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BodyError, type RunningServer, readBody, startHttpsServer } from "../http/https-server.ts";
import type { SimCluster } from "../model/cluster.ts";
import { disruptPod, evictPod } from "../model/controllers/disruption.ts";
import { removeNode, scheduleReregistration } from "../model/controllers/nodes.ts";
import { beginPodDeletion, bindPod, refreshCrashLoops } from "../model/controllers/pods.ts";
import { requestMatches } from "../model/faults.ts";
import { objectKey } from "../model/kube-store.ts";
import { isResource, type KubeObject, RESOURCE_KINDS, type Resource } from "../model/kube-types.ts";
import { type KubeStatus, meta, status } from "../model/objects.ts";
import { matchesAll, parseLabelSelector, SelectorError } from "../model/selectors.ts";
import type { SimulatorTls } from "../tls/certificates.ts";
import { isPatchType, PATCH_TYPES, PatchError } from "./patch.ts";

class StatusError extends Error {
  readonly status: KubeStatus;

  constructor(s: KubeStatus) {
    super(s.message);
    this.status = s;
  }
}

const fail = (code: number, reason: string, message: string, details?: Record<string, unknown>) =>
  new StatusError(status(code, reason, message, details));

interface Target {
  resource: Resource;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** apiVersion → group as it appears in URLs and qualified resource names. */
function groupOf(resource: Resource): string {
  const apiVersion = RESOURCE_KINDS[resource].apiVersion;
  return apiVersion.includes("/") ? (apiVersion.split("/")[0] as string) : "";
}

function qualified(resource: Resource): string {
  const group = groupOf(resource);
  return group ? `${resource}.${group}` : resource;
}

/** The details of a Status about one object: its name, API group (none for core) and resource. */
function objectDetails(resource: Resource, name: string): Record<string, unknown> {
  const group = groupOf(resource);
  return { name, ...(group ? { group } : {}), kind: resource };
}

function notFound(resource: Resource, name: string): StatusError {
  return fail(404, "NotFound", `${qualified(resource)} "${name}" not found`, objectDetails(resource, name));
}

/** What the apiserver answers for a path it does not serve. */
function notServed(): StatusError {
  return fail(404, "NotFound", "the server could not find the requested resource", {});
}

function methodNotAllowed(): StatusError {
  return fail(405, "MethodNotAllowed", "the server does not allow this method on the requested resource", {});
}

const SUPPORTED_FIELDS: Partial<Record<Resource, string[]>> = {
  pods: [
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.nominatedNodeName",
  ],
  nodes: ["spec.unschedulable"],
  namespaces: ["status.phase"],
  replicasets: ["status.replicas"],
  events: [
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
  ],
};

interface FieldRequirement {
  field: string;
  value: string;
  negate: boolean;
}

function parseFieldSelector(resource: Resource, text: string): FieldRequirement[] {
  const allowed = new Set(["metadata.name", "metadata.namespace", ...(SUPPORTED_FIELDS[resource] ?? [])]);
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((part) => {
      const m = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!m) throw fail(400, "BadRequest", `invalid selector: '${text}'; can't understand '${part}'`);
      const field = m[1] as string;
      if (!allowed.has(field)) throw fail(400, "BadRequest", `field label not supported: ${field}`);
      return { field, value: m[3] as string, negate: m[2] === "!=" };
    });
}

function fieldValue(object: KubeObject, field: string): string {
  if (field === "source")
    return String((object as unknown as { source?: { component?: string } }).source?.component ?? "");
  let value: unknown = object;
  for (const part of field.split("."))
    value = value && typeof value === "object" ? (value as Record<string, unknown>)[part] : undefined;
  if (field === "spec.unschedulable" || field === "spec.hostNetwork") return String(value === true);
  return value === undefined || value === null ? "" : String(value);
}

function withoutTypeMeta(object: KubeObject): Omit<KubeObject, "kind" | "apiVersion"> {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

function asJson(object: KubeObject): string {
  return JSON.stringify(object);
}

interface ContinueToken {
  rv: string;
  after: string;
}

export interface KubeServerOptions {
  cluster: SimCluster;
  tls: SimulatorTls;
}

export async function startKubeServer(options: KubeServerOptions): Promise<RunningServer> {
  const api = new KubeApi(options.cluster);
  const server = await startHttpsServer(options.tls, (req, res, url) => api.handle(req, res, url));
  options.cluster.apiServerUrl = server.url;
  return server;
}

/** The apiserver compacts etcd every 5 minutes: a revision superseded longer ago than that is gone. */
const COMPACTION_MS = 5 * 60_000;

class KubeApi {
  private readonly cluster: SimCluster;
  /** Revisions continue tokens carry that are still current. */
  private readonly currentTokenRevisions = new Set<string>();
  /** When the store moved past the revision of a continue token (oldest first). */
  private readonly tokenRevisionsSupersededAt = new Map<string, number>();

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
    cluster.store.watch(() => {
      if (this.currentTokenRevisions.size === 0) return;
      for (const revision of this.currentTokenRevisions)
        this.tokenRevisionsSupersededAt.set(revision, cluster.now());
      this.currentTokenRevisions.clear();
    });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      "Audit-Id": randomUUID(),
      "Cache-Control": "no-cache, private",
      "Content-Type": "application/json",
      "X-Kubernetes-Pf-Flowschema-Uid": "b6d8a3a0-1b5c-4c8e-9a57-2f3c6c0d5e11",
      "X-Kubernetes-Pf-Prioritylevel-Uid": "5c5f7a5e-3d8e-4d0b-8f1f-0c8a6b2d9e44",
      ...extra,
    };
  }

  private send(res: ServerResponse, code: number, body: string, extra: Record<string, string> = {}): void {
    if (res.headersSent) return;
    res.writeHead(code, { ...this.headers(extra), "Content-Length": String(Buffer.byteLength(body)) });
    res.end(body);
  }

  private sendStatus(res: ServerResponse, s: KubeStatus): void {
    const retry = (s.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    this.send(res, s.code, JSON.stringify(s), retry ? { "Retry-After": String(retry) } : {});
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    try {
      const auth = req.headers.authorization;
      if (!auth?.startsWith("Bearer ") || auth.length <= "Bearer ".length)
        throw fail(401, "Unauthorized", "Unauthorized");
      const faults = this.cluster.ctx.faults;
      const name = this.cluster.name;
      if (faults.take("kube-error", (f) => f.cluster === name && requestMatches(f, method, url.pathname))) {
        throw fail(
          500,
          "InternalError",
          "Internal error occurred: injected by the simulator's kube-error fault",
          {
            causes: [{ message: "injected by the simulator's kube-error fault" }],
          },
        );
      }
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
      const body = method === "GET" || method === "HEAD" ? "" : await readBody(req);
      await this.route(req, res, url, method, body);
    } catch (error) {
      if (error instanceof StatusError) this.sendStatus(res, error.status);
      else if (error instanceof BodyError)
        this.sendStatus(res, status(413, "RequestEntityTooLarge", error.message));
      else throw error;
    }
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    body: string,
  ): Promise<void> {
    const segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map(decodeURIComponent);
    const path = url.pathname;
    if (method === "GET" && ["/healthz", "/readyz", "/livez"].includes(path)) {
      if (!res.headersSent) {
        res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("ok");
      }
      return;
    }
    if (method === "GET" && path === "/version") return this.send(res, 200, JSON.stringify(this.version()));
    if (method === "GET" && path === "/api") {
      return this.send(
        res,
        200,
        JSON.stringify({
          kind: "APIVersions",
          versions: ["v1"],
          serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: url.host }],
        }),
      );
    }
    if (method === "GET" && path === "/apis") return this.send(res, 200, JSON.stringify(this.groups()));
    const discovery = this.discovery(segments);
    if (discovery && method === "GET") return this.send(res, 200, JSON.stringify(discovery));
    const target = this.target(segments);
    if (!target) throw notServed();
    if (target.name === undefined) {
      if (method === "GET") return this.list(req, res, url, target);
      if (method === "POST") return this.send(res, 201, asJson(this.create(target, parseJson(body))));
      throw methodNotAllowed();
    }
    if (target.subresource === "eviction" && target.resource === "pods" && method === "POST")
      return this.evict(res, target, parseJson(body));
    if (
      target.subresource === "scale" &&
      ["deployments", "statefulsets", "replicasets"].includes(target.resource)
    ) {
      return this.scale(res, req, target, method, body);
    }
    if (target.subresource !== undefined && target.subresource !== "status") throw notServed();
    const object = this.require(target);
    if (method === "GET") return this.send(res, 200, asJson(this.read(target.resource, object)));
    if (method === "PATCH") return this.send(res, 200, asJson(this.patch(req, target, object, body)));
    if (method === "PUT") return this.send(res, 200, asJson(this.commit(target, object, parseJson(body))));
    if (method === "DELETE") return this.remove(res, url, target, object, body);
    throw methodNotAllowed();
  }

  private version() {
    const [major, minor] = this.cluster.kubernetesVersion.split(".");
    return {
      major,
      minor,
      gitVersion: `v${this.cluster.kubernetesVersion}`,
      gitCommit: "0000000000000000000000000000000000000000",
      gitTreeState: "clean",
      buildDate: "2026-01-01T00:00:00Z",
      goVersion: "go1.24.4",
      compiler: "gc",
      platform: "linux/amd64",
    };
  }

  private groups() {
    const groups = new Map<string, string>();
    for (const resource of Object.keys(RESOURCE_KINDS) as Resource[]) {
      const apiVersion = RESOURCE_KINDS[resource].apiVersion;
      if (apiVersion.includes("/")) groups.set(apiVersion.split("/")[0] as string, apiVersion);
    }
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: [...groups].map(([name, groupVersion]) => {
        const version = { groupVersion, version: groupVersion.split("/")[1] };
        return { name, versions: [version], preferredVersion: version };
      }),
    };
  }

  private discovery(segments: string[]) {
    const groupVersion =
      segments[0] === "api" && segments.length === 2
        ? segments[1]
        : segments[0] === "apis" && segments.length === 3
          ? `${segments[1]}/${segments[2]}`
          : undefined;
    if (!groupVersion) return undefined;
    const resources = (Object.keys(RESOURCE_KINDS) as Resource[]).filter(
      (r) => RESOURCE_KINDS[r].apiVersion === groupVersion,
    );
    if (resources.length === 0) return undefined;
    const entries = resources.flatMap((r) => {
      const info = RESOURCE_KINDS[r];
      const verbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
      const base = {
        name: r,
        singularName: info.kind.toLowerCase(),
        namespaced: info.namespaced,
        kind: info.kind,
        verbs,
      };
      const extras: object[] = [];
      if (r === "pods")
        extras.push({
          name: "pods/eviction",
          singularName: "",
          namespaced: true,
          group: "policy",
          version: "v1",
          kind: "Eviction",
          verbs: ["create"],
        });
      if (r === "deployments" || r === "statefulsets" || r === "replicasets") {
        extras.push({
          name: `${r}/scale`,
          singularName: "",
          namespaced: true,
          group: "autoscaling",
          version: "v1",
          kind: "Scale",
          verbs: ["get", "patch", "update"],
        });
      }
      return [base, ...extras];
    });
    return { kind: "APIResourceList", apiVersion: "v1", groupVersion, resources: entries };
  }

  private target(segments: string[]): Target | undefined {
    let groupVersion: string;
    let rest: string[];
    if (segments[0] === "api" && segments[1] === "v1") {
      groupVersion = "v1";
      rest = segments.slice(2);
    } else if (segments[0] === "apis" && segments.length >= 3) {
      groupVersion = `${segments[1]}/${segments[2]}`;
      rest = segments.slice(3);
    } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [resource, name, subresource, ...extra] = rest;
    if (!resource || !isResource(resource) || extra.length > 0) return undefined;
    const info = RESOURCE_KINDS[resource];
    if (info.apiVersion !== groupVersion) return undefined;
    if (namespace !== undefined && !info.namespaced) return undefined;
    return {
      resource,
      ...(namespace !== undefined ? { namespace } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(subresource !== undefined ? { subresource } : {}),
    };
  }

  private require(target: Target): KubeObject {
    const info = RESOURCE_KINDS[target.resource];
    if (info.namespaced && target.namespace === undefined) throw notServed();
    const object = this.cluster.store.get(target.resource, target.namespace, target.name as string);
    if (!object) throw notFound(target.resource, target.name as string);
    return object;
  }

  /** Reads see the kubelet's latest restarts (computed lazily for crash-looping pods). */
  private read(resource: Resource, object: KubeObject): KubeObject {
    if (resource === "pods") refreshCrashLoops(this.cluster);
    return object;
  }

  // ------------------------------------------------------------ list and watch

  private matcher(url: URL, target: Target): (o: KubeObject) => boolean {
    let labels: ReturnType<typeof parseLabelSelector> = [];
    try {
      labels = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
    } catch (error) {
      if (error instanceof SelectorError)
        throw fail(400, "BadRequest", `unable to parse requirement: ${error.message}`);
      throw error;
    }
    const fields = parseFieldSelector(target.resource, url.searchParams.get("fieldSelector") ?? "");
    return (o) =>
      (target.namespace === undefined || o.metadata.namespace === target.namespace) &&
      matchesAll(labels, o.metadata.labels ?? {}) &&
      fields.every((f) => (fieldValue(o, f.field) === f.value) !== f.negate);
  }

  /** Objects a list may return, narrowed by the indexes the apiserver's cache also keeps. */
  private candidates(url: URL, target: Target): KubeObject[] {
    const store = this.cluster.store;
    const node = /(?:^|,)spec\.nodeName==?([^,]*)/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
    if (target.resource === "pods" && node) return store.podsOnNode(node);
    return store.list(target.resource, target.namespace);
  }

  private list(req: IncomingMessage, res: ServerResponse, url: URL, target: Target) {
    if (target.resource === "pods") refreshCrashLoops(this.cluster);
    const matches = this.matcher(url, target);
    const store = this.cluster.store;
    const current = store.resourceVersion;
    const watch = url.searchParams.get("watch");
    if (watch === "true" || watch === "1") return this.watch(req, res, url, target, matches);
    const requested = url.searchParams.get("resourceVersion");
    const match = url.searchParams.get("resourceVersionMatch");
    if (requested && requested !== "0") {
      if (!/^\d+$/.test(requested))
        throw fail(
          400,
          "BadRequest",
          `resourceVersion: Invalid value: "${requested}": must be a valid resource version`,
        );
      if (Number(requested) > Number(current)) {
        throw fail(504, "Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`, {
          causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
          retryAfterSeconds: 1,
        });
      }
      if (match === "Exact" && requested !== current)
        throw fail(410, "Expired", `too old resource version: ${requested} (${current})`);
    }
    let items = this.candidates(url, target)
      .filter(matches)
      .map((o) => ({ o, key: objectKey(o.metadata.namespace, o.metadata.name) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ o }) => o);
    const token = url.searchParams.get("continue");
    let listRevision = current;
    if (token) {
      const decoded = decodeContinue(token);
      if (!decoded)
        throw fail(
          400,
          "BadRequest",
          "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        );
      if (this.compacted(decoded.rv)) {
        throw fail(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
      }
      listRevision = decoded.rv;
      items = items.filter((o) => objectKey(o.metadata.namespace, o.metadata.name) > decoded.after);
    }
    const limit = Number(url.searchParams.get("limit") ?? "0");
    const page = limit > 0 ? items.slice(0, limit) : items;
    const more = limit > 0 && items.length > limit;
    const last = page.at(-1);
    const info = RESOURCE_KINDS[target.resource];
    const metadata: Record<string, unknown> = { resourceVersion: current };
    if (more && last) {
      if (!token) this.tokenIssuedAt(current);
      metadata.continue = encodeContinue({
        rv: listRevision,
        after: objectKey(last.metadata.namespace, last.metadata.name),
      });
      metadata.remainingItemCount = items.length - page.length;
    }
    this.send(
      res,
      200,
      JSON.stringify({
        kind: `${info.kind}List`,
        apiVersion: info.apiVersion,
        metadata,
        items: page.map(withoutTypeMeta),
      }),
    );
  }

  private tokenIssuedAt(revision: string): void {
    const now = this.cluster.now();
    for (const [known, at] of this.tokenRevisionsSupersededAt) {
      if (now - at <= COMPACTION_MS) break;
      this.tokenRevisionsSupersededAt.delete(known);
    }
    if (revision === this.cluster.store.resourceVersion) this.currentTokenRevisions.add(revision);
  }

  /** Whether the revision a continue token carries is compacted away (or was never issued here). */
  private compacted(revision: string): boolean {
    if (this.currentTokenRevisions.has(revision)) return false;
    const supersededAt = this.tokenRevisionsSupersededAt.get(revision);
    return supersededAt === undefined || this.cluster.now() - supersededAt > COMPACTION_MS;
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: Target,
    matches: (o: KubeObject) => boolean,
  ): void {
    const store = this.cluster.store;
    const requested = url.searchParams.get("resourceVersion") ?? "";
    res.writeHead(200, { ...this.headers(), "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    if (requested !== "" && requested !== "0" && requested !== store.resourceVersion) {
      // The twin keeps no history: a watch from an older version is told to relist, as after compaction.
      write(
        "ERROR",
        status(410, "Expired", `too old resource version: ${requested} (${store.resourceVersion})`),
      );
      res.end();
      return;
    }
    if (requested === "" || requested === "0")
      for (const o of store.list(target.resource).filter(matches)) write("ADDED", o);
    const stop = store.watch((change) => {
      if (change.resource === target.resource && matches(change.object)) write(change.type, change.object);
    });
    const timeoutSeconds = Number(url.searchParams.get("timeoutSeconds") ?? "0");
    const timer =
      timeoutSeconds > 0 ? this.cluster.timeline.after(timeoutSeconds * 1000, () => res.end()) : undefined;
    const close = () => {
      stop();
      timer?.cancel();
    };
    req.on("close", close);
    res.on("close", close);
  }

  // ------------------------------------------------------------ writes

  private create(target: Target, body: Record<string, unknown>): KubeObject {
    const info = RESOURCE_KINDS[target.resource];
    const object = body as unknown as KubeObject;
    if (object.kind !== undefined && object.kind !== info.kind)
      throw fail(
        400,
        "BadRequest",
        `the API version in the data (${object.apiVersion}) does not match the expected API version (${info.apiVersion})`,
      );
    object.metadata = (object.metadata ?? {}) as KubeObject["metadata"];
    const namespace = info.namespaced ? (target.namespace ?? object.metadata.namespace) : undefined;
    if (info.namespaced && !namespace)
      throw fail(400, "BadRequest", "the server could not find the requested resource", {});
    if (
      namespace &&
      target.namespace &&
      object.metadata.namespace &&
      object.metadata.namespace !== target.namespace
    ) {
      throw fail(
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    if (namespace && !this.cluster.store.get("namespaces", undefined, namespace))
      throw notFound("namespaces", namespace);
    let name = object.metadata.name;
    if (!name && object.metadata.generateName)
      name = `${object.metadata.generateName}${this.cluster.rng.kubeSuffix(5)}`;
    if (!name) {
      throw fail(
        422,
        "Invalid",
        `${info.kind}.${groupOf(target.resource) || "core"} "" is invalid: metadata.name: Required value: name or generateName is required`,
        {
          kind: info.kind,
          causes: [
            {
              reason: "FieldValueRequired",
              message: "Required value: name or generateName is required",
              field: "metadata.name",
            },
          ],
        },
      );
    }
    if (this.cluster.store.get(target.resource, namespace, name)) {
      throw fail(
        409,
        "AlreadyExists",
        `${qualified(target.resource)} "${name}" already exists`,
        objectDetails(target.resource, name),
      );
    }
    const created: KubeObject = {
      ...object,
      apiVersion: info.apiVersion,
      kind: info.kind,
      metadata: {
        ...object.metadata,
        ...meta({ name, uid: this.cluster.uid(), ...(namespace ? { namespace } : {}) }, this.cluster.now()),
        ...(object.metadata.labels ? { labels: object.metadata.labels } : {}),
        ...(object.metadata.annotations ? { annotations: object.metadata.annotations } : {}),
        ...(object.metadata.ownerReferences ? { ownerReferences: object.metadata.ownerReferences } : {}),
        ...(["deployments", "statefulsets", "daemonsets", "replicasets", "poddisruptionbudgets"].includes(
          target.resource,
        )
          ? { generation: 1 }
          : {}),
      },
    };
    if (target.resource === "pods") {
      if (!Array.isArray(created.spec?.containers) || created.spec.containers.length === 0) {
        throw fail(422, "Invalid", `Pod "${name}" is invalid: spec.containers: Required value`, {
          name,
          kind: "Pod",
          causes: [{ reason: "FieldValueRequired", message: "Required value", field: "spec.containers" }],
        });
      }
      this.cluster.preparePod(created, { startupMs: this.cluster.ctx.timings.podStartupSeconds * 1000 });
    } else if (target.resource === "namespaces") {
      created.metadata.labels = { ...created.metadata.labels, "kubernetes.io/metadata.name": name };
      created.spec = { finalizers: ["kubernetes"] };
      created.status = { phase: "Active" };
    } else if (target.resource !== "events" && target.resource !== "csidrivers") {
      created.status = {};
    }
    this.cluster.store.create(target.resource, created);
    // A pod that names its node skips the scheduler: that node's kubelet takes it at once.
    const nodeName: string | undefined = target.resource === "pods" ? created.spec.nodeName : undefined;
    const node = nodeName ? this.cluster.node(nodeName) : undefined;
    if (node) bindPod(this.cluster, created, node, false);
    this.cluster.kick();
    return created;
  }

  private patch(req: IncomingMessage, target: Target, object: KubeObject, body: string): KubeObject {
    return this.commit(
      target,
      object,
      applyPatch(req, structuredClone(object), body) as Record<string, unknown>,
    );
  }

  /** Validates an update (from PUT or a patch) and applies it in place, as the registry strategy does. */
  private commit(target: Target, current: KubeObject, candidate: Record<string, unknown>): KubeObject {
    const next = candidate as unknown as KubeObject;
    const name = current.metadata.name;
    const kind = RESOURCE_KINDS[target.resource].kind;
    if (!next || typeof next !== "object" || typeof next.metadata !== "object")
      throw fail(400, "BadRequest", "the object has no metadata");
    if (next.metadata.name !== undefined && next.metadata.name !== name) {
      throw fail(
        400,
        "BadRequest",
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (
      next.metadata.resourceVersion !== undefined &&
      next.metadata.resourceVersion !== current.metadata.resourceVersion
    ) {
      throw fail(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${qualified(target.resource)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        objectDetails(target.resource, name),
      );
    }
    const invalid = (field: string, message: string) =>
      fail(422, "Invalid", `${kind} "${name}" is invalid: ${field}: ${message}`, {
        name,
        kind,
        causes: [{ reason: causeReason(message), message, field }],
      });
    for (const [field, value] of [
      ["metadata.labels", next.metadata.labels],
      ["metadata.annotations", next.metadata.annotations],
    ] as const) {
      if (
        value !== undefined &&
        (typeof value !== "object" ||
          value === null ||
          Object.values(value).some((v) => typeof v !== "string"))
      ) {
        throw invalid(field, "Invalid value: must be a map of strings");
      }
    }
    const spec = next.spec;
    if (target.resource === "nodes") {
      const taints = spec?.taints;
      if (taints !== undefined && taints !== null) {
        if (!Array.isArray(taints)) throw invalid("spec.taints", "Invalid value: must be a list");
        for (const [i, t] of taints.entries()) {
          if (typeof t?.key !== "string" || t.key === "")
            throw invalid(`spec.taints[${i}].key`, "Required value");
          if (!["NoSchedule", "PreferNoSchedule", "NoExecute"].includes(t.effect)) {
            throw invalid(
              `spec.taints[${i}].effect`,
              `Unsupported value: "${t.effect}": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"`,
            );
          }
        }
      }
      if (spec?.unschedulable !== undefined && typeof spec.unschedulable !== "boolean")
        throw invalid("spec.unschedulable", "Invalid value: must be a boolean");
    }
    if (target.resource === "pods") {
      const allowed = (s: KubeObject["spec"]) => ({
        ...s,
        containers: (s?.containers ?? []).map((c: { image?: string }) => ({ ...c, image: undefined })),
        tolerations: undefined,
        activeDeadlineSeconds: undefined,
      });
      if (JSON.stringify(allowed(spec)) !== JSON.stringify(allowed(current.spec))) {
        throw invalid(
          "spec",
          "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
        );
      }
    }
    if (["deployments", "statefulsets", "replicasets"].includes(target.resource)) {
      const replicas = spec?.replicas;
      if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 0))
        throw invalid(
          "spec.replicas",
          `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        );
    }
    const specChanged = JSON.stringify(spec) !== JSON.stringify(current.spec);
    const statusUpdate = target.subresource === "status";
    // Main-resource updates ignore status; status updates ignore everything else.
    if (statusUpdate) current.status = next.status;
    else {
      current.metadata = {
        ...next.metadata,
        name,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
        ...(current.metadata.namespace ? { namespace: current.metadata.namespace } : {}),
        ...(current.metadata.deletionTimestamp
          ? { deletionTimestamp: current.metadata.deletionTimestamp }
          : {}),
        ...(current.metadata.generation !== undefined
          ? { generation: current.metadata.generation + (specChanged ? 1 : 0) }
          : {}),
      };
      if (spec !== undefined) current.spec = spec;
      for (const key of Object.keys(next)) {
        if (!["apiVersion", "kind", "metadata", "spec", "status"].includes(key))
          (current as unknown as Record<string, unknown>)[key] = (next as unknown as Record<string, unknown>)[
            key
          ];
      }
    }
    this.cluster.store.touch(target.resource, current);
    this.cluster.kick();
    return current;
  }

  private remove(res: ServerResponse, url: URL, target: Target, object: KubeObject, body: string) {
    const options =
      body.trim() === ""
        ? {}
        : (parseJson(body) as {
            gracePeriodSeconds?: number;
            propagationPolicy?: string;
            preconditions?: { uid?: string; resourceVersion?: string };
          });
    const preconditions = options.preconditions;
    if (preconditions?.uid && preconditions.uid !== object.metadata.uid) {
      throw fail(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${object.metadata.uid}`,
        { name: object.metadata.name, kind: target.resource },
      );
    }
    if (preconditions?.resourceVersion && preconditions.resourceVersion !== object.metadata.resourceVersion) {
      throw fail(
        409,
        "Conflict",
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${object.metadata.resourceVersion}`,
        {
          name: object.metadata.name,
          kind: target.resource,
        },
      );
    }
    const graceParam = url.searchParams.get("gracePeriodSeconds");
    const grace = graceParam !== null ? Number(graceParam) : options.gracePeriodSeconds;
    const propagation =
      url.searchParams.get("propagationPolicy") ?? options.propagationPolicy ?? "Background";
    const cluster = this.cluster;
    const success = () =>
      this.send(
        res,
        200,
        JSON.stringify(
          status(200, undefined, "", {
            ...objectDetails(target.resource, object.metadata.name),
            uid: object.metadata.uid,
          }),
        ),
      );
    switch (target.resource) {
      case "pods":
        disruptPod(cluster, object, "delete", grace);
        return this.send(res, 200, asJson(object));
      case "nodes": {
        removeNode(cluster, object.metadata.name, "node-deleted");
        const located = cluster.machine(object.metadata.name);
        if (located && located.machine.state === "running")
          scheduleReregistration(cluster, located.pool, located.machine);
        return success();
      }
      case "namespaces":
        throw fail(405, "MethodNotAllowed", "the simulator does not support deleting namespaces", {});
      default:
        this.cluster.store.remove(target.resource, object);
        if (propagation !== "Orphan") this.cascade(object);
        cluster.kick();
        return success();
    }
  }

  /** The garbage collector removes what the deleted object owned (pods terminate gracefully). */
  private cascade(owner: KubeObject): void {
    for (const child of this.cluster.store.ownedBy(owner.metadata.uid)) {
      if (child.kind === "Pod") beginPodDeletion(this.cluster, child);
      else if (child.kind === "ReplicaSet") {
        this.cluster.store.remove("replicasets", child);
        this.cascade(child);
      }
    }
  }

  private evict(res: ServerResponse, target: Target, body: Record<string, unknown>): void {
    const pod = this.require(target);
    const metadata = body.metadata as { name?: string } | undefined;
    if (metadata?.name !== undefined && metadata.name !== target.name)
      throw fail(400, "BadRequest", "name in URL does not match name in Eviction object");
    const deleteOptions = body.deleteOptions as
      | { gracePeriodSeconds?: number; dryRun?: string[] }
      | undefined;
    const result = evictPod(this.cluster, pod, {
      ...(deleteOptions?.gracePeriodSeconds !== undefined
        ? { gracePeriodSeconds: deleteOptions.gracePeriodSeconds }
        : {}),
      dryRun: (deleteOptions?.dryRun ?? []).includes("All"),
    });
    this.sendStatus(res, result);
  }

  private scale(res: ServerResponse, req: IncomingMessage, target: Target, method: string, body: string) {
    const object = this.require(target);
    const scaleOf = () => ({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: object.metadata.name,
        namespace: object.metadata.namespace,
        uid: object.metadata.uid,
        resourceVersion: object.metadata.resourceVersion,
        creationTimestamp: object.metadata.creationTimestamp,
      },
      spec: { replicas: object.spec.replicas ?? 1 },
      status: {
        replicas: object.status?.replicas ?? 0,
        selector: Object.entries<string>(object.spec.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(","),
      },
    });
    if (method === "GET") return this.send(res, 200, JSON.stringify(scaleOf()));
    if (method !== "PATCH" && method !== "PUT") throw methodNotAllowed();
    let next: { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
    if (method === "PUT") next = parseJson(body);
    else next = applyPatch(req, scaleOf(), body) as typeof next;
    const replicas = next.spec?.replicas;
    if (!Number.isInteger(replicas) || (replicas as number) < 0) {
      throw fail(
        422,
        "Invalid",
        `Scale.autoscaling "${object.metadata.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    }
    this.commit({ ...target, subresource: undefined }, object, {
      ...structuredClone(object),
      metadata: {
        ...object.metadata,
        ...(next.metadata?.resourceVersion ? { resourceVersion: next.metadata.resourceVersion } : {}),
      },
      spec: { ...object.spec, replicas },
    } as unknown as Record<string, unknown>);
    this.send(res, 200, JSON.stringify(scaleOf()));
  }
}

/** Applies a PATCH body to a copy of the target, in the patch type the Content-Type names. */
function applyPatch(req: IncomingMessage, target: unknown, body: string): unknown {
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

/** The StatusCause reason the apiserver's field errors carry, by the kind of message. */
function causeReason(message: string): string {
  if (message.startsWith("Required value")) return "FieldValueRequired";
  if (message.startsWith("Unsupported value")) return "FieldValueNotSupported";
  if (message.startsWith("Forbidden")) return "FieldValueForbidden";
  return "FieldValueInvalid";
}

function parseJson<T = Record<string, unknown>>(body: string, allowArray = false): T {
  try {
    const value = JSON.parse(body);
    if (typeof value !== "object" || value === null || (Array.isArray(value) && !allowArray))
      throw new Error("the body is not a JSON object");
    return value as T;
  } catch (error) {
    throw fail(400, "BadRequest", `error decoding the request body: ${(error as Error).message}`);
  }
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(
    JSON.stringify({ v: "meta.k8s.io/v1", rv: Number(token.rv), start: token.after }),
  ).toString("base64");
}

function decodeContinue(text: string): ContinueToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64").toString("utf8")) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    return value.v === "meta.k8s.io/v1" && typeof value.start === "string"
      ? { rv: String(value.rv), after: value.start }
      : undefined;
  } catch {
    return undefined;
  }
}
