// The rollouts API: start a fleet rollout from a policy (planned from the latest inventory, as POST
// /api/rollouts/plan answers it), read rollouts with their progress, spend and slack (and what the caller
// may answer at one, each refusal with the reason the answer would get), and steer one: an
// operator resumes (with a note kept as a lesson), skips or retries at a stopped line; an approver who is
// not the requester opens a wave's gate. The rollout's own instance id comes from the request, so the
// same start twice is refused (409). Every request is audited under the rollout's id.

import type { InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { z } from "zod";
import {
  type FleetRolloutInput,
  ROLLOUT_EVENTS,
  type RolloutAnswerEvent,
} from "../orchestrations/contracts/fleet-rollout.contract.ts";
import { rolloutInstanceId } from "../orchestrations/contracts/instance-ids.ts";
import { ORCHESTRATIONS } from "../orchestrations/contracts.ts";
import { capabilities } from "../shared/composition.ts";
import { ROLES } from "../shared/domain/access/principal.ts";
import { utcDayOf } from "../shared/domain/lifecycle/calendar-date.ts";
import { verifyChain } from "../shared/domain/records/audit-chain.ts";
import {
  answerRefusal,
  DEFAULT_ROLLOUT_OPTIONS,
  ROLLOUT_DECISION_ROLES,
  ROLLOUT_STATUSES,
  type RolloutDecision,
  type RolloutRecord,
  type RolloutStatus,
  rolloutOffers,
  rolloutSpend,
} from "../shared/domain/rollout/rollout-record.ts";
import { canonicalJson } from "../shared/domain/support/canonical-json.ts";
import { describeIssues } from "../shared/formats/schema-problems.ts";
import { audited } from "../shared/migration/audited-effect.ts";
import { type Checked, checkBody } from "../shared/migration/migration-requests.ts";
import { planFleetRollout } from "../shared/rollout/plan-rollout.ts";
import { apiRoute, jsonBody, writeRoute } from "./api-routes.ts";
import { jsonError, jsonOk, unknownParameters } from "./http-json.ts";
import { identifyCaller } from "./identity.ts";
import { checkPlanRequest, type PlanRequest } from "./rollout-plan.http.ts";
import { instanceStatus, startOnce } from "./scan-starter.ts";

const rolloutOptionsSchema = z.strictObject({
  failureThreshold: z
    .number()
    .int()
    .min(0)
    .max(1000)
    .describe("pools of a wave that may end rejected or expired before the line stops")
    .default(DEFAULT_ROLLOUT_OPTIONS.failureThreshold),
  waveGate: z
    .boolean()
    .describe("each wave waits for an approver before it starts")
    .default(DEFAULT_ROLLOUT_OPTIONS.waveGate),
});

interface StartRequest extends PlanRequest {
  rollout: z.output<typeof rolloutOptionsSchema>;
  /** With the planning day, what makes the instance id: the request as sent, `rollout` defaults filled in. */
  key: string;
}

/** The plan request's body (policy and `now`) with the rollout's own options under `rollout`. */
function checkStartRequest(value: unknown): Checked<StartRequest> {
  const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
  const { rollout = {}, ...plan } = isObject ? (value as Record<string, unknown>) : {};
  const options = rolloutOptionsSchema.safeParse(rollout);
  const planned = checkPlanRequest(isObject ? plan : value);
  const problems = [
    ...(options.success ? [] : describeIssues(options.error, rollout, ["rollout"])),
    ...("problems" in planned ? planned.problems : []),
  ];
  if (problems.length > 0 || !options.success || "problems" in planned) return { problems };
  return {
    value: {
      ...planned.value,
      rollout: options.data,
      key: canonicalJson({ ...plan, rollout: options.data }),
    },
  };
}

const noteSchema = z.strictObject({
  note: z.string().max(2000).describe("what was learned, or why").default(""),
});
const RESUME_NOTE = "a resume keeps a note of what was learned";
const resumeSchema = z.strictObject({
  note: z
    .string({ error: RESUME_NOTE })
    .trim()
    .min(1, RESUME_NOTE)
    .max(2000, "must be at most 2000 characters"),
});

function statusUrl(id: string): string {
  return `/api/rollouts/${encodeURIComponent(id)}`;
}

/** The record as people read it: never the wait's nonce (it would let anyone forge an answer). */
function view(record: RolloutRecord, detail: boolean) {
  const { awaiting } = record;
  return {
    id: record.id,
    status: record.status,
    requestedBy: { id: record.requestedBy.id, name: record.requestedBy.name },
    requestedAt: record.requestedAt,
    options: record.options,
    awaiting: awaiting && {
      kind: awaiting.kind,
      wave: awaiting.wave,
      since: awaiting.since,
      reason: awaiting.reason,
      ...(awaiting.pool && { pool: awaiting.pool }),
      accepts: awaiting.accepts,
      role: awaiting.role,
    },
    waves: record.waves,
    spend: { currency: record.plan.currency, ...rolloutSpend(record) },
    lessons: record.lessons,
    skippedClusters: record.skippedClusters,
    newPools: record.newPools,
    ...(detail && { plan: record.plan, history: record.history }),
    updatedAt: record.updatedAt,
  };
}

writeRoute("start-rollout", "rollouts", ROLES.operator, async ({ request, context, caller }) => {
  const checked = await jsonBody(request, checkStartRequest);
  if ("refusal" in checked) return checked.refusal;
  const { policy, rollout, key } = checked.value;
  const state = capabilities("state", "clock", "prices");
  const now = checked.value.now ?? new Date(state.clock.now());
  const planned = await planFleetRollout(state, policy, now);
  if (planned.kind === "no-inventory") return jsonError(409, planned.reason);
  const { plan } = planned;
  if (plan.waves.length === 0) {
    return jsonError(422, "the plan moves no pool: no pool of the inventory matches the policy", {
      unplanned: plan.unplanned,
    });
  }
  // The planning day is part of what was asked: the same policy next month is a new rollout.
  const id = rolloutInstanceId(`${utcDayOf(now)}|${key}`);
  const input: FleetRolloutInput = {
    rolloutId: id,
    plan,
    options: { ...rollout, maxPoolsInFlight: policy.maxPoolsInFlight },
    requestedBy: caller,
    requestedAt: new Date(state.clock.now()).toISOString(),
  };
  const migrations = plan.waves.reduce((count, wave) => count + wave.migrations.length, 0);
  const start = await audited(
    state,
    {
      migrationId: id,
      step: `request:${globalThis.crypto.randomUUID()}`,
      actor: caller.name,
      actorId: caller.id,
      reason: `roll out ${migrations} pool migrations in ${plan.waves.length} waves`,
      action: "request-rollout",
      target: id,
      evidence: { policy, options: input.options },
    },
    () => startOnce(df.getClient(context), ORCHESTRATIONS.fleetRollout, id, input),
    (started) =>
      started.kind === "started" ? "succeeded" : `refused: the rollout exists (${started.runtimeStatus})`,
  );
  if (start.kind === "exists") {
    return jsonError(409, `this rollout was started already (${start.runtimeStatus}): see ${statusUrl(id)}`, {
      id,
      statusUrl: statusUrl(id),
    });
  }
  return {
    ...jsonOk({ id, statusUrl: statusUrl(id), waves: plan.waves.length, migrations }, 202),
    headers: { Location: statusUrl(id) },
  };
});

apiRoute("rollouts", "GET", "rollouts", async (request) => {
  const unknown = unknownParameters(request.query, ["status"]);
  if (unknown) return unknown;
  const status = request.query.get("status") ?? undefined;
  if (status !== undefined && !(ROLLOUT_STATUSES as readonly string[]).includes(status)) {
    return jsonError(400, `status "${status}" is not one of ${ROLLOUT_STATUSES.join(", ")}`);
  }
  const records = await capabilities("state").rollouts.list(
    status === undefined ? {} : { status: status as RolloutStatus },
  );
  return jsonOk({ count: records.length, rollouts: records.map((record) => view(record, false)) });
});

apiRoute("rollout", "GET", "rollouts/{id}", async (request) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const id = request.params.id as string;
  const { rollouts, clock } = capabilities("state", "clock");
  const record = await rollouts.get(id);
  if (!record) return jsonError(404, `no rollout ${id}`);
  // The service's time: what a page measures days left and a running wave against (the clock may be virtual).
  return jsonOk({ ...view(record, true), asOf: new Date(clock.now()).toISOString() });
});

