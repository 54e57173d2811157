// Who may answer a migration's wait, and with what: the checks a request passes before its answer is
// claimed. A migration that ended, a wait for another gate, a decision the wait does not accept or a pod
// its evidence does not list is a conflict with the migration's state (409); a person who may not answer
// is forbidden (403), each refusal naming the rule: the requester's own gate, the role, the cluster's
// approver groups. An approval gate under the two-approver rule opens on the second distinct approver.

import { type StuckReason, stuckPodDecisions } from "../migration/drain-progress.ts";
import {
  type GateDecision,
  type GateName,
  isPodDecision,
  type MigrationRecord,
  type PodDecision,
  type PodName,
} from "../migration/migration-record.ts";
import { groupRefusal } from "./approval-policy.ts";
import { type Principal, ROLES, type Role } from "./principal.ts";

export interface AnswerRequest {
  gate: GateName;
  answer: GateDecision;
  by: Principal;
}

export interface Refusal {
  status: 403 | 409;
  reason: string;
}

/** Why the migration cannot take a request to act now, or undefined when it can. */
export function endedRefusal(record: MigrationRecord): Refusal | undefined {
  if (record.outcome === null) return undefined;
  return { status: 409, reason: `migration ${record.id} has ended (${record.outcome}): nothing to act on` };
}

/** Why `request` may not answer the migration's wait, or undefined when it may. */
export function answerRefusal(record: MigrationRecord, request: AnswerRequest): Refusal | undefined {
  const ended = endedRefusal(record);
  if (ended) return ended;
  const { awaiting } = record;
  if (awaiting === null) {
    return { status: 409, reason: `migration ${record.id} awaits no answer now (phase ${record.phase})` };
  }
  if (awaiting.gate !== request.gate) {
    return {
      status: 409,
      reason: `migration ${record.id} awaits gate "${awaiting.gate}", not "${request.gate}"`,
    };
  }
  const { answer } = request;
  if (!awaiting.accepts.includes(answer.decision)) {
    return {
      status: 409,
      reason: `gate "${awaiting.gate}" accepts ${awaiting.accepts.join(", ")}, not ${answer.decision}`,
    };
  }
  if ("pod" in answer) {
    const refusal = podRefusal(awaiting.evidence, answer.decision, answer.pod);
    if (refusal) return refusal;
  }
  // Resuming a pause is the operator's own business, the requester's too whatever the wait's notBy says;
  // every other gate is someone else's check.
  const excluded = request.by.id === record.requestedBy.id || request.by.id === awaiting.notBy;
  if (request.gate !== "paused" && excluded) {
    return {
      status: 403,
      reason: `rule "not the requester": ${request.by.name} requested this migration, so someone else must answer its gate "${awaiting.gate}"`,
    };
  }
  if (!(request.by.roles as string[]).includes(awaiting.role)) {
    return {
      status: 403,
      reason: `rule "role": gate "${awaiting.gate}" is answered by the role ${awaiting.role}`,
    };
  }
  if (awaiting.role === ROLES.approver && request.by.application) {
    return {
      status: 403,
      reason: `rule "people approve": ${request.by.name} is an application, not a person`,
    };
  }
  if (awaiting.role === ROLES.approver && record.approvalPolicy) {
    const refused = groupRefusal(record.approvalPolicy, request.by.name, request.by.groups);
    if (refused) return { status: 403, reason: refused };
  }
  return undefined;
}

/** True when this answer is one of the two approvals the migration's policy asks for at its gate. */
export function needsTwoApprovals(record: MigrationRecord, gate: GateName, answer: GateDecision): boolean {
  return answer.decision === "approve" && gate !== "paused" && record.approvalPolicy?.approvalsRequired === 2;
}

/**
 * A pod decision names one of the stuck pods the wait's evidence lists that takes it (only one stuck
 * Terminating is force-deleted, and a plain delete would leave it so), or it is refused naming those.
 */
function podRefusal(evidence: unknown, decision: PodDecision, pod: PodName): Refusal | undefined {
  const listed = stuckPods(evidence);
  const named = listed.find((p) => p.namespace === pod.namespace && p.name === pod.name);
  if (named && takes(decision)(named)) return undefined;
  const may = listed.filter(takes(decision)).map((p) => `${p.namespace}/${p.name}`);
  const why =
    named?.reason === undefined
      ? `${pod.namespace}/${pod.name} is not a stuck pod of this wait`
      : `${pod.namespace}/${pod.name} is stuck ${named.reason}, which takes ${stuckPodDecisions(named.reason).join(" or ")}`;
  return {
    status: 409,
    reason: `${why}: ${decision} may name ${may.length === 0 ? "no pod" : may.join(", ")}`,
  };
}

