// A migration as people and the HTTP API see it: the orchestration writes it at every step (a higher
// revision replaces a lower one, so an activity that runs twice cannot put an old view back).

import type { ApprovalPolicy } from "../access/approval-policy.ts";
import type { Principal } from "../access/principal.ts";
import type { HealthSignal, HealthVerdict } from "./health-signals.ts";
import type { MigrationOptions, MigrationStrategy } from "./migration-options.ts";

export const PHASES = [
  "preflight",
  "window",
  "awaiting-start",
  "creating-pool",
  "updating-in-place",
  "validating",
  "awaiting-cutover",
  "cordoning",
  "draining",
  "retention",
  "deleting-old-pool",
  "closing",
  "rolling-back",
  "done",
] as const;
export type Phase = (typeof PHASES)[number];

/** Gates a person answers; "decision" is a stuck drain or a persistent health signal asking what to do. */
export const GATES = ["override", "start", "cutover", "delete", "decision", "paused"] as const;
export type GateName = (typeof GATES)[number];

export const OUTCOMES = ["succeeded", "rolled-back", "rejected", "expired", "failed"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/**
 * A stuck drain's choices for one stuck pod: skip it, delete it with its grace period, or delete it at once
 * (grace period 0, as `kubectl delete --force`), which only a pod stuck Terminating takes (stuckPodDecisions).
 */
export const POD_DECISIONS = ["skip-pod", "delete-pod", "force-delete-pod"] as const;
export type PodDecision = (typeof POD_DECISIONS)[number];

/** What a person may answer a gate with: approve/reject, or a stuck drain's choices. */
export type GateDecision =
  | { decision: "approve" }
  | { decision: "reject" }
  | { decision: "retry" }
  | { decision: PodDecision; pod: PodName }
  | { decision: "rollback" }
  | { decision: "resume" };

export function isPodDecision(decision: string): decision is PodDecision {
  return (POD_DECISIONS as readonly string[]).includes(decision);
}

export interface PodName {
  namespace: string;
  name: string;
}

export interface Awaiting {
  gate: GateName;
  /** From context.df.newGuid: an answer names the wait it answers, so a stale one opens nothing. */
  nonce: string;
  since: string;
  /** What the approver should look at (plan findings, validation results, the stuck pods). */
  evidence: unknown;
  /** The decisions this wait accepts. */
  accepts: GateDecision["decision"][];
  /** Who may answer: the role, and never the requester. */
  role: string;
  notBy: string;
}

export interface HistoryEntry {
  at: string;
  phase: Phase;
  /** One line a person reads ("gate start approved by ana@contoso.com: go"). */
  event: string;
  by?: string;
}

export interface HealthLook {
  at: string;
  verdict: HealthVerdict;
  signals: HealthSignal[];
}

export interface MigrationRecord {
  id: string;
  clusterId: string;
  cluster: string;
  pool: string;
  targetOsSku: string;
  strategy?: MigrationStrategy;
  newPool?: string;
  phase: Phase;
  awaiting: Awaiting | null;
  nodes: { drained: number; total: number };
  /** The node-drain instances running now: a pause or rollback stops them too. */
  draining?: string[];
  blockers: string[];
  outcome: Outcome | null;
  requestedBy: Principal;
  requestedAt: string;
  options: MigrationOptions;
  /** Who may approve its gates, read at preflight (absent before). */
  approvalPolicy?: ApprovalPolicy;
  history: HistoryEntry[];
  /** The health watch's last look while draining (the seed's signals), for people to see. */
  health?: HealthLook;
  /** Set when the migration ends: overlap node-hours and cost, duration per phase, overrides. */
  summary?: unknown;
  /** Bumped by every write of the orchestration; a lower one never replaces a higher one. */
  revision: number;
  updatedAt: string;
}
