// Gathers the Kubernetes facts the dependency-risk rules read (shared/domain/workloads/cluster-facts.ts) from one
// cluster with @kubernetes/client-node: nodes, pods, daemonsets, deployments, statefulsets, PDBs, PVCs,
// PVs and CSI drivers, each listed in pages (limit/continue) so a 2,000-node cluster never comes in one
// answer. Each call is abandoned when the API server has not answered within the request timeout.
// Throttling (429), server errors, timeouts and lost connections are retried with backoff on the given
// clock; an expired continue token (410) restarts that list. Anything else fails the scan of this cluster.

import {
  AppsV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  type KubeConfig,
  Observable,
  type ObservableMiddleware,
  PolicyV1Api,
  StorageV1Api,
} from "@kubernetes/client-node";
import type { RetryClock } from "../domain/ports/clock.ts";
import type { ClusterFactsSource } from "../domain/ports/fleet.ts";
import type { ClusterFacts } from "../domain/workloads/cluster-facts.ts";
import { backoffDelay, type RetryPolicy } from "../retry-policy.ts";
import { clusterTarget, type KubeConnector } from "./kube-connection.ts";

/** `attempts` are per list call. */
export interface FactsOptions extends RetryPolicy {
  /** Items per list call. */
  pageSize: number;
  clock: RetryClock;
  /**
   * Real milliseconds a call may take, answer read: an unreachable or hung API server must not hold
   * the activity (undici alone waits five minutes for headers, then again for the body).
   */
  requestTimeoutMs: number;
}

export const DEFAULT_FACTS_OPTIONS: Omit<FactsOptions, "clock"> = {
  pageSize: 500,
  attempts: 4,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  requestTimeoutMs: 30_000,
};

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

type ListCall<T> = (
  page: { limit: number; _continue?: string },
  call: ConfigurationOptions<ObservableMiddleware>,
) => Promise<Page<T>>;

/** A list that failed for good: says which list and what the API server answered. */
export class KubeScanError extends Error {
  override name = "KubeScanError";
}

/** Each cluster's facts through its own connection (a kubeconfig file, or Entra and ARM in Azure). */
export class KubeClusterFacts implements ClusterFactsSource {
  private readonly kube: KubeConnector;
  private readonly options: FactsOptions;

  constructor(kube: KubeConnector, options: FactsOptions) {
    this.kube = kube;
    this.options = options;
  }

  async clusterFacts(clusterId: string): Promise<ClusterFacts> {
    return gatherClusterFacts(await this.kube.kubeConfig(clusterTarget(clusterId)), this.options);
  }
}

export async function gatherClusterFacts(config: KubeConfig, options: FactsOptions): Promise<ClusterFacts> {
  const core = config.makeApiClient(CoreV1Api);
  const apps = config.makeApiClient(AppsV1Api);
  const policy = config.makeApiClient(PolicyV1Api);
  const storage = config.makeApiClient(StorageV1Api);
  const list = <T>(what: string, call: ListCall<T>) => listAll(what, call, options);
  return settleAll({
    nodes: list("nodes", (page, call) => core.listNode(page, call)),
    pods: list("pods", (page, call) => core.listPodForAllNamespaces(page, call)),
    daemonSets: list("daemonsets", (page, call) => apps.listDaemonSetForAllNamespaces(page, call)),
    deployments: list("deployments", (page, call) => apps.listDeploymentForAllNamespaces(page, call)),
    statefulSets: list("statefulsets", (page, call) => apps.listStatefulSetForAllNamespaces(page, call)),
    podDisruptionBudgets: list("poddisruptionbudgets", (page, call) =>
      policy.listPodDisruptionBudgetForAllNamespaces(page, call),
    ),
    persistentVolumeClaims: list("persistentvolumeclaims", (page, call) =>
      core.listPersistentVolumeClaimForAllNamespaces(page, call),
    ),
    persistentVolumes: list("persistentvolumes", (page, call) => core.listPersistentVolume(page, call)),
    csiDrivers: list("csidrivers", (page, call) => storage.listCSIDriver(page, call)),
  });
}

/** Awaits every property's promise (all already running), failing with the first failure. */
async function settleAll<T extends Record<string, Promise<unknown>>>(
  promises: T,
): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
  const entries = await Promise.all(
    Object.entries(promises).map(async ([key, promise]) => [key, await promise] as const),
  );
  return Object.fromEntries(entries) as { [K in keyof T]: Awaited<T[K]> };
}

async function listAll<T>(what: string, call: ListCall<T>, options: FactsOptions): Promise<T[]> {
  let items: T[] = [];
  let token: string | undefined;
  let restarted = false;
  do {
    try {
      const page = await withRetries(
        what,
        () =>
          timed(options.requestTimeoutMs, (abortOn) =>
            call({ limit: options.pageSize, ...(token !== undefined && { _continue: token }) }, abortOn),
          ),
        options,
      );
      items.push(...page.items);
      token = page.metadata?._continue || undefined;
    } catch (error) {
      // The snapshot behind the token expired: list again from the start, once.
      if (statusOf(error) !== 410 || token === undefined || restarted) throw error;
      restarted = true;
      items = [];
      token = undefined;
    }
  } while (token !== undefined);
  return items;
}

/** The call, given options that abort its request once `timeoutMs` have passed without a whole answer. */
async function timed<T>(
  timeoutMs: number,
  call: (abortOn: ConfigurationOptions<ObservableMiddleware>) => Promise<T>,
): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  const abortOn: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  try {
    return await call({ middleware: [abortOn], middlewareMergeStrategy: "append" });
  } catch (error) {
    // No status: retried as a lost connection.
    if (signal.aborted) throw new Error(`no answer within ${timeoutMs / 1000} s`, { cause: error });
    throw error;
  }
}

async function withRetries<T>(what: string, call: () => Promise<T>, options: FactsOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      if (status === 410) throw error;
      const transient = status === undefined || status === 429 || status >= 500;
      if (!transient || attempt >= options.attempts) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : "";
        throw new KubeScanError(`listing ${what} failed${tries}: ${describe(error)}`, { cause: error });
      }
      const retryAfter = Number(headerOf(error, "retry-after")) * 1000 || 0;
      await options.clock.sleep(backoffDelay(options, attempt, retryAfter));
    }
  }
}

function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === "number" ? code : undefined;
}

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, string> }).headers;
  return headers?.[name] ?? headers?.[name.toLowerCase()];
}

/** The API server's Status message when there is one, else the error's own. */
function describe(error: unknown): string {
  const status = statusOf(error);
  const body = (error as { body?: unknown }).body;
  let message: string | undefined;
  if (typeof body === "string") {
    try {
      message = (JSON.parse(body) as { message?: string }).message;
    } catch {
      message = body.slice(0, 200);
    }
  } else if (body && typeof body === "object") {
    message = (body as { message?: string }).message;
  }
  const text = message ?? (error instanceof Error ? error.message : String(error));
  return status === undefined ? text : `${status} ${text}`;
}
