// Exponential backoff for the adapters that retry on the product's clock (alert sinks, Resource Graph,
// Kubernetes lists), so virtual time works for all of them alike, and the server's Retry-After read alike.

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** Doubles from initialDelayMs per failed attempt, waits at least what the server asked, at most maxDelayMs. */
export function backoffDelay(
  retry: Pick<RetryPolicy, "initialDelayMs" | "maxDelayMs">,
  failedAttempts: number,
  retryAfterMs?: number,
): number {
  const exponential = retry.initialDelayMs * 2 ** (failedAttempts - 1);
  return Math.min(retry.maxDelayMs, Math.max(exponential, retryAfterMs ?? 0));
}

/** Retry-After in seconds or as an HTTP date; the date is read against the wall clock, as the server meant. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