apiRoute("rollout-audit", "GET", "rollouts/{id}/audit", async (request) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const id = request.params.id as string;
  const { rollouts, audit } = capabilities("state");
  if (!(await rollouts.get(id))) return jsonError(404, `no rollout ${id}`);
  const head = (await audit.head(id)) ?? null;
  const records = await audit.list(id);
  return jsonOk({ id, count: records.length, verification: verifyChain(records, head), records });
});

apiRoute("rollout-offers", "GET", "rollouts/{id}/offers", async (request, context) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const identified = await identifyCaller(request, context);
  if ("refusal" in identified) return identified.refusal;
  const id = request.params.id as string;
  const record = await capabilities("state").rollouts.get(id);
  if (!record) return jsonError(404, `no rollout ${id}`);
  const { principal } = identified;
  return jsonOk({ id, by: principal.name, answers: rolloutOffers(record, principal) });
});

/** Raises the answer at the rollout's workflow, unless it ended (it would drop it unseen). */
async function raiseAnswer(
  context: InvocationContext,
  id: string,
  event: RolloutAnswerEvent,
): Promise<string> {
  const status = await instanceStatus(df.getClient(context), id);
  if (!status || status.runtimeStatus !== df.OrchestrationRuntimeStatus.Running) {
    return `refused: the rollout's workflow is ${status?.runtimeStatus ?? "unknown"}`;
  }
  await df.getClient(context).raiseEvent(id, ROLLOUT_EVENTS.answer, event);
  return "succeeded";
}

