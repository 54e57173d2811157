// People steering a running migration: answering the gate it waits at (approve, reject, a stuck drain's
// decision, resume) and asking it to pause or roll back. An answer is checked against the wait the record
// shows, claimed (the first answer to a wait wins), then delivered to the orchestration; one that cannot
// be delivered is taken back so the person can answer again. Under the two-approver rule an approval is
// recorded first, and the second distinct approver's claims and delivers the answer naming both. Every
// request is audited: its intent before anything is done, its result after.

import {
  type AnswerRequest,
  answerRefusal,
  endedRefusal,
  needsTwoApprovals,
  type Refusal,
  twoApproversRefusal,
} from "../domain/access/gate-rules.ts";
import type { Principal } from "../domain/access/principal.ts";
import type { GateDecision, GateName, MigrationRecord } from "../domain/migration/migration-record.ts";
import type { AuditRepository, GateAnswer, MigrationRepository } from "../domain/ports/migrations.ts";

export interface SteeringPorts {
  migrations: MigrationRepository;
  audit: AuditRepository;
  clock: { now(): number };
}

/**
 * Thrown by a delivery that finds the migration's workflow ended (without recording an outcome): nothing
 * will ever take the request, so asking again cannot help.
 */
export class WorkflowEndedError extends Error {
  override name = "WorkflowEndedError";
}

/** What became of a request on a migration that exists. */
type ActOutcome =
  /** `approvedBy`: the two approvals that opened the gate. */
  | { kind: "done"; at: string; approvedBy?: GateAnswer["approvedBy"] }
  /**
   * An approval recorded at a two-approver gate: it waits for another approver, or (`openedBy`) another
   * approver's answer, racing this one, opens the gate with both.
   */
  | { kind: "approval-recorded"; at: string; openedBy?: string }
  | ({ kind: "refused" } & Refusal)
  | { kind: "already-answered"; by: string; decision: string }
  | { kind: "undelivered"; reason: string };

export type SteerOutcome = ActOutcome | { kind: "not-found" };

export interface GateAnswerRequest {
  migrationId: string;
  gate: GateName;
  answer: GateDecision;
  by: Principal;
  comment: string;
}

export interface ControlRequest {
  migrationId: string;
  action: "pause" | "rollback";
  by: Principal;
  comment: string;
}

/** Answers the migration's wait; `deliver` raises the answer at the orchestration and throws if it cannot. */
export async function answerGate(
  ports: SteeringPorts,
  request: GateAnswerRequest,
  deliver: (answer: GateAnswer) => Promise<void>,
): Promise<SteerOutcome> {
  const check: AnswerRequest = { gate: request.gate, answer: request.answer, by: request.by };
  const target = `gate ${request.gate}`;
  return audited(ports, request, request.answer.decision, target, async (record, at) => {
    const refusal = answerRefusal(record, check);
    if (refusal) return { kind: "refused", ...refusal };
    let answer: GateAnswer = {
      migrationId: record.id,
      gate: request.gate,
      nonce: (record.awaiting as NonNullable<MigrationRecord["awaiting"]>).nonce,
      answer: request.answer,
      by: request.by.name,
      byId: request.by.id,
      comment: request.comment,
      at,
    };
    let approvedNow = false;
    if (needsTwoApprovals(record, request.gate, request.answer)) {
      const approved = await secondApproval(ports, answer);
      if ("outcome" in approved) return approved.outcome;
      ({ answer, added: approvedNow } = approved);
    }
    const claim = await ports.migrations.claimAnswer(answer);
    if (claim.kind === "already-answered") {
      // Two approvers racing to second each other: the one whose claim lost opened the gate all the same.
      const opened = claim.answer.approvedBy?.some((approver) => approver.id === request.by.id);
      if (approvedNow && opened) return { kind: "approval-recorded", at, openedBy: claim.answer.by };
      return { kind: "already-answered", by: claim.answer.by, decision: claim.answer.answer.decision };
    }
    try {
      await deliver(answer);
    } catch (error) {
      await ports.migrations.releaseAnswer(answer.migrationId, answer.nonce);
      return undelivered(error);
    }
    return { kind: "done", at, ...(answer.approvedBy && { approvedBy: answer.approvedBy }) };
  });
}

