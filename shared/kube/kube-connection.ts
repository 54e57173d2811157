// How the product reaches a cluster's Kubernetes API.
// - In Azure: the API server and its CA from ARM (the cluster user credential, kept in memory for a few
//   minutes and never stored) and an Entra token for the AKS server application from @azure/identity. The
//   credential's kubelogin exec section is ignored: the token comes from the product's own identity.
// - Locally: the kubeconfig the simulator writes per cluster (<cluster name>.yaml in one directory),
//   which carries the simulator's CA.
// Either way, calls to one cluster share one keep-alive connection pool (see ClusterConnectionPools).

import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ContainerServiceClient } from "@azure/arm-containerservice";
import type { TokenCredential } from "@azure/identity";
import { bufferFromFileOrString, KubeConfig, type RequestContext } from "@kubernetes/client-node";
import { Dispatcher } from "undici";
import { MANAGED_CLUSTER_ID } from "../domain/fleet/model.ts";
import type { RetryClock } from "../domain/ports/clock.ts";
import { refusedCertificate } from "./certificate-refusals.ts";

/** The AKS Microsoft Entra server application, audience of data-plane tokens (https://github.com/Azure/kubelogin). */
export const AKS_TOKEN_SCOPE = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

/**
 * How long a cluster's API server and CA, read from its user credential, serve before ARM is asked again.
 * Every Kubernetes call wants them (5,270 calls in one measured 200-node migration), and each read is
 * an ARM request (a POST action) metered per principal and subscription by token buckets
 * (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling).
 */
export const CLUSTER_ENDPOINT_TTL_MS = 10 * 60_000;

/**
 * How long reading a cluster's endpoint from ARM, or a token from Entra, may take. Neither client has a
 * timeout of its own, and every call to the cluster waits on the one pending read.
 */
export const CONNECTION_SETUP_TIMEOUT_MS = 30_000;

export interface ClusterTarget {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

/** The cluster an ARM id names; throws on anything else. */
export function clusterTarget(clusterId: string): ClusterTarget {
  const match = MANAGED_CLUSTER_ID.exec(clusterId);
  if (!match) throw new Error(`"${clusterId}" is not a managed cluster resource id`);
  const [, subscriptionId, resourceGroup, name] = match as unknown as [string, string, string, string];
  return { id: clusterId, subscriptionId, resourceGroup, name };
}

export interface KubeConnector {
  kubeConfig(target: ClusterTarget): Promise<KubeConfig>;
}

/**
 * How many TLS identities of one cluster keep a pool: the current one and the one before it, for the
 * operations begun before a CA rotation or a rewritten kubeconfig, which hold the config they began with.
 */
const IDENTITIES_KEPT_PER_CLUSTER = 2;

/**
 * One keep-alive connection pool per cluster and TLS identity. client-node gives every request a new
 * undici Agent, so every call paid a TLS handshake and a new secure context; this keeps the first Agent
 * made for a cluster's identity and sends every later request through it. Bearer tokens travel in
 * headers: a new token keeps the pool. The pool is chosen when the request is dispatched, not when it
 * is built, so a pool closed in between never refuses a request (a write refused so would fail, unsent).
 */
export class ClusterConnectionPools {
  /** By cluster id, then TLS identity, least recently used first. */
  private readonly pools = new Map<string, Map<string, Dispatcher>>();
  private readonly onRefusedCertificate: (clusterId: string) => void;

  /** `onRefusedCertificate`: a cluster's API server presented a certificate its config does not trust. */
  constructor(onRefusedCertificate: (clusterId: string) => void = () => undefined) {
    this.onRefusedCertificate = onRefusedCertificate;
  }

  /**
   * An empty KubeConfig whose API clients, once it is loaded, use the cluster's pool; with `bearer`, each
   * request presents the token it gives then, not the one loaded.
   */
  kubeConfig(clusterId: string, bearer?: () => Promise<string>): KubeConfig {
    return new PooledKubeConfig((identity, fresh) => new PoolLease(this, clusterId, identity, fresh), bearer);
  }

