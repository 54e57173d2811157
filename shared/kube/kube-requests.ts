// How the product's Kubernetes adapters call an API server through @kubernetes/client-node: each call is
// abandoned when the API server has not answered within the request timeout; a read is retried with
// backoff on the given clock when throttled (429), on server errors, timeouts and lost connections (not
// when the API server's certificate is refused: the same CA cannot pass); a
// write is tried once (whoever asked for the change decides whether to ask again). A call that fails for
// good becomes a KubeRequestError naming the call and what the API server answered.

import {
  ApiException,
  type ConfigurationOptions,
  Observable,
  type ObservableMiddleware,
} from "@kubernetes/client-node";
import type { RetryClock } from "../domain/ports/clock.ts";
import { backoffDelay, type RetryPolicy } from "../retry-policy.ts";
import { refusedCertificate } from "./certificate-refusals.ts";
import { undiciHttpLibrary } from "./undici-http-library.ts";

/** `attempts` are per read. */
export interface KubeRequestOptions extends RetryPolicy {
  clock: RetryClock;
  /** Items per list call. */
  pageSize: number;
  /**
   * Real milliseconds a call may take, answer read: an unreachable or hung API server must not hold
   * the activity (undici alone waits five minutes for headers, then again for the body).
   */
  requestTimeoutMs: number;
}

export const DEFAULT_KUBE_REQUEST_OPTIONS: Omit<KubeRequestOptions, "clock"> = {
  pageSize: 500,
  attempts: 4,
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  requestTimeoutMs: 30_000,
};

export type CallOptions = ConfigurationOptions<ObservableMiddleware>;

/** A client-node call given the options that carry its request timeout. */
export type KubeCall<T> = (options: CallOptions) => Promise<T>;

/** The parts of a metav1.Status the adapters read. */
export interface KubeStatusBody {
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[]; retryAfterSeconds?: number };
}

/** A call that failed for good: says which call and what the API server answered. */
export class KubeRequestError extends Error {
  override name = "KubeRequestError";
  /** The API server's status code; undefined when no answer came. */
  readonly code: number | undefined;
  /** The Status the API server answered with, when it sent one. */
  readonly status: KubeStatusBody | undefined;
  /** Retry-After, in seconds, when the API server sent it. */
  readonly retryAfterSeconds: number | undefined;

  constructor(what: string, attempts: number, error: unknown) {
    const tries = attempts > 1 ? ` after ${attempts} attempts` : "";
    super(`${what} failed${tries}: ${describe(error)}`, { cause: error });
    this.code = statusOf(error);
    this.status = statusBodyOf(error);
    const retryAfter = Number(headerOf(error, "retry-after"));
    this.retryAfterSeconds = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  }
}

/** A read, retried while the failure is transient. */
export function read<T>(what: string, call: KubeCall<T>, options: KubeRequestOptions): Promise<T> {
  return withRetries(what, () => timed(options.requestTimeoutMs, call), options);
}

/** A write, tried once. */
export function write<T>(what: string, call: KubeCall<T>, options: KubeRequestOptions): Promise<T> {
  return withRetries(what, () => timed(options.requestTimeoutMs, call), { ...options, attempts: 1 });
}

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

export type ListCall<T> = (
  page: { limit: number; _continue?: string },
  call: CallOptions,
) => Promise<Page<T>>;

/**
 * Every item of a list, read in pages (limit/continue) so a 2,000-node cluster never comes in one
 * answer; an expired continue token (410) restarts the list, once.
 */
export async function listAll<T>(what: string, call: ListCall<T>, options: KubeRequestOptions): Promise<T[]> {
  let items: T[] = [];
  let token: string | undefined;
  let restarted = false;
  for (;;) {
    try {
      const page = await read(
        `listing ${what}`,
        (abortOn) =>
          call({ limit: options.pageSize, ...(token !== undefined && { _continue: token }) }, abortOn),
        options,
      );
      items.push(...page.items);
      token = page.metadata?._continue || undefined;
      if (token === undefined) return items;
    } catch (error) {
      if (statusOf(error) !== 410 || token === undefined || restarted) throw error;
      restarted = true;
      items = [];
      token = undefined;
    }
  }
}

/**
 * The status code of a client-node or KubeRequestError error; undefined when no answer came (a
 * DOMException's numeric code, 23 for a timeout, is no status).
 */
export function statusOf(error: unknown): number | undefined {
  if (!(error instanceof ApiException || error instanceof KubeRequestError)) return undefined;
  const code: unknown = error.code;
  return typeof code === "number" && code >= 100 && code <= 599 ? code : undefined;
}

/** The call, given options that abort its request once `timeoutMs` have passed without a whole answer. */
async function timed<T>(timeoutMs: number, call: KubeCall<T>): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  const abortOn: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  try {
    return await call({
      httpApi: undiciHttpLibrary,
      middleware: [abortOn],
      middlewareMergeStrategy: "append",
    });
  } catch (error) {
    // No status: retried as a lost connection.
    if (signal.aborted) throw new Error(`no answer within ${timeoutMs / 1000} s`, { cause: error });
    throw error;
  }
}

async function withRetries<T>(what: string, call: () => Promise<T>, options: KubeRequestOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const status = statusOf(error);
      const transient = status === undefined ? !refusedCertificate(error) : status === 429 || status >= 500;
      if (!transient || attempt >= options.attempts) throw new KubeRequestError(what, attempt, error);
      const retryAfter = Number(headerOf(error, "retry-after")) * 1000 || 0;
      await options.clock.sleep(backoffDelay(options, attempt, retryAfter));
    }
  }
}

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, string> }).headers;
  return headers?.[name] ?? headers?.[name.toLowerCase()];
}

/** The Status in the error's body (client-node keeps it as text). */
function statusBodyOf(error: unknown): KubeStatusBody | undefined {
  const body = (error as { body?: unknown }).body;
  if (body && typeof body === "object") return body as KubeStatusBody;
  if (typeof body !== "string") return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed && typeof parsed === "object" ? (parsed as KubeStatusBody) : undefined;
  } catch {
    return undefined;
  }
}

/** The API server's Status message when there is one, else the error's own. */
function describe(error: unknown): string {
  const status = statusOf(error);
  const body = (error as { body?: unknown }).body;
  const parsed = statusBodyOf(error);
  const fromBody = parsed ? parsed.message : typeof body === "string" ? body.slice(0, 200) : undefined;
  const message = fromBody || (error instanceof Error ? error.message : String(error));
  return status === undefined ? message : `${status} ${message}`;
}
