// A node pool's migration as a workflow: what `pool-migration`, its `node-drain` children and their
// activities take and return, and the events people send it. Every activity that touches a cluster
// takes the migration id and a step key: its audit records are keyed by them, so running it again
// appends nothing new and repeats no effect it already completed.

import type { Principal } from "../../shared/domain/access/principal.ts";
import type { NodePod, StuckPod, UnbudgetedEviction } from "../../shared/domain/migration/drain-progress.ts";
import type { HealthObservation } from "../../shared/domain/migration/health-signals.ts";
import type { MigrationNotice } from "../../shared/domain/migration/migration-notice.ts";
import type { MigrationOptions } from "../../shared/domain/migration/migration-options.ts";
import type { MigrationPlan } from "../../shared/domain/migration/migration-plan.ts";
import type { Outcome, PodName } from "../../shared/domain/migration/migration-record.ts";
import type { PoolSurvey } from "../../shared/domain/migration/pool-survey.ts";
import type { ValidationEvidence } from "../../shared/domain/migration/pool-validation.ts";
import type { RecordChange } from "../../shared/domain/migration/record-changes.ts";
import type { AuditedStep, AuditRecord, GateAnswer } from "../../shared/domain/ports/migrations.ts";
import type { EvictionOutcome, PodRef } from "../../shared/domain/ports/node-operations.ts";
import type {
  OperationStatus,
  PoolRequest,
  PoolRequestOutcome,
} from "../../shared/domain/ports/pool-operations.ts";
import type { WorkloadRef } from "../../shared/domain/risk/migration-risk.ts";
import type { KubeTaint } from "../../shared/domain/workloads/cluster-facts.ts";

export interface PoolMigrationInput {
  migrationId: string;
  clusterId: string;
  pool: string;
  targetOsSku: string;
  requestedBy: Principal;
  requestedAt: string;
  options: MigrationOptions;
}

export interface PoolMigrationResult {
  outcome: Outcome;
  /** Also kept on the record: cost, duration per phase, what blocked and what was overridden. */
  summary: MigrationSummary;
}

export interface MigrationSummary {
  overlapNodeHours: number;
  cost: unknown;
  phaseSeconds: Record<string, number>;
  /** Batches the drain ran (absent from summaries written before it was counted). */
  batches?: number;
  overrides: string[];
  blockers: string[];
  rolledBack?: { reason: string; restored: string[] };
  /** What the pool looked like after the old one was gone (nodes, daemonsets, health signals). */
  postChecks?: { ok: boolean; problems: string[] };
}

/** Event names the HTTP side raises; payloads below. */
export const MIGRATION_EVENTS = { answer: "gate-answer", control: "control", stop: "stop-drain" } as const;

/** An answer to the wait named by `nonce`; the orchestrator ignores one whose gate or nonce differs. */
export type GateAnswerEvent = Omit<GateAnswer, "migrationId">;

/** Asked of a running migration at any time; acted on at its next wait or between nodes. */
export interface ControlEvent {
  action: "pause" | "rollback";
  by: string;
  reason: string;
  at: string;
}

export interface PlanMigrationInput {
  clusterId: string;
  pool: string;
  targetOsSku: string;
  options: MigrationOptions;
  now: string;
}

export interface RequestPoolChangeInput extends AuditedStep {
  clusterId: string;
  request: PoolRequest;
}

/**
 * exists: a create found the pool already there (a PUT sent before a crash): poll it by reading.
 * refused: ARM refused a delete of machines (a 4xx): nothing went, and asking again changes nothing.
 */
export type RequestPoolChangeOutput =
  | PoolRequestOutcome
  | { kind: "exists" }
  | { kind: "refused"; reason: string };

export interface PollPoolInput {
  clusterId: string;
  pool: string;
  /** The accepted operation's token; without it the pool's provisioningState is read. */
  operation?: string;
  /** For a delete: the pool being absent is success. */
  deleting?: boolean;
}

export type PollPoolOutput = OperationStatus;

export interface ValidatePoolInput extends AuditedStep {
  clusterId: string;
  pool: string;
  targetOsSku: string;
  expectedNodes: number;
  smokePod: boolean;
}

export interface SetTaintsInput extends AuditedStep {
  clusterId: string;
  nodes: string[];
  taint: KubeTaint;
  present: boolean;
}

export interface ScaleWorkloadsInput extends AuditedStep {
  clusterId: string;
  changes: { workload: WorkloadRef; replicas: number }[];
}

export interface WorkloadsReadyInput {
  clusterId: string;
  workloads: WorkloadRef[];
}