  /** Closes every pool: for shutting down. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()].flatMap((identities) => [...identities.values()]);
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  /**
   * The pool of the cluster's identity; `fresh` becomes it when there is none. Identities are kept in
   * order of last use, so a third one closes the pool least recently used, never the current one.
   */
  take(clusterId: string, identity: string, fresh: Dispatcher | undefined): Dispatcher {
    const identities = this.pools.get(clusterId) ?? new Map<string, Dispatcher>();
    this.pools.set(clusterId, identities);
    const pool = identities.get(identity);
    if (pool) {
      if (fresh) closeQuietly(fresh);
      identities.delete(identity);
      identities.set(identity, pool);
      return pool;
    }
    // A lease dispatched again (undici fetch's redirect) gave its Agent at the first dispatch, installed
    // and closed since or closed then: installed now, a closed Agent would refuse every later request.
    if (!fresh)
      throw new Error(`the connection pool of cluster ${clusterId} was closed: send the request again`);
    identities.set(identity, fresh);
    for (const [oldest, dispatcher] of identities) {
      if (identities.size <= IDENTITIES_KEPT_PER_CLUSTER) break;
      identities.delete(oldest);
      closeQuietly(dispatcher);
    }
    return fresh;
  }

  /** Leaves the pool, and tells whoever gave its TLS material, which is no longer the server's. */
  refusedCertificate(clusterId: string, identity: string, pool: Dispatcher): void {
    this.retire(clusterId, identity, pool);
    this.onRefusedCertificate(clusterId);
  }

  /**
   * Stops sending requests through `pool` after one of them got no answer in time. undici multiplexes a
   * cluster's calls over one HTTP/2 connection, an abort resets only its stream, and undici notices a
   * silently dead connection only after its own five-minute timeouts or two keep-alive pings (up to two
   * minutes): the next request opens a new connection instead. The requests in flight end on their own.
   */
  retire(clusterId: string, identity: string, pool: Dispatcher): void {
    const identities = this.pools.get(clusterId);
    if (identities?.get(identity) !== pool) return;
    identities.delete(identity);
    closeQuietly(pool);
  }
}

/** One request's way to its cluster's pool, taken when the request is dispatched. */
class PoolLease extends Dispatcher {
  private readonly pools: ClusterConnectionPools;
  private readonly clusterId: string;
  private readonly identity: string;
  /** The Agent client-node made for this request, until its first dispatch installs or closes it. */
  private fresh: Dispatcher | undefined;

  constructor(pools: ClusterConnectionPools, clusterId: string, identity: string, fresh: Dispatcher) {
    super();
    this.pools = pools;
    this.clusterId = clusterId;
    this.identity = identity;
    this.fresh = fresh;
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const pool = this.pools.take(this.clusterId, this.identity, this.fresh);
    this.fresh = undefined;
    return pool.dispatch(
      options,
      watchingFailures(handler, (options as Dispatcher.RequestOptions).signal, {
        timedOut: () => this.pools.retire(this.clusterId, this.identity, pool),
        refusedCertificate: () => this.pools.refusedCertificate(this.clusterId, this.identity, pool),
      }),
    );
  }

  // The lease owns no connection: the pools are closed through ClusterConnectionPools.
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    if (!callback) return Promise.resolve();
    queueMicrotask(callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), callback?: () => void): Promise<void> | void {
    const done = typeof first === "function" ? first : callback;
    if (!done) return Promise.resolve();
    queueMicrotask(done);
  }
}

