// A fleet rollout as a workflow: what `fleet-rollout` takes and returns, its activities, and the events
// people send it (an operator's answer to a stopped line, an approver's to a wave gate).

import type { Principal } from "../../shared/domain/access/principal.ts";
import type { AlertSeverity } from "../../shared/domain/alerts/alert-policy.ts";
import type { PlannedPool, RolloutPoolCheck } from "../../shared/domain/rollout/cluster-check.ts";
import type { RolloutPlan } from "../../shared/domain/rollout/rollout-plan.ts";
import type {
  RolloutChange,
  RolloutDecision,
  RolloutOptions,
  RolloutStatus,
} from "../../shared/domain/rollout/rollout-record.ts";

export interface FleetRolloutInput {
  rolloutId: string;
  plan: RolloutPlan;
  options: RolloutOptions;
  requestedBy: Principal;
  requestedAt: string;
}

export interface FleetRolloutResult {
  status: RolloutStatus;
  succeeded: number;
  unsuccessful: number;
  skipped: number;
}

export const ROLLOUT_EVENTS = { answer: "rollout-answer" } as const;

/** An answer to the wait named by `nonce`; one for another wait, or a decision it does not accept, is ignored. */
export interface RolloutAnswerEvent {
  nonce: string;
  decision: RolloutDecision;
  note: string;
  by: string;
  byId: string;
  at: string;
}

export interface CheckRolloutPoolInput extends PlannedPool {
  clusterId: string;
  /** Every pool of this cluster the plan names. */
  plannedPools: string[];
  /** This pool's migrations the rollout saw end (earlier attempts): not under way, whatever their records say. */
  endedMigrations: string[];
}

/** A notice about a rollout; its id is stable, so a sink drops the repeat of a retried send. */
export interface NotifyRolloutInput {
  id: string;
  rolloutId: string;
  /** The clusters it concerns, or the wave's. */
  clusters: string[];
  severity: AlertSeverity;
  title: string;
  text: string;
}

export interface FleetRolloutActivities {
  "save-rollout": { input: RolloutChange; output: null };
  "check-rollout-pool": { input: CheckRolloutPoolInput; output: RolloutPoolCheck };
  "notify-rollout": { input: NotifyRolloutInput; output: null };
}

export interface FleetRolloutOrchestrations {
  "fleet-rollout": { input: FleetRolloutInput; output: FleetRolloutResult };
}
