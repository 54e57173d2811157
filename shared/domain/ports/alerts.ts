// Alerts: per-track state and the outbox that delivery runs lease from.
// Adapters: shared/azure/tables and shared/sqlite; one contract suite runs against both.

import type { AlertDecision, AlertState, LifecycleAlert } from "../alerts/alert-policy.ts";

export interface SinkDelivery {
  status: "pending" | "delivered";
  /** Attempts over all runs. */
  attempts: number;
  lastAttemptAt?: string;
  lastError?: string;
  deliveredAt?: string;
}

export interface OutboxAlert {
  alert: LifecycleAlert;
  decidedAt: string;
  /** Delivered once every sink configured at delivery time has it. */
  status: "pending" | "delivered";
  deliveries: Record<string, SinkDelivery>;
}

/** Alert state as loaded, with the versions a commit checks (optimistic concurrency per track). */
export interface AlertStateSnapshot {
  state: AlertState;
  readonly versions: ReadonlyMap<string, string>;
}

export interface AlertCommit {
  /** Track keys written with their new alerts. */
  committed: string[];
  /** Track keys another writer changed since the snapshot: nothing of them was written. */
  conflicts: string[];
}

/** A pending alert this delivery run holds a lease on. */
export interface OutboxClaim {
  readonly outbox: OutboxAlert;
  /** Epoch ms until which this run holds the alert. */
  readonly leaseUntil: number;
  /** The run holding the lease, when it named itself. */
  readonly holder?: string;
  /** Opaque: the version the next update must match. */
  readonly version: string;
}

export interface AlertRepository {
  /** The tracks whose key starts with `trackPrefix` (every track without one). */
  loadState(trackPrefix?: string): Promise<AlertStateSnapshot>;
  /**
   * Per track, atomically: its new state and its new alerts as pending. A track changed by someone
   * else since `snapshot` is reported as a conflict and left alone.
   */
  commitDecision(
    snapshot: AlertStateSnapshot,
    decision: AlertDecision,
    decidedAt: string,
  ): Promise<AlertCommit>;
  /** Pending alerts, oldest decision first. */
  pendingAlerts(): Promise<OutboxAlert[]>;
  /** How many alerts pendingAlerts would return, without reading them. */
  pendingCount(): Promise<number>;
  /**
   * Leases a pending alert until `leaseUntil` (epoch ms); undefined if delivered or leased by another run.
   * A lease taken under the same `holder` is taken over at once: that run, resumed after a crash, is the
   * one left to finish the alert.
   */
  claim(alertId: string, now: number, leaseUntil: number, holder?: string): Promise<OutboxClaim | undefined>;
  /**
   * Records one sink's result. Once every sink in `sinks` has delivered, the alert becomes delivered and
   * leaves the pending list. Returns the claim to use for the next update, or undefined when the lease
   * was lost (another run took the alert over after it expired): then nothing was recorded.
   */
  recordDelivery(
    claim: OutboxClaim,
    sink: string,
    delivery: SinkDelivery,
    sinks: readonly string[],
  ): Promise<OutboxClaim | undefined>;
  /** Ends the lease early so the next run need not wait for it. */
  release(claim: OutboxClaim): Promise<void>;
  listAlerts(filter?: { status?: OutboxAlert["status"] }): Promise<OutboxAlert[]>;
}
