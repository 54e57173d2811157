// Activities and sub-orchestrations called by name, typed by the contracts: a wrong input does not
// compile and the result comes typed. Activities get the retry every idempotent activity gets: transient
// faults (storage, network) are retried on durable timers; what still fails reaches the orchestrator as
// an Error.

import type { OrchestrationContext, Task } from "durable-functions";
import * as df from "durable-functions";
import type {
  ActivityInput,
  ActivityName,
  ActivityOutput,
  OrchestrationInput,
  OrchestrationName,
  OrchestrationOutput,
} from "../contracts.ts";

const FIRST_RETRY_MS = 5_000;
const MAX_ATTEMPTS = 3;
const PATIENT_ATTEMPTS = 8;

function transientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(FIRST_RETRY_MS, MAX_ATTEMPTS);
  retry.backoffCoefficient = 2;
  return retry;
}

/**
 * For a workflow that lives for weeks (a rollout): its own state writes outlast a storage outage of
 * minutes (about 10 in all) rather than ending the workflow after 15 seconds.
 */
export function patientRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(FIRST_RETRY_MS, PATIENT_ATTEMPTS);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 5 * 60_000;
  return retry;
}

export function* callActivity<K extends ActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
  retry: df.RetryOptions = transientRetry(),
): Generator<Task, ActivityOutput<K>, unknown> {
  return (yield context.df.callActivityWithRetry(name, retry, input)) as ActivityOutput<K>;
}

/** A task that carries, in its type only, what it completes with. */
export interface TypedTask<Result> extends Task {
  readonly __result?: Result;
}

/** The activity's task, scheduled once and not retried, for fan-outs that settle each task themselves. */
export function activityTask<K extends ActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
): TypedTask<ActivityOutput<K>> {
  return context.df.callActivity(name, input);
}

/** The activity's task with the transient retry, for fan-outs that await their tasks together. */
export function retriedActivityTask<K extends ActivityName>(
  context: OrchestrationContext,
  name: K,
  input: ActivityInput<K>,
): TypedTask<ActivityOutput<K>> {
  return context.df.callActivityWithRetry(name, transientRetry(), input);
}

export function* callSubOrchestrator<K extends OrchestrationName>(
  context: OrchestrationContext,
  name: K,
  input: OrchestrationInput<K>,
  instanceId?: string,
): Generator<Task, OrchestrationOutput<K>, unknown> {
  return (yield context.df.callSubOrchestrator(name, input, instanceId)) as OrchestrationOutput<K>;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