export interface WorkloadsReadyOutput {
  ready: boolean;
  notReady: string[];
}

export interface ObserveHealthInput {
  clusterId: string;
  /** The pools whose nodes are watched (old and new). */
  pools: string[];
}

export interface NodeDrainInput {
  migrationId: string;
  clusterId: string;
  node: string;
  /** The instant the drain of this node gives up waiting for blocked evictions. */
  deadline: string;
  /** Decisions people made for pods on this node (a delete names the pod's uid: only that pod goes). */
  skip: PodName[];
  delete: PodDelete[];
  /** Pods of workloads no budget covers on the other nodes drained with it, by workload (see unbudgetedBeside). */
  unbudgetedBeside?: Record<string, number>;
  /** Who made those decisions (the audit's actor for a delete). */
  decidedBy?: string;
  /**
   * Ends the drain once every pod left is shutting down within its grace period: evicted, it leaves on
   * its own, so the next batch need not wait for it. Whatever deletes the machine waits for it instead.
   */
  leaveShuttingDown?: boolean;
  /**
   * Ends the drain once every pod left is shutting down or was just refused by its budget: the node
   * goes on in the next batch's drains, so one budget waiting on a replacement does not hold the batch.
   */
  handOverHeld?: boolean;
}

/** A pod a person chose to delete; forced (grace period 0) only when they chose force-delete-pod. */
export interface PodDelete extends PodRef {
  force?: true;
}

export type NodeDrainResult =
  /** shuttingDown: pods evicted and still within their grace period (only with leaveShuttingDown). */
  | { kind: "drained"; evicted: number; skipped: number; deleted: number; shuttingDown?: number }
  | { kind: "stuck"; evicted: number; stuck: StuckPod[] }
  /** Only pods their budgets hold (and pods shutting down) left (only with handOverHeld). */
  | { kind: "held"; evicted: number; held: PodName[] }
  /** The Kubernetes API kept failing until the deadline: a person decides (retry, roll back). */
  | { kind: "failed"; evicted: number; error: string }
  /** Stopped between rounds because a pause or rollback was asked (MIGRATION_EVENTS.stop). */
  | { kind: "stopped"; evicted: number };

/** Raised at a running node drain when its migration is paused or rolled back. */
export interface StopDrainEvent {
  at: string;
}

export interface NodePodsInput {
  clusterId: string;
  node: string;
}

export interface EvictPodInput extends AuditedStep {
  clusterId: string;
  node: string;
  pod: PodRef;
  /** Absent for a pod a budget covers (the eviction API holds it) or with no controller. */
  unbudgeted?: UnbudgetedEviction;
}

export interface DeletePodInput extends AuditedStep {
  clusterId: string;
  pod: PodRef;
  /** Gone at once (grace period 0, as `kubectl delete --force`): a person's force-delete-pod, for a pod stuck Terminating. */
  force: boolean;
}

/** A notice to people; the activity adds where its status is served. */
export type NotifyMigrationInput = Omit<MigrationNotice, "statusPath">;

export interface AccountMigrationInput {
  vmSize: string;
  /** Old-pool node-hours while the new pool ran. */
  overlapNodeHours: number;
}

export interface PoolMigrationActivities {
  "plan-migration": { input: PlanMigrationInput; output: MigrationPlan };
  "survey-pool": { input: { clusterId: string; pool: string }; output: PoolSurvey };
  "save-migration": { input: RecordChange; output: null };
  "record-audit": { input: AuditRecord; output: null };
  "notify-migration": { input: NotifyMigrationInput; output: null };
  "request-pool-change": { input: RequestPoolChangeInput; output: RequestPoolChangeOutput };
  "poll-pool": { input: PollPoolInput; output: PollPoolOutput };
  "validate-pool": { input: ValidatePoolInput; output: ValidationEvidence };
  "set-taints": { input: SetTaintsInput; output: { changed: number } };
  "scale-workloads": { input: ScaleWorkloadsInput; output: null };
  "workloads-ready": { input: WorkloadsReadyInput; output: WorkloadsReadyOutput };
  "observe-health": { input: ObserveHealthInput; output: HealthObservation };
  "node-pods": { input: NodePodsInput; output: NodePod[] };
  "evict-pod": { input: EvictPodInput; output: EvictionOutcome };
  "delete-pod": { input: DeletePodInput; output: "deleted" | "gone" };
  "account-migration": { input: AccountMigrationInput; output: { cost: unknown } };
}

export interface PoolMigrationOrchestrations {
  "pool-migration": { input: PoolMigrationInput; output: PoolMigrationResult };
  "node-drain": { input: NodeDrainInput; output: NodeDrainResult };
}
