// What a node or pod says about its health, read the way kubectl shows it: a node is Ready when its
// Ready condition is True; a pod's restarts are its containers' restart counts; a container waiting for
// one of the reasons below will not start by itself.

import type { KubeNode, KubePod } from "../workloads/cluster-facts.ts";

/** Waiting reasons of a container that is failing rather than starting. */
const FAILING_REASONS = new Set([
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerError",
  "CreateContainerConfigError",
  "RunContainerError",
  "InvalidImageName",
]);

export function isNodeReady(node: KubeNode): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function restartsOf(pod: KubePod): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}

/** Why the pod is failing ("CrashLoopBackOff", "Failed"), or undefined when it is not. */
export function failureOf(pod: KubePod): string | undefined {
  if (pod.status?.phase === "Failed") return "Failed";
  for (const container of pod.status?.containerStatuses ?? []) {
    const reason = container.state?.waiting?.reason;
    if (reason !== undefined && FAILING_REASONS.has(reason)) return reason;
  }
  return undefined;
}

/** The instant as an ISO string: client-node gives Dates, JSON gives strings. */
export function isoOf(instant: Date | string | undefined): string | undefined {
  if (instant === undefined) return undefined;
  return typeof instant === "string" ? instant : instant.toISOString();
}
