// Migrations' product state: the record people read, the answers to gates (the first answer to a wait
// wins, atomically), and the audit log (append-only: nothing updates or deletes a record).
// Adapters: shared/azure/tables and shared/sqlite; one contract suite runs against both.

import type { GateDecision, GateName, MigrationRecord, Outcome } from "../migration/migration-record.ts";

export interface MigrationFilter {
  /** ARM id or name, case-insensitive. */
  cluster?: string;
  pool?: string;
  /** "active" is every migration without an outcome. */
  outcome?: Outcome | "active";
}

export interface GateAnswer {
  migrationId: string;
  gate: GateName;
  nonce: string;
  answer: GateDecision;
  /** The person's name, and their stable id (two approvals need two distinct ids). */
  by: string;
  byId: string;
  comment: string;
  at: string;
  /** Under the two-approver rule, everyone whose approval opened the gate, first approver first. */
  approvedBy?: { id: string; name: string }[];
}

export type ClaimResult = { kind: "claimed" } | { kind: "already-answered"; answer: GateAnswer };

export interface MigrationRepository {
  /** Keeps the record with the highest revision: writing a lower or equal one changes nothing. */
  save(record: MigrationRecord): Promise<void>;
  get(id: string): Promise<MigrationRecord | undefined>;
  /** Newest request first. */
  list(filter?: MigrationFilter): Promise<MigrationRecord[]>;
  /** The first answer to a wait (migration and nonce) wins; a second is refused with the first. */
  claimAnswer(answer: GateAnswer): Promise<ClaimResult>;
  /** Takes back a claim whose event could not be delivered, so the person can answer again. */
  releaseAnswer(migrationId: string, nonce: string): Promise<void>;
  /**
   * Records one person's approval of a wait that needs two (once per person: `added` is false when they
   * had), and returns every approval of that wait, first first. Two racing approvals both see each other
   * in whichever answer comes last.
   */
  addApproval(answer: GateAnswer): Promise<{ added: boolean; approvals: GateAnswer[] }>;
  /** The approvals recorded for a wait (migration and nonce), first first. */
  approvals(migrationId: string, nonce: string): Promise<GateAnswer[]>;
}

/** Effects on a cluster name their migration and a step key unique within it ("taint-old", "drain-3:evict:ns:pod:2"). */
export interface AuditedStep {
  migrationId: string;
  step: string;
  /** Who the effect is for: the workflow, or the person whose decision it carries out. */
  actor: string;
  reason: string;
}

export type AuditStage = "intent" | "outcome";

export interface AuditRecord {
  /** Deterministic (migration, step, stage): an activity that runs again appends nothing new. */
  id: string;
  migrationId: string;
  stage: AuditStage;
  at: string;
  /** A person's name, or "pool-migration" for the workflow itself. */
  actor: string;
  /** The person's stable id (Entra object id) on the records of their requests: names can be shared. */
  actorId?: string;
  /** "create-pool", "taint-node", "evict-pod", "approve", ... */
  action: string;
  /** What it acts on: a pool, node or pod, by name. */
  target: string;
  reason: string;
  evidence?: unknown;
  /** On outcome records: "succeeded", "failed: ...", "skipped: ...". */
  result?: string;
}

/** An audit record as stored: numbered from 1 in its migration, linked to the one before by hash. */
export interface ChainedAuditRecord extends AuditRecord {
  sequence: number;
  previousHash: string;
  /** SHA-256 of the canonical JSON of the record without `hash`. */
  hash: string;
}

/** The number and hash of a chain's last record, kept apart from the records: a cut-off tail shows. */
export interface AuditHead {
  sequence: number;
  hash: string;
}

export interface AuditRepository {
  /**
   * Appends unless the migration has a record with this id (then it is left as it was), chained to the
   * migration's last record in the same atomic write.
   */
  append(record: AuditRecord): Promise<"appended" | "exists">;
  /** In the order appended. */
  list(migrationId: string): Promise<ChainedAuditRecord[]>;
  /** Written with every append; undefined for a chain with no record (or kept before heads were). */
  head(migrationId: string): Promise<AuditHead | undefined>;
}