type StuckEntry = PodName & { reason?: StuckReason };

/** Whether a stuck pod takes `decision`; one listed without its reason takes any. */
function takes(decision: PodDecision): (pod: StuckEntry) => boolean {
  return (pod) => pod.reason === undefined || stuckPodDecisions(pod.reason).includes(decision);
}

/** The pods a stuck drain's evidence lists ({stuck: [{pod: {namespace, name}, reason}]}); none in any other. */
function stuckPods(evidence: unknown): StuckEntry[] {
  const stuck = (evidence as { stuck?: unknown } | null | undefined)?.stuck;
  if (!Array.isArray(stuck)) return [];
  return stuck.flatMap((entry) => {
    const { pod, reason } = (entry as { pod?: Partial<PodName>; reason?: StuckReason } | null) ?? {};
    return typeof pod?.namespace === "string" && typeof pod.name === "string"
      ? [{ namespace: pod.namespace, name: pod.name, ...(typeof reason === "string" && { reason }) }]
      : [];
  });
}

/** Why `by` may not call a route that needs `role`, or undefined when they hold it (the API's 403). */
export function roleRefusal(by: Principal, role: Role): string | undefined {
  return by.roles.includes(role) ? undefined : `${by.name} does not hold the role ${role} this action needs`;
}

/** An answer to the migration's wait, or an operator's pause or rollback, that a person may give or not. */
export type Offer<A extends string> =
  | { action: A; allowed: true }
  | { action: A; allowed: false; reason: string };

export interface Offers {
  /** One per decision the wait accepts (none while nothing waits). */
  answers: Offer<GateDecision["decision"]>[];
  controls: Offer<"pause" | "rollback">[];
}

/**
 * What `by` may do at the migration now, each refused action with the reason the API gives, checked in
 * its order: the route's role (resume, pause and rollback are operators', every other answer approvers'),
 * then the wait's rules; `approvedBy` are the ids of approvals already gathered at the wait. The API
 * enforces; this lets a page explain a button it does not offer.
 */
export function offers(record: MigrationRecord, by: Principal, approvedBy: readonly string[] = []): Offers {
  const offer = <A extends string>(action: A, role: Role, refusal: () => string | undefined): Offer<A> =>
    offerOf(action, roleRefusal(by, role) ?? refusal());
  const { awaiting } = record;
  const answers = (awaiting?.accepts ?? []).map((decision) =>
    offer(decision, awaiting?.gate === "paused" ? ROLES.operator : ROLES.approver, () => {
      const gate = (awaiting as NonNullable<typeof awaiting>).gate;
      const answer = answerOf(decision, awaiting?.evidence);
      const refused = answerRefusal(record, { gate, answer, by })?.reason;
      if (refused || !needsTwoApprovals(record, gate, answer) || !approvedBy.includes(by.id)) return refused;
      return twoApproversRefusal(by.name, gate);
    }),
  );
  const controls = (["pause", "rollback"] as const).map((action) =>
    offer(action, ROLES.operator, () => endedRefusal(record)?.reason),
  );
  return { answers, controls };
}

/** The action offered, or refused for `reason`. */
export function offerOf<A extends string>(action: A, reason: string | undefined): Offer<A> {
  return reason === undefined ? { action, allowed: true } : { action, allowed: false, reason };
}

/** The refusal of a second approval by the same person under the two-approver rule. */
export function twoApproversRefusal(name: string, gate: GateName): string {
  return `rule "two approvers": ${name} has approved gate "${gate}" already; it opens on another approver's approval`;
}

/** A decision as the API takes it; a pod decision names the first stuck pod that takes it, else the first. */
function answerOf(decision: GateDecision["decision"], evidence: unknown): GateDecision {
  if (!isPodDecision(decision)) return { decision } as GateDecision;
  const listed = stuckPods(evidence);
  const { namespace = "", name = "" } = listed.find(takes(decision)) ?? listed[0] ?? {};
  return { decision, pod: { namespace, name } };
}
