// The migrations API: start a pool's migration (or see its plan), read migrations, and steer one (answer
// its gate, decide a stuck drain, pause, resume, roll back); what the caller may do at one, and why not. Writes need an identified caller with the
// action's role (functions/identity.ts); reads are anonymous at the Functions level like the rest of the
// read side (App Service Authentication fronts the app). Every answer says when identity is local.

import type { HttpResponseInit, InvocationContext } from "@azure/functions";
import * as df from "durable-functions";
import { migrationInstanceId } from "../orchestrations/contracts/instance-ids.ts";
import {
  type ControlEvent,
  type GateAnswerEvent,
  MIGRATION_EVENTS,
  type PoolMigrationInput,
  type StopDrainEvent,
} from "../orchestrations/contracts/pool-migration.contract.ts";
import { ORCHESTRATIONS } from "../orchestrations/contracts.ts";
import { capabilities } from "../shared/composition.ts";
import { offers } from "../shared/domain/access/gate-rules.ts";
import { ROLES, type Role } from "../shared/domain/access/principal.ts";
import {
  type GateDecision,
  type GateName,
  type MigrationRecord,
  OUTCOMES,
} from "../shared/domain/migration/migration-record.ts";
import type { GateAnswer, MigrationFilter } from "../shared/domain/ports/migrations.ts";
import { PoolRequestRefused } from "../shared/domain/ports/pool-operations.ts";
import { verifyChain } from "../shared/domain/records/audit-chain.ts";
import { audited } from "../shared/migration/audited-effect.ts";
import { nextAttempt } from "../shared/migration/migration-attempts.ts";
import {
  approvalRequestSchema,
  type Checked,
  checkBody,
  checkStartRequest,
  controlRequestSchema,
  decisionRequestSchema,
  stuckDrainDecision,
} from "../shared/migration/migration-requests.ts";
import { type PlanRequest, planMigration, UnknownPoolError } from "../shared/migration/preflight.ts";
import { resolveCluster } from "../shared/migration/resolve-cluster.ts";
import {
  answerGate,
  approvalRecorded,
  controlMigration,
  type SteeringPorts,
  type SteerOutcome,
  WorkflowEndedError,
} from "../shared/migration/steer-migration.ts";
import { apiRoute, type Call, jsonBody, writeRoute } from "./api-routes.ts";
import { jsonError, jsonOk, unknownParameters } from "./http-json.ts";
import { identifyCaller } from "./identity.ts";
import { instanceStatus, startOnce } from "./scan-starter.ts";

const FILTERS = ["cluster", "pool", "outcome"] as const;
/** An instance in one of these runs no more. */
const ENDED_WORKFLOW: readonly string[] = [
  df.OrchestrationRuntimeStatus.Completed,
  df.OrchestrationRuntimeStatus.Failed,
  df.OrchestrationRuntimeStatus.Terminated,
  df.OrchestrationRuntimeStatus.Canceled,
];
const OUTCOME_FILTERS: readonly string[] = [...OUTCOMES, "active"];

function steeringPorts(): SteeringPorts {
  const { migrations, audit, clock } = capabilities("state", "clock");
  return { migrations, audit, clock };
}

function statusUrl(id: string): string {
  return `/api/migrations/${encodeURIComponent(id)}`;
}

/**
 * The record as people read it: never the wait's nonce (it would let anyone forge an answer). `approvals`
 * are the approvals its wait has gathered under the two-approver rule.
 */
function view(record: MigrationRecord, approvals: readonly GateAnswer[] = []) {
  const { awaiting } = record;
  return {
    id: record.id,
    clusterId: record.clusterId,
    cluster: record.cluster,
    pool: record.pool,
    targetOsSku: record.targetOsSku,
    ...(record.strategy && { strategy: record.strategy }),
    ...(record.newPool && { newPool: record.newPool }),
    phase: record.phase,
    awaiting: awaiting && {
      gate: awaiting.gate,
      since: awaiting.since,
      evidence: awaiting.evidence,
      accepts: awaiting.accepts,
      role: awaiting.role,
      ...(approvals.length > 0 && {
        approvals: approvals.map((approval) => ({
          by: approval.by,
          at: approval.at,
          comment: approval.comment,
        })),
      }),
    },
    nodes: record.nodes,
    blockers: record.blockers,
    ...(record.health && { health: record.health }),
    outcome: record.outcome,
    requestedBy: { id: record.requestedBy.id, name: record.requestedBy.name },
    requestedAt: record.requestedAt,
    options: record.options,
    ...(record.approvalPolicy && { approvalPolicy: record.approvalPolicy }),
    history: record.history,
    ...(record.summary !== undefined && { summary: record.summary }),
    updatedAt: record.updatedAt,
  };
}

