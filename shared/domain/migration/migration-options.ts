// What a migration request may ask for, and the defaults a platform engineer would expect: the seed's
// thresholds ("How Do You Know When to Roll Back?"), batches cut by what the disruption budgets allow, the
// new pool grown and the old one shrunk with the drain, four hours of retention. A request states only
// what it changes (options-request.ts reads it).

/** new-pool: create a pool with the target osSku and drain the old one; in-place: `--os-sku` update. */
export type MigrationStrategy = "new-pool" | "in-place";

export interface HealthThresholds {
  /** Container restarts per node per hour above which a node is unhealthy (seed: 5). */
  restartsPerNodePerHour: number;
  /** A pod Pending longer than this is a signal (seed: 2 minutes). */
  pendingPodSeconds: number;
  /** A signal that persists this long halts the drain and rolls back (seed: 5 minutes). */
  persistSeconds: number;
}

/** Weekly, in UTC: the migration starts only inside it. */
export interface MaintenanceWindow {
  /** 0 = Sunday .. 6 = Saturday; every day when empty. */
  days: number[];
  /** "HH:MM", UTC. */
  start: string;
  durationHours: number;
}

export interface MigrationOptions {
  /** Which strategy policy prefers; the plan says which one applies and why. */
  preferredStrategy: MigrationStrategy;
  maintenanceWindow?: MaintenanceWindow;
  /** Nodes drained at once, or "auto": batches as large as the disruption budgets allow (drain-batches.ts). */
  batchSize: number | "auto";
  /**
   * The new pool's size: "up-front" creates it at the old pool's count; "with-drain" creates it with two
   * batches' worth of nodes and grows it ahead of the drain (without the autoscaler or pre-positioning).
   */
  newPoolGrowth: "up-front" | "with-drain";
  /**
   * The old pool's drained nodes: "at-end" keeps them until the pool is deleted; "with-drain" deletes them
   * after each batch's health gate, keeping the pool (at 0 nodes, 1 for a system pool) for a rollback,
   * unless the pool's node images are removed before the migration would end (the plan's oldPoolShrinks).
   */
  oldPoolShrink: "at-end" | "with-drain";
  /** How long evictions of one node may stay blocked before the drain asks a person. */
  drainTimeoutSeconds: number;
  /** A gate unanswered this long sends an alert and keeps waiting... */
  gateTimeoutSeconds: number;
  /** ...up to this, then the migration ends as expired. */
  gateExpirySeconds: number;
  /** The drained old pool is kept this long so a rollback stays fast. */
  retentionSeconds: number;
  /** Ask a person before deleting the old pool. */
  deleteGate: boolean;
  /** Scale controllers with pods on the old pool up by one before draining (restored at the end). */
  prePositionReplicas: boolean;
  /** Run a smoke pod on the new pool during validation. */
  smokePod: boolean;
  /** On a persistent health signal: roll back at once, or wait for an approver's decision. */
  rollback: "automatic" | "approval";
  /** Keep the new pool when rolling back (for investigation) instead of deleting it. */
  keepNewPoolOnRollback: boolean;
  thresholds: HealthThresholds;
  /** The new pool's name; derived from the old one when absent. */
  newPoolName?: string;
}

export const DEFAULT_MIGRATION_OPTIONS: MigrationOptions = {
  preferredStrategy: "new-pool",
  batchSize: "auto",
  newPoolGrowth: "with-drain",
  oldPoolShrink: "with-drain",
  drainTimeoutSeconds: 30 * 60,
  gateTimeoutSeconds: 24 * 3600,
  gateExpirySeconds: 7 * 24 * 3600,
  retentionSeconds: 4 * 3600,
  deleteGate: false,
  prePositionReplicas: false,
  smokePod: false,
  rollback: "automatic",
  keepNewPoolOnRollback: false,
  thresholds: { restartsPerNodePerHour: 5, pendingPodSeconds: 120, persistSeconds: 300 },
};
