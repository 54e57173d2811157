// Exponential backoff for the adapters that retry on the product's clock (alert sinks, Resource Graph,
// Kubernetes lists), so virtual time works for all of them alike.

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