function answerRoute(
  decision: RolloutDecision,
  checkNote: (value: unknown) => Checked<{ note: string }>,
): void {
  writeRoute(
    `${decision}-rollout`,
    `rollouts/{id}/${decision}`,
    ROLLOUT_DECISION_ROLES[decision],
    async ({ request, context, caller }) => {
      const checked = await jsonBody(request, checkNote);
      if ("refusal" in checked) return checked.refusal;
      const id = request.params.id as string;
      const state = capabilities("state", "clock");
      const record = await state.rollouts.get(id);
      if (!record) return jsonError(404, `no rollout ${id}`);
      const refusal = answerRefusal(record, decision, caller);
      if (refusal) return jsonError(refusal.status, refusal.reason);
      const awaiting = record.awaiting as NonNullable<RolloutRecord["awaiting"]>;
      const at = new Date(state.clock.now()).toISOString();
      const event: RolloutAnswerEvent = {
        nonce: awaiting.nonce,
        decision,
        note: checked.value.note,
        by: caller.name,
        byId: caller.id,
        at,
      };
      const result = await audited(
        state,
        {
          migrationId: id,
          step: `answer:${awaiting.nonce}:${globalThis.crypto.randomUUID()}`,
          actor: caller.name,
          actorId: caller.id,
          reason: checked.value.note,
          action: `${decision}-rollout`,
          target: awaiting.pool
            ? `${awaiting.pool.clusterId}/${awaiting.pool.pool}`
            : `wave ${awaiting.wave}`,
        },
        () => raiseAnswer(context, id, event),
        (outcome) => outcome,
      );
      if (result !== "succeeded") return jsonError(409, result);
      return jsonOk({ id, statusUrl: statusUrl(id), result: `${awaiting.kind}: ${decision}`, at }, 202);
    },
  );
}

const withNote = (value: unknown) => checkBody(noteSchema, value);
answerRoute("resume", (value) => checkBody(resumeSchema, value));
answerRoute("skip", withNote);
answerRoute("retry", withNote);
answerRoute("approve", withNote);
