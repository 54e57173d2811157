// Where alerts and migration notices go (webhook, Teams, Service Bus topic): the sinks live in
// shared/sinks/. A sink says what went wrong with a SinkError: transient failures are retried with backoff
// within a run and left pending for the next; permanent ones (the sink refused the request) are not
// retried within the run.

import type { LifecycleAlert } from "../alerts/alert-policy.ts";
import type { MigrationNotice } from "../migration/migration-notice.ts";

export interface AlertSink {
  /** Stable: per-sink delivery status is recorded under it. */
  readonly name: string;
  /** Resolves once the sink accepted the alert; throws SinkError (or any error: taken as transient). */
  send(alert: LifecycleAlert): Promise<void>;
  /** The same for a running migration's notice, sent under its id. */
  sendNotice(notice: MigrationNotice): Promise<void>;
}

export class SinkError extends Error {
  override name = "SinkError";
  readonly transient: boolean;
  /** The sink asked to wait this long (Retry-After). */
  readonly retryAfterMs?: number;

  constructor(message: string, options: { transient: boolean; retryAfterMs?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.transient = options.transient;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Anything a sink throws that is not a SinkError (a dropped connection, a bug) is taken as transient. */
export function asSinkError(error: unknown): SinkError {
  if (error instanceof SinkError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SinkError(message, { transient: true, cause: error });
}