/**
 * Records the approval; with another person's approval already there, the answer that opens the gate
 * (naming both), else what the person is told: their approval waits for a second approver.
 */
async function secondApproval(
  ports: SteeringPorts,
  answer: GateAnswer,
): Promise<{ answer: GateAnswer; added: boolean } | { outcome: ActOutcome }> {
  const { added, approvals } = await ports.migrations.addApproval(answer);
  const approvers = [
    ...new Map(
      approvals.map((approval) => [approval.byId, { id: approval.byId, name: approval.by }]),
    ).values(),
  ];
  if (approvers.length >= 2) return { answer: { ...answer, approvedBy: approvers }, added };
  if (!added) {
    return { outcome: { kind: "refused", status: 409, reason: twoApproversRefusal(answer.by, answer.gate) } };
  }
  return { outcome: { kind: "approval-recorded", at: answer.at } };
}

/** Asks a running migration to pause or roll back; `deliver` raises the request at the orchestration. */
export async function controlMigration(
  ports: SteeringPorts,
  request: ControlRequest,
  deliver: (at: string, record: MigrationRecord) => Promise<void>,
): Promise<SteerOutcome> {
  return audited(ports, request, request.action, "migration", async (record, at) => {
    const refusal = endedRefusal(record);
    if (refusal) return { kind: "refused", ...refusal };
    try {
      await deliver(at, record);
    } catch (error) {
      return undelivered(error);
    }
    return { kind: "done", at };
  });
}

/** A delivery that failed: refused when the workflow has ended, else worth trying again. */
function undelivered(error: unknown): ActOutcome {
  const reason = (error as Error).message;
  return error instanceof WorkflowEndedError
    ? { kind: "refused", status: 409, reason }
    : { kind: "undelivered", reason };
}

/** Runs `act` on the migration's record between the request's two audit records. */
async function audited(
  ports: SteeringPorts,
  request: { migrationId: string; by: Principal; comment: string },
  action: string,
  target: string,
  act: (record: MigrationRecord, at: string) => Promise<ActOutcome>,
): Promise<SteerOutcome> {
  const record = await ports.migrations.get(request.migrationId);
  if (!record) return { kind: "not-found" };
  const at = new Date(ports.clock.now()).toISOString();
  // One request, one pair of records: its own id, since the same person may ask the same thing twice.
  const requestId = globalThis.crypto.randomUUID();
  const entry = {
    migrationId: record.id,
    at,
    actor: request.by.name,
    actorId: request.by.id,
    action,
    target,
    reason: request.comment,
  };
  await ports.audit.append({
    ...entry,
    id: `request:${requestId}:intent`,
    stage: "intent",
    evidence: shownWith(record),
  });
  const outcome = await act(record, at);
  await ports.audit.append({
    ...entry,
    id: `request:${requestId}:outcome`,
    stage: "outcome",
    at: new Date(ports.clock.now()).toISOString(),
    result: describe(outcome),
    ...(outcome.kind === "done" && outcome.approvedBy && { evidence: { approvedBy: outcome.approvedBy } }),
  });
  return outcome;
}

/** What the person was shown when they asked: the phase, the wait and its evidence, the approval rules. */
function shownWith(record: MigrationRecord) {
  const { awaiting, approvalPolicy } = record;
  return {
    phase: record.phase,
    ...(awaiting && {
      awaiting: { gate: awaiting.gate, since: awaiting.since, evidence: awaiting.evidence },
    }),
    ...(approvalPolicy && { approvalPolicy }),
  };
}

/** What became of an approval recorded at a two-approver gate, as the person and the audit log read it. */
export function approvalRecorded(outcome: Extract<ActOutcome, { kind: "approval-recorded" }>): string {
  return outcome.openedBy === undefined
    ? "approval 1 of 2 recorded; the gate opens on another approver's approval"
    : `approval recorded; ${outcome.openedBy}'s answer opens the gate with it`;
}

function describe(outcome: ActOutcome): string {
  switch (outcome.kind) {
    case "done":
      return "succeeded";
    case "approval-recorded":
      return `succeeded: ${approvalRecorded(outcome)}`;
    case "refused":
      return `refused: ${outcome.reason}`;
    case "already-answered":
      return `refused: already answered by ${outcome.by} (${outcome.decision})`;
    case "undelivered":
      return `failed: not delivered (${outcome.reason})`;
  }
}