/** What became of a request to act, as an answer. */
function steered(outcome: SteerOutcome, id: string, done: string): HttpResponseInit {
  switch (outcome.kind) {
    case "done":
      return jsonOk({ id, statusUrl: statusUrl(id), result: done, at: outcome.at }, 202);
    case "approval-recorded":
      return jsonOk(
        {
          id,
          statusUrl: statusUrl(id),
          result: `${done}: ${approvalRecorded(outcome)}`,
          approvalsRequired: 2,
          at: outcome.at,
        },
        202,
      );
    case "not-found":
      return jsonError(404, `no migration ${id}`);
    case "refused":
      return jsonError(outcome.status, outcome.reason);
    case "already-answered":
      return jsonError(409, `already answered by ${outcome.by} (${outcome.decision})`);
    case "undelivered":
      // The claim was taken back: the person may answer again.
      return jsonError(503, "the migration could not be reached: try again", { retryable: true });
  }
}

/** How the migration's workflow ended, or undefined while it runs or when the client knows no instance. */
async function workflowEnded(context: InvocationContext, id: string): Promise<string | undefined> {
  const status = await instanceStatus(df.getClient(context), id);
  return status && ENDED_WORKFLOW.includes(status.runtimeStatus) ? status.runtimeStatus : undefined;
}

/**
 * Raises an event at the migration's workflow. One that ended would drop it unseen: the client takes the
 * extension's 410 Gone as sent.
 */
async function raiseAtMigration(
  context: InvocationContext,
  id: string,
  eventName: string,
  event: GateAnswerEvent | ControlEvent,
): Promise<void> {
  const ended = await workflowEnded(context, id);
  if (ended) throw new WorkflowEndedError(`the migration's workflow has ended (${ended})`);
  await df.getClient(context).raiseEvent(id, eventName, event);
}

/**
 * Stops the node drains under way between their rounds, so a pause or rollback is acted on now, not
 * at a drain's deadline. A drain that has ended meanwhile has nothing to stop.
 */
async function stopDrains(context: InvocationContext, drains: readonly string[], at: string): Promise<void> {
  const client = df.getClient(context);
  const stop: StopDrainEvent = { at };
  await Promise.all(
    drains.map(async (drain) => {
      try {
        await client.raiseEvent(drain, MIGRATION_EVENTS.stop, stop);
      } catch (error) {
        context.warn(`could not stop the drain ${drain}: ${(error as Error).message}`);
      }
    }),
  );
}

function raiseAnswer(context: InvocationContext, answer: GateAnswer): Promise<void> {
  const { migrationId, ...event } = answer;
  return raiseAtMigration(context, migrationId, MIGRATION_EVENTS.answer, event satisfies GateAnswerEvent);
}

