// Reads as the apiserver serves them: get, list (label and field selectors, resourceVersion semantics,
// limit/continue pages in key order) and watch (a chunked stream of changes from the current revision).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { SimCluster } from "../model/cluster.ts";
import { renewNodeLeases } from "../model/controllers/node-leases.ts";
import { refreshCrashLoops } from "../model/controllers/pods.ts";
import { objectKey } from "../model/kube-store.ts";
import { type KubeObject, RESOURCE_KINDS } from "../model/kube-types.ts";
import { status } from "../model/objects.ts";
import { matchesAll, parseLabelSelector, SelectorError } from "../model/selectors.ts";
import type { Target } from "./api-paths.ts";
import { decodeContinue, encodeContinue, TokenRevisions } from "./continue-tokens.ts";
import { fieldValue, parseFieldSelector } from "./field-selectors.ts";
import { fail, notFound, notServed } from "./kube-errors.ts";
import { type JsonBody, ListJson } from "./list-json.ts";
import { responseHeaders } from "./responses.ts";

/** The object a path names, or the apiserver's 404. */
export function requireObject(cluster: SimCluster, target: Target): KubeObject {
  const info = RESOURCE_KINDS[target.resource];
  if (info.namespaced && target.namespace === undefined) throw notServed();
  const object = cluster.store.get(target.resource, target.namespace, target.name as string);
  if (!object) throw notFound(target.resource, target.name as string);
  return object;
}

export class ObjectReads {
  private readonly cluster: SimCluster;
  private readonly tokens: TokenRevisions;
  private readonly listJson: ListJson;

  constructor(cluster: SimCluster) {
    this.cluster = cluster;
    this.tokens = new TokenRevisions(cluster);
    this.listJson = new ListJson(cluster.store);
  }

  /** Reads see what the kubelets did meanwhile: crash-loop restarts and lease renewals, kept lazily. */
  private catchUp(target: Target): void {
    if (target.resource === "pods") refreshCrashLoops(this.cluster);
    if (target.resource === "leases") renewNodeLeases(this.cluster);
  }

  get(target: Target): KubeObject {
    const object = requireObject(this.cluster, target);
    this.catchUp(target);
    return object;
  }

  list(url: URL, target: Target): JsonBody {
    const { objects, metadata } = this.page(url, target);
    const info = RESOURCE_KINDS[target.resource];
    return this.listJson.body(`${info.kind}List`, info.apiVersion, metadata, objects);
  }

  /** The objects of one list page and the list's metadata (resourceVersion, continue). */
  page(url: URL, target: Target): { objects: KubeObject[]; metadata: Record<string, unknown> } {
    const matches = this.selection(url, target);
    const current = this.cluster.store.resourceVersion;
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
      if (this.tokens.compacted(decoded.rv)) {
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
    const metadata: Record<string, unknown> = { resourceVersion: current };
    if (more && last) {
      if (!token) this.tokens.issuedAt(current);
      metadata.continue = encodeContinue({
        rv: listRevision,
        after: objectKey(last.metadata.namespace, last.metadata.name),
      });
      metadata.remainingItemCount = items.length - page.length;
    }
    return { objects: page, metadata };
  }

  /** Which objects the query's selectors pick (kubelets' work caught up first, as reads see it). */
  private selection(url: URL, target: Target): (o: KubeObject) => boolean {
    this.catchUp(target);
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

  /** Streams changes; `present` turns each object into what the event carries (itself, or a Table). */
  watch(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    target: Target,
    present: (object: KubeObject) => unknown = (o) => o,
  ): void {
    const matches = this.selection(url, target);
    const store = this.cluster.store;
    const requested = url.searchParams.get("resourceVersion") ?? "";
    // No Content-Length: HTTP/1.1 sends it chunked, HTTP/2 as data frames (HTTP/2 forbids Transfer-Encoding).
    res.writeHead(200, responseHeaders());
    res.flushHeaders();
    const write = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const writeObject = (type: string, object: KubeObject) => write(type, present(object));
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
      for (const o of store.list(target.resource).filter(matches)) writeObject("ADDED", o);
    const stop = store.watch((change) => {
      if (change.resource === target.resource && matches(change.object))
        writeObject(change.type, change.object);
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
}
