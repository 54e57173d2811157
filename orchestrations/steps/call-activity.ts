// Activities called with the retry every idempotent activity gets: transient faults (storage, network)
// are retried on durable timers; what still fails reaches the orchestrator as an Error.

import type { OrchestrationContext, Task } from "durable-functions";
import * as df from "durable-functions";

const FIRST_RETRY_MS = 5_000;
const MAX_ATTEMPTS = 3;

function transientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(FIRST_RETRY_MS, MAX_ATTEMPTS);
  retry.backoffCoefficient = 2;
  return retry;
}

export function* callActivity<Output>(
  context: OrchestrationContext,
  name: string,
  input: unknown,
): Generator<Task, Output, unknown> {
  return (yield context.df.callActivityWithRetry(name, transientRetry(), input)) as Output;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
