// Where alerts go (webhook, Teams, Service Bus topic): the sinks live in shared/alerts/.

import type { LifecycleAlert } from "../alerts/alert-policy.ts";

export interface AlertSink {
  /** Stable: per-sink delivery status is recorded under it. */
  readonly name: string;
  /** Resolves once the sink accepted the alert; throws SinkError (or any error: taken as transient). */
  send(alert: LifecycleAlert): Promise<void>;
}
