// What a platform team decides once for a fleet rollout: which pools move and to what, when it starts,
// how fast (the seed's "Stagger migrations": a few clusters a week, canary first), when each cluster may
// be touched, and what it may cost per day. shared/formats/rollout-policy.ts reads it from a file.

import type { IsoDate } from "../lifecycle/calendar-date.ts";
import type { PoolState } from "../lifecycle/pool-assessment.ts";
import type { MaintenanceWindow } from "../migration/migration-options.ts";

/** A cluster tag and its value, e.g. env=prod. */
export interface TagMatch {
  tag: string;
  value: string;
}

export type CanarySelection = { clusters: string[] } | TagMatch;

export interface TaggedWindow extends TagMatch {
  window: MaintenanceWindow;
}

/** Whole UTC days, both ends included, on which no migration starts. */
export interface Freeze {
  from: IsoDate;
  to: IsoDate;
  reason?: string;
}

export interface RolloutPolicy {
  /** From osSku to osSku; a pool whose SKU is not listed gets its assessment's recommended target. */
  targets: Record<string, string>;
  /** Pools in these states move (unless `pools` names them instead). */
  states: PoolState[];
  /** An explicit filter: only these pools ("cluster/pool" or "cluster" for all its pools). */
  pools?: string[];
  /** The first wave's day; the plan's `now` when absent. */
  start?: IsoDate;
  cadenceDays: number;
  maxClustersPerWave: number;
  /** Migrations running at the same time, across the whole fleet. */
  maxPoolsInFlight: number;
  /** The canary wave's clusters; the lowest-risk, least critical cluster when absent. */
  canary?: CanarySelection;
  /** The first matching tag's window wins; clusters matching none get `defaultWindow`, else any time. */
  windows: TaggedWindow[];
  defaultWindow?: MaintenanceWindow;
  freezes: Freeze[];
  /** Forecast overlap spend per UTC day stays at or under this, in the price table's currency. */
  dailyBudget?: number;
}

/** The retiring and retired states: what a rollout exists for. */
export const RETIRING_STATES: readonly PoolState[] = [
  "images-removed",
  "end-of-support",
  "nearing-end",
  "retirement-announced",
];

export const DEFAULT_ROLLOUT_POLICY: RolloutPolicy = {
  targets: {},
  states: [...RETIRING_STATES],
  cadenceDays: 7,
  maxClustersPerWave: 3,
  maxPoolsInFlight: 2,
  windows: [],
  freezes: [],
};

/** The tag ranking clusters from least to most critical; absent or unknown values rank as "high". */
export const CRITICALITY_TAG = "criticality";
export const CRITICALITY_ORDER = ["low", "medium", "high", "critical"] as const;
