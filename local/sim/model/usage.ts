// The twin's resource usage, as metrics-server would scrape it from the kubelets: each running container
// uses a steady share of its requests (its own, from its uid) that moves a little every minute, and a node
// uses what its pods use plus half of what it reserves for the system. Computed on demand from the objects,
// so nothing is stored or ticked for it.

import { bytes, milliCores } from "../scenario/quantity.ts";
import type { SimCluster } from "./cluster.ts";
import type { KubeObject } from "./kube-types.ts";
import { hashString } from "./random.ts";

export interface Usage {
  milliCpu: number;
  memoryBytes: number;
}

const MINUTE_MS = 60_000;
/** Requests assumed for a container that sets none (a BestEffort pod still uses something). */
const BEST_EFFORT = { milliCpu: 10, memoryBytes: 16 * 2 ** 20 };

/** A share in [low, high) from a text, stable for the same text. */
function share(text: string, low: number, high: number): number {
  return low + ((hashString(text) % 10_000) / 10_000) * (high - low);
}

/** Whether metrics-server would have figures for the pod: it runs, on a node whose kubelet answers. */
export function hasUsage(cluster: SimCluster, pod: KubeObject): boolean {
  if (pod.status?.phase !== "Running" || cluster.crashLooping.has(pod)) return false;
  const node = cluster.node(pod.spec?.nodeName ?? "");
  return node !== undefined && nodeReportsUsage(node);
}

export function nodeReportsUsage(node: KubeObject): boolean {
  return node.status?.conditions?.some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );
}

/** Each container's usage at the given time. */
export function containerUsage(pod: KubeObject, now: number): Array<{ name: string; usage: Usage }> {
  const minute = Math.floor(now / MINUTE_MS);
  return (pod.spec?.containers ?? []).map(
    (c: { name: string; resources?: { requests?: Record<string, string> } }) => {
      const key = `${pod.metadata.uid}/${c.name}`;
      const requested = {
        milliCpu: milliCores(c.resources?.requests?.cpu) || BEST_EFFORT.milliCpu,
        memoryBytes: bytes(c.resources?.requests?.memory) || BEST_EFFORT.memoryBytes,
      };
      const wobble = share(`${key}/${minute}`, 0.9, 1.1);
      return {
        name: c.name,
        usage: {
          milliCpu: Math.max(1, Math.round(requested.milliCpu * share(`${key}/cpu`, 0.2, 0.8) * wobble)),
          memoryBytes: Math.round(requested.memoryBytes * share(`${key}/memory`, 0.5, 0.95) * wobble),
        },
      };
    },
  );
}

/** The node's usage: its pods' and half its system reservation (capacity less allocatable). */
export function nodeUsage(cluster: SimCluster, node: KubeObject, now: number): Usage {
  const status = node.status ?? {};
  const total: Usage = {
    milliCpu: (milliCores(status.capacity?.cpu) - milliCores(status.allocatable?.cpu)) / 2,
    memoryBytes: (bytes(status.capacity?.memory) - bytes(status.allocatable?.memory)) / 2,
  };
  for (const pod of cluster.store.podsOnNode(node.metadata.name)) {
    if (!hasUsage(cluster, pod)) continue;
    for (const { usage } of containerUsage(pod, now)) {
      total.milliCpu += usage.milliCpu;
      total.memoryBytes += usage.memoryBytes;
    }
  }
  return { milliCpu: Math.round(total.milliCpu), memoryBytes: Math.round(total.memoryBytes) };
}