/** Starts (or, with `plan`, only plans) the migration of a pool. */
async function requestMigration({ request, context, caller }: Call, plan: boolean) {
  const checked = await jsonBody(request, checkStartRequest);
  if ("refusal" in checked) return checked.refusal;
  const { cluster, pool, targetOsSku, options } = checked.value;
  const { inventory, clock } = capabilities("state", "clock");
  const resolved = await resolveCluster(inventory, cluster, pool);
  if (resolved.kind === "unknown") return jsonError(404, resolved.reason);
  if (resolved.kind === "ambiguous") {
    return jsonError(409, resolved.reason, { clusterIds: resolved.clusterIds });
  }
  if (plan) {
    return planOrRefusal({
      clusterId: resolved.clusterId,
      pool,
      targetOsSku,
      options,
      now: new Date(clock.now()).toISOString(),
    });
  }
  const attempt = await nextAttempt(capabilities("state").migrations, resolved.clusterId, pool, (id) =>
    workflowEnded(context, id),
  );
  if (attempt.kind === "active") {
    return jsonError(409, `pool ${pool} is being migrated: see ${statusUrl(attempt.id)}`, {
      id: attempt.id,
      statusUrl: statusUrl(attempt.id),
    });
  }
  const id = migrationInstanceId(resolved.clusterId, pool, attempt.attempt);
  const input: PoolMigrationInput = {
    migrationId: id,
    clusterId: resolved.clusterId,
    pool,
    targetOsSku,
    requestedBy: caller,
    requestedAt: new Date(clock.now()).toISOString(),
    options,
  };
  const start = await audited(
    capabilities("state", "clock"),
    {
      migrationId: id,
      // One request, one pair of records: the same person may ask again once this attempt ends.
      step: `request:${globalThis.crypto.randomUUID()}`,
      actor: caller.name,
      actorId: caller.id,
      reason: `migrate ${pool} to ${targetOsSku}`,
      action: "request-migration",
      target: `${cluster}/${pool}`,
      evidence: { clusterId: resolved.clusterId, options },
    },
    () => startOnce(df.getClient(context), ORCHESTRATIONS.poolMigration, id, input),
    (started) =>
      started.kind === "started" ? "succeeded" : `refused: the migration exists (${started.runtimeStatus})`,
  );
  if (start.kind === "exists") {
    return jsonError(
      409,
      `pool ${pool} already has migration ${id} (${start.runtimeStatus}): see ${statusUrl(id)}`,
      { id, statusUrl: statusUrl(id) },
    );
  }
  const notes = attempt.endedWithoutOutcome.map(
    (ended) =>
      `migration ${ended.id}'s workflow ended (${ended.workflow}) without recording an outcome: this is attempt ${attempt.attempt}`,
  );
  return {
    ...jsonOk({ id, statusUrl: statusUrl(id), ...(notes.length > 0 && { notes }) }, 202),
    headers: { Location: statusUrl(id) },
  };
}

/** ARM's refusals the plan answers with ARM's own status: the request, its permissions, or the cluster's state. */
const PASSED_THROUGH: readonly number[] = [400, 403, 404, 409];

/** The preflight's plan; a pool or cluster ARM does not know is a 404, a refusal ARM gives its status. */
async function planOrRefusal(request: PlanRequest): Promise<HttpResponseInit> {
  try {
    return jsonOk(
      await planMigration(capabilities("pools", "kube", "prices", "accessSettings", "state"), request),
    );
  } catch (error) {
    if (error instanceof UnknownPoolError) return jsonError(404, error.message);
    if (error instanceof PoolRequestRefused) {
      const status = PASSED_THROUGH.includes(error.status) ? error.status : 502;
      return jsonError(status, `ARM answered ${error.status} ${error.code}: ${error.message}`);
    }
    if (error instanceof Error && UNREACHABLE.includes(error.name)) {
      return {
        ...jsonError(503, `ARM could not be reached to plan: ${error.message.split("\n")[0]}`, {
          retryable: true,
        }),
        headers: { "Retry-After": "30" },
      };
    }
    throw error;
  }
}

/** The Azure SDK's errors for a token it could not get and a request it could not send. */
const UNREACHABLE: readonly string[] = [
  "AggregateAuthenticationError",
  "CredentialUnavailableError",
  "AuthenticationError",
  "RestError",
];

writeRoute("start-migration", "migrations", ROLES.operator, (call) => requestMigration(call, false));

writeRoute("migration-plan", "migrations/plan", ROLES.operator, (call) => requestMigration(call, true));

apiRoute("migrations", "GET", "migrations", async (request) => {
  const unknown = unknownParameters(request.query, FILTERS);
  if (unknown) return unknown;
  const outcome = request.query.get("outcome") ?? undefined;
  if (outcome !== undefined && !OUTCOME_FILTERS.includes(outcome)) {
    return jsonError(400, `outcome "${outcome}" is not one of ${OUTCOME_FILTERS.join(", ")}`);
  }
  const filter: MigrationFilter = {
    ...(request.query.get("cluster") && { cluster: request.query.get("cluster") as string }),
    ...(request.query.get("pool") && { pool: request.query.get("pool") as string }),
    ...(outcome && { outcome: outcome as MigrationFilter["outcome"] }),
  };
  const { migrations } = capabilities("state");
  const records = await migrations.list(filter);
  return jsonOk({ count: records.length, migrations: records.map((record) => view(record)) });
});

