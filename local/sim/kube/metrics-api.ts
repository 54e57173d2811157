// metrics.k8s.io/v1beta1 as metrics-server serves it through the aggregator: NodeMetrics and PodMetrics
// from the twin's simulated usage (model/usage.ts), for kubectl top and anything that reads the Metrics API.
// Read-only: get and list, with label and field selectors; no watch.

import type { SimCluster } from "../model/cluster.ts";
import type { KubeObject } from "../model/kube-types.ts";
import { rfc3339 } from "../model/objects.ts";
import { matchesAll, parseLabelSelector, SelectorError } from "../model/selectors.ts";
import { containerUsage, hasUsage, nodeReportsUsage, nodeUsage, type Usage } from "../model/usage.ts";
import { fieldValue, parseFieldSelector } from "./field-selectors.ts";
import { fail, methodNotAllowed } from "./kube-errors.ts";

const GROUP_VERSION = "metrics.k8s.io/v1beta1";
/** metrics-server scrapes every 15 s; figures are as of the last scrape. */
const SCRAPE_MS = 15_000;
const WINDOW = "20.05s";

function wireUsage(usage: Usage) {
  return { cpu: `${usage.milliCpu * 1_000_000}n`, memory: `${Math.floor(usage.memoryBytes / 1024)}Ki` };
}

interface MetricsTarget {
  resource: "nodes" | "pods";
  namespace?: string;
  name?: string;
}

/** The metrics path the segments name, or undefined when they name none. */
export function metricsTarget(segments: string[]): MetricsTarget | undefined {
  if (segments[0] !== "apis" || `${segments[1]}/${segments[2]}` !== GROUP_VERSION) return undefined;
  const rest = segments.slice(3);
  if (rest[0] === "nodes" && rest.length <= 2)
    return { resource: "nodes", ...(rest[1] ? { name: rest[1] } : {}) };
  if (rest[0] === "pods" && rest.length === 1) return { resource: "pods" };
  if (rest[0] === "namespaces" && rest[2] === "pods" && rest.length <= 4)
    return { resource: "pods", namespace: rest[1], ...(rest[3] ? { name: rest[3] } : {}) };
  return undefined;
}

export function readMetrics(cluster: SimCluster, method: string, url: URL, target: MetricsTarget): unknown {
  if (method !== "GET") throw methodNotAllowed();
  const now = cluster.now();
  const scrapedAt = now - (now % SCRAPE_MS);
  const present = (o: KubeObject) =>
    target.resource === "nodes" ? nodeMetrics(cluster, o, scrapedAt) : podMetrics(o, scrapedAt);
  const kind = target.resource === "nodes" ? "NodeMetrics" : "PodMetrics";
  const reports = (o: KubeObject) =>
    target.resource === "nodes" ? nodeReportsUsage(o) : hasUsage(cluster, o);
  if (target.name !== undefined) {
    const object = cluster.store.get(target.resource, target.namespace, target.name);
    if (!object || !reports(object))
      throw fail(404, "NotFound", `${target.resource}.metrics.k8s.io "${target.name}" not found`, {
        name: target.name,
        group: "metrics.k8s.io",
        kind: target.resource,
      });
    return { kind, apiVersion: GROUP_VERSION, ...present(object) };
  }
  const matches = selection(url, target);
  const items = cluster.store
    .list(target.resource, target.namespace)
    .filter((o) => reports(o) && matches(o))
    .map(present);
  return { kind: `${kind}List`, apiVersion: GROUP_VERSION, metadata: {}, items };
}

function selection(url: URL, target: MetricsTarget): (o: KubeObject) => boolean {
  try {
    const labels = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
    const fields = parseFieldSelector(target.resource, url.searchParams.get("fieldSelector") ?? "");
    return (o) =>
      matchesAll(labels, o.metadata.labels ?? {}) &&
      fields.every((f) => (fieldValue(o, f.field) === f.value) !== f.negate);
  } catch (error) {
    if (error instanceof SelectorError)
      throw fail(400, "BadRequest", `unable to parse requirement: ${error.message}`);
    throw error;
  }
}

function metricsMeta(object: KubeObject, at: number) {
  return {
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    creationTimestamp: rfc3339(at),
    ...(object.metadata.labels ? { labels: object.metadata.labels } : {}),
  };
}

function nodeMetrics(cluster: SimCluster, node: KubeObject, at: number) {
  return {
    metadata: metricsMeta(node, at),
    timestamp: rfc3339(at),
    window: WINDOW,
    usage: wireUsage(nodeUsage(cluster, node, at)),
  };
}

function podMetrics(pod: KubeObject, at: number) {
  return {
    metadata: metricsMeta(pod, at),
    timestamp: rfc3339(at),
    window: WINDOW,
    containers: containerUsage(pod, at).map((c) => ({ name: c.name, usage: wireUsage(c.usage) })),
  };
}
