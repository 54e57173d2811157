// The old pool as the migration finds it when it cordons it.

import type { MigrationPlan } from "./migration-plan.ts";

/** The old pool as it is when the migration cordons it: days may have passed since the plan. */
export interface PoolSurvey {
  /** Its nodes now, least critical first. */
  drainOrder: string[];
  /** Its autoscaler's bounds, when the autoscaler is on. */
  autoscaler?: { minCount?: number; maxCount?: number };
  /** Deployments and statefulsets with pods on it, and their replicas now. */
  controllers: MigrationPlan["controllers"];
}