/** The request's own handler, telling `failed` when it timed out or the server's certificate was refused. */
function watchingFailures(
  handler: Dispatcher.DispatchHandler,
  signal: Dispatcher.RequestOptions["signal"],
  failed: { timedOut(): void; refusedCertificate(): void },
): Dispatcher.DispatchHandler {
  return {
    onRequestStart: (controller, context) => handler.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, status, headers, socket) =>
      handler.onRequestUpgrade?.(controller, status, headers, socket),
    onResponseStart: (controller, status, headers, text) =>
      handler.onResponseStart?.(controller, status, headers, text),
    onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
    onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => {
      // The request timeout of kube-requests passed: AbortSignal.timeout's reason, which undici gives only
      // before the headers (after them, its AbortError: the body is destroyed without the reason), so the
      // request's signal tells; fetch's dispatches carry no signal but fail with the reason.
      if (error?.name === "TimeoutError" || timedOut(signal)) failed.timedOut();
      else if (refusedCertificate(error)) failed.refusedCertificate();
      handler.onResponseError?.(controller, error);
    },
    onResponseStarted: () => handler.onResponseStarted?.(),
    onBodySent: (chunk) => handler.onBodySent?.(chunk),
    onRequestSent: () => handler.onRequestSent?.(),
  };
}

function timedOut(signal: Dispatcher.RequestOptions["signal"]): boolean {
  return signal instanceof AbortSignal && signal.aborted && signal.reason?.name === "TimeoutError";
}

/** Closes once its requests finish; a failure to close leaves nothing to act on. */
function closeQuietly(dispatcher: Dispatcher): void {
  dispatcher.close().catch(() => undefined);
}

/** What a connection to the current cluster depends on: its endpoint, proxy and TLS material. */
function tlsIdentity(config: KubeConfig): string {
  const cluster = config.getCurrentCluster();
  const user = config.getCurrentUser();
  return createHash("sha256")
    .update(
      JSON.stringify([
        cluster?.server,
        cluster?.proxyUrl,
        cluster?.skipTLSVerify,
        cluster?.tlsServerName,
        bufferFromFileOrString(cluster?.caFile, cluster?.caData)?.toString("base64"),
        bufferFromFileOrString(user?.certFile, user?.certData)?.toString("base64"),
        bufferFromFileOrString(user?.keyFile, user?.keyData)?.toString("base64"),
      ]),
    )
    .digest("base64");
}

/** client-node's own request set-up (TLS options, proxy, auth headers), then the cluster's pool. */
class PooledKubeConfig extends KubeConfig {
  private readonly pool: (identity: string, fresh: Dispatcher) => Dispatcher;
  private readonly bearer: (() => Promise<string>) | undefined;
  /** The identity of the cluster and user entries it was last computed for: a load makes new entries. */
  private identity?: { cluster: unknown; user: unknown; value: string };

  constructor(pool: (identity: string, fresh: Dispatcher) => Dispatcher, bearer?: () => Promise<string>) {
    super();
    this.pool = pool;
    this.bearer = bearer;
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    if (this.bearer) context.setHeaderParam("Authorization", `Bearer ${await this.bearer()}`);
    const fresh = context.getDispatcher();
    if (fresh) context.setDispatcher(this.pool(this.currentIdentity(), fresh));
  }

  /** Hashed once per loaded entries rather than on every request. */
  private currentIdentity(): string {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (this.identity?.cluster !== cluster || this.identity?.user !== user)
      this.identity = { cluster, user, value: tlsIdentity(this) };
    return this.identity.value;
  }
}

/** Local development: one kubeconfig per cluster, named after it, in `directory` (the simulator's). */
export class KubeconfigDirectory implements KubeConnector {
  private readonly directory: string;
  private readonly pools = new ClusterConnectionPools();
  /**
   * Each cluster's config as last loaded, with the file's identity then (inode, size, modification time):
   * read and parsed again only when that changes, so a call costs one stat, not an open, read and close.
   */
  private readonly loaded = new Map<string, { file: string; config: KubeConfig }>();

  constructor(directory: string) {
    this.directory = directory;
  }

  async kubeConfig(target: ClusterTarget): Promise<KubeConfig> {
    const path = join(this.directory, `${target.name}.yaml`);
    try {
      const { ino, size, mtimeMs } = await stat(path);
      const file = `${ino}:${size}:${mtimeMs}`;
      const last = this.loaded.get(target.id);
      if (last?.file === file) return last.config;
      const config = this.pools.kubeConfig(target.id);
      config.loadFromString(await readFile(path, "utf8"));
      this.loaded.set(target.id, { file, config });
      return config;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === undefined) throw error;
      throw new Error(
        `no kubeconfig for cluster ${target.name}: ${code === "ENOENT" ? `${path} does not exist` : (error as Error).message}`,
      );
    }
  }

  close(): Promise<void> {
    return this.pools.close();
  }
}

