// Who may answer a migration's wait, and with what: the checks a request passes before its answer is
// claimed. A migration that ended, a wait for another gate, or a decision the wait does not accept is a
// conflict with the migration's state (409); a person who may not answer is forbidden (403).

import type { GateDecision, GateName, MigrationRecord } from "../migration/migration-record.ts";
import type { Principal } from "./principal.ts";

export interface AnswerRequest {
  gate: GateName;
  decision: GateDecision["decision"];
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
  if (!awaiting.accepts.includes(request.decision)) {
    return {
      status: 409,
      reason: `gate "${awaiting.gate}" accepts ${awaiting.accepts.join(", ")}, not ${request.decision}`,
    };
  }
  // Resuming a pause is the operator's own business; every other gate is someone else's check.
  const requester = request.gate !== "paused" && request.by.id === record.requestedBy.id;
  if (requester || request.by.id === awaiting.notBy) {
    return {
      status: 403,
      reason: `${request.by.name} requested this migration: someone else must answer its gate "${awaiting.gate}"`,
    };
  }
  if (!(request.by.roles as string[]).includes(awaiting.role)) {
    return { status: 403, reason: `gate "${awaiting.gate}" is answered by the role ${awaiting.role}` };
  }
  return undefined;
}
