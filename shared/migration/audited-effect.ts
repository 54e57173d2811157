// Nothing touches a cluster without an audit record: the intent is appended before the effect is
// attempted (if that append fails, the effect does not happen) and the outcome after. Record ids come
// from the migration and the step, so an activity that runs again appends nothing new; effects themselves
// are idempotent (a taint already there, a pool already created, a pod already gone). A failed attempt
// is recorded as such, apart from the outcome of the attempt that succeeds.

import type { RetryClock } from "../domain/ports/clock.ts";
import type { AuditRepository } from "../domain/ports/migrations.ts";

export interface AuditedAct {
  migrationId: string;
  step: string;
  actor: string;
  /** The person's stable id, when a person acts. */
  actorId?: string;
  reason: string;
  /** "create-pool", "taint-node", "evict-pod", ... */
  action: string;
  target: string;
  evidence?: unknown;
}

export async function audited<T>(
  { audit, clock }: { audit: AuditRepository; clock: RetryClock },
  act: AuditedAct,
  effect: () => Promise<T>,
  describe: (result: T) => string,
): Promise<T> {
  const now = () => new Date(clock.now()).toISOString();
  const { migrationId, step, actor, reason, action, target } = act;
  const base = { migrationId, actor, ...(act.actorId && { actorId: act.actorId }), action, target, reason };
  await audit.append({
    ...base,
    id: `${migrationId}:${step}:intent`,
    stage: "intent",
    at: now(),
    ...(act.evidence === undefined ? {} : { evidence: act.evidence }),
  });
  let result: T;
  try {
    result = await effect();
  } catch (error) {
    // Each failed attempt is its own record: the activity may be retried and then succeed.
    const at = now();
    await audit.append({
      ...base,
      id: `${migrationId}:${step}:failed:${at}`,
      stage: "outcome",
      at,
      result: `failed: ${error instanceof Error ? error.message : String(error)}`,
    });
    throw error;
  }
  await audit.append({
    ...base,
    id: `${migrationId}:${step}:outcome`,
    stage: "outcome",
    at: now(),
    result: describe(result),
  });
  return result;
}