interface ClusterEndpoint {
  server: string;
  caData: string | undefined;
}

/** Azure: the server and CA from ARM, an Entra token for AKS from the product's identity. */
export class EntraKubeConnector implements KubeConnector {
  private readonly credential: TokenCredential;
  private readonly arm: (subscriptionId: string) => ContainerServiceClient;
  private readonly clock: Pick<RetryClock, "now">;
  /** A cluster whose server refused its CA (rotated since) is read from ARM again on the next call. */
  private readonly pools = new ClusterConnectionPools((clusterId) => this.endpoints.delete(clusterId));
  /** Each cluster's endpoint as read (or being read) from ARM, until `until`. */
  private readonly endpoints = new Map<string, { read: Promise<ClusterEndpoint>; until: number }>();
  private readonly setupTimeoutMs: number;

  constructor(options: {
    credential: TokenCredential;
    arm: (subscriptionId: string) => ContainerServiceClient;
    clock: Pick<RetryClock, "now">;
    setupTimeoutMs?: number;
  }) {
    this.credential = options.credential;
    this.arm = options.arm;
    this.clock = options.clock;
    this.setupTimeoutMs = options.setupTimeoutMs ?? CONNECTION_SETUP_TIMEOUT_MS;
  }

  async kubeConfig(target: ClusterTarget): Promise<KubeConfig> {
    const { server, caData } = await this.endpoint(target);
    // Asked here too, so a config is only given out with a token.
    const token = await this.token();
    // Per request: a config held for a long scan may outlive a token, which can have 5 minutes left
    // (@azure/identity keeps it and renews it that close to expiry).
    const config = this.pools.kubeConfig(target.id, () => this.token());
    config.loadFromOptions({
      clusters: [{ name: target.name, server, caData, skipTLSVerify: false }],
      users: [{ name: "entra", token }],
      contexts: [{ name: target.name, cluster: target.name, user: "entra" }],
      currentContext: target.name,
    });
    return config;
  }

  private async token(): Promise<string> {
    const token = await this.credential.getToken(AKS_TOKEN_SCOPE, {
      abortSignal: AbortSignal.timeout(this.setupTimeoutMs),
    });
    if (!token) throw new Error(`no Entra token for AKS (${AKS_TOKEN_SCOPE})`);
    return token.token;
  }

  /**
   * The cluster's endpoint, read from ARM at most once per CLUSTER_ENDPOINT_TTL_MS; calls at the same time
   * share one read, and a failed read is not kept.
   */
  private endpoint(target: ClusterTarget): Promise<ClusterEndpoint> {
    const now = this.clock.now();
    const kept = this.endpoints.get(target.id);
    if (kept && now < kept.until) return kept.read;
    const entry = { read: this.readEndpoint(target), until: now + CLUSTER_ENDPOINT_TTL_MS };
    this.endpoints.set(target.id, entry);
    entry.read.catch(() => {
      if (this.endpoints.get(target.id) === entry) this.endpoints.delete(target.id);
    });
    return entry.read;
  }

  private async readEndpoint(target: ClusterTarget): Promise<ClusterEndpoint> {
    const credentials = await this.arm(target.subscriptionId).managedClusters.listClusterUserCredentials(
      target.resourceGroup,
      target.name,
      { abortSignal: AbortSignal.timeout(this.setupTimeoutMs) },
    );
    const value = credentials.kubeconfigs?.[0]?.value;
    if (!value) throw new Error(`ARM returned no user credential for cluster ${target.name}`);
    const given = new KubeConfig();
    given.loadFromString(Buffer.from(value).toString("utf8"));
    const cluster = given.getCurrentCluster();
    if (!cluster?.server)
      throw new Error(`the user credential of cluster ${target.name} names no API server`);
    return { server: cluster.server, caData: cluster.caData };
  }

  close(): Promise<void> {
    return this.pools.close();
  }
}