apiRoute("migration", "GET", "migrations/{id}", async (request) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const id = request.params.id as string;
  const { migrations } = capabilities("state");
  const record = await migrations.get(id);
  if (!record) return jsonError(404, `no migration ${id}`);
  const approvals = record.awaiting ? await migrations.approvals(id, record.awaiting.nonce) : [];
  return jsonOk(view(record, approvals));
});

apiRoute("migration-audit", "GET", "migrations/{id}/audit", async (request) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const id = request.params.id as string;
  const { migrations, audit } = capabilities("state");
  if (!(await migrations.get(id))) return jsonError(404, `no migration ${id}`);
  // The head first: a record appended meanwhile is then one more, not a missing one.
  const head = (await audit.head(id)) ?? null;
  const records = await audit.list(id);
  return jsonOk({ id, count: records.length, verification: verifyChain(records, head), records });
});

apiRoute("migration-offers", "GET", "migrations/{id}/offers", async (request, context) => {
  const unknown = unknownParameters(request.query, []);
  if (unknown) return unknown;
  const identified = await identifyCaller(request, context);
  if ("refusal" in identified) return identified.refusal;
  const id = request.params.id as string;
  const { migrations } = capabilities("state");
  const record = await migrations.get(id);
  if (!record) return jsonError(404, `no migration ${id}`);
  const approvals = record.awaiting ? await migrations.approvals(id, record.awaiting.nonce) : [];
  const { principal } = identified;
  const approvedBy = approvals.map((approval) => approval.byId);
  return jsonOk({ id, by: principal.name, ...offers(record, principal, approvedBy) });
});

/** A route that answers the migration's wait: `answerOf` turns the checked body into the answer. */
function gateRoute<T extends { comment: string }>(
  name: string,
  route: string,
  role: Role,
  check: (value: unknown) => Checked<T>,
  answerOf: (value: T) => { gate: GateName; answer: GateDecision },
): void {
  writeRoute(name, `migrations/{id}/${route}`, role, async ({ request, context, caller }) => {
    const checked = await jsonBody(request, check);
    if ("refusal" in checked) return checked.refusal;
    const id = request.params.id as string;
    const { gate, answer } = answerOf(checked.value);
    const outcome = await answerGate(
      steeringPorts(),
      { migrationId: id, gate, answer, by: caller, comment: checked.value.comment },
      (claimed) => raiseAnswer(context, claimed),
    );
    return steered(outcome, id, `gate ${gate}: ${answer.decision}`);
  });
}

gateRoute(
  "approve-migration",
  "approvals",
  ROLES.approver,
  (value) => checkBody(approvalRequestSchema, value),
  ({ gate, decision }) => ({ gate, answer: { decision } }),
);

gateRoute(
  "decide-migration",
  "decisions",
  ROLES.approver,
  (value) => checkBody(decisionRequestSchema, value),
  (value) => ({ gate: "decision", answer: stuckDrainDecision(value) }),
);

gateRoute(
  "resume-migration",
  "resume",
  ROLES.operator,
  (value) => checkBody(controlRequestSchema, value),
  () => ({ gate: "paused", answer: { decision: "resume" } }),
);

for (const action of ["pause", "rollback"] as const) {
  writeRoute(`${action}-migration`, `migrations/{id}/${action}`, ROLES.operator, async (call) => {
    const checked = await jsonBody(call.request, (value) => checkBody(controlRequestSchema, value));
    if ("refusal" in checked) return checked.refusal;
    const id = call.request.params.id as string;
    const { comment } = checked.value;
    const outcome = await controlMigration(
      steeringPorts(),
      { migrationId: id, action, by: call.caller, comment },
      async (at, record) => {
        const event: ControlEvent = { action, by: call.caller.name, reason: comment, at };
        await raiseAtMigration(call.context, id, MIGRATION_EVENTS.control, event);
        await stopDrains(call.context, record.draining ?? [], at);
      },
    );
    return steered(outcome, id, action);
  });
}
