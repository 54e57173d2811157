// The old pool as the migration finds it when it cordons it.

import type { NodePoolMode } from "../fleet/model.ts";
import type { BudgetLoad } from "./drain-batches.ts";
import type { MigrationPlan } from "./migration-plan.ts";

/** The old pool as it is when the migration cordons it: days may have passed since the plan. */
export interface PoolSurvey {
  /** Its nodes now, least critical first. */
  drainOrder: string[];
  /** What the disruption budgets cover on its nodes and allow now: the drain's automatic batches. */
  budgets: BudgetLoad;
  /** Its node count as ARM has it, and its mode: what a rollback scales a shrunk pool back to. */
  count: number;
  mode: NodePoolMode;
  /** Its autoscaler's bounds, when the autoscaler is on. */
  autoscaler?: { minCount?: number; maxCount?: number };
  /** Deployments and statefulsets with pods on it, and their replicas now. */
  controllers: MigrationPlan["controllers"];
  /** Whether health is watched through the retention window. Absent from a survey stored before it. */
  watchesRetention?: boolean;
}
