// The migrations API's write side under generated bad input, in the embedded host with its state in a SQLite
// file the test seeds through the product's repositories: every request ends in a 4xx with a reason or the
// documented success, never a 5xx; an answer to a wait is taken once however often or however
// concurrently it is sent; and every request that reached a migration left its intent and outcome in an
// audit chain that still verifies. fast-check prints the seed and the shrunk case of a failure.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHost } from "../../local/host/host.ts";
import { MIGRATION_EVENTS } from "../../orchestrations/contracts/pool-migration.contract.ts";
import { approvalPolicyOf } from "../../shared/domain/access/approval-policy.ts";
import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { ROLES, type Role } from "../../shared/domain/access/principal.ts";
import { MANAGED_CLUSTER_ID } from "../../shared/domain/fleet/model.ts";
import {
  type Awaiting,
  GATES,
  type MigrationRecord,
} from "../../shared/domain/migration/migration-record.ts";
import type { ChainedAuditRecord } from "../../shared/domain/ports/migrations.ts";
import { verifyChain } from "../../shared/domain/records/audit-chain.ts";
import { aMigrationRecord, aStuckPod, PROD_EUS } from "../support/migration-fixtures.ts";
import { type MigrationsApp, startMigrationsApp } from "./migrations-app-host.ts";

const BODY_LIMIT = 64 * 1024;
const TWO_APPROVERS = approvalPolicyOf({ "lifecycle-approvals": "2" }, []);

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

/** The fixtures' requester: named olga, known by this id. */
const REQUESTER_ID = "0c6f-operator";

let app: MigrationsApp;
let host: RunningHost;
let state: MigrationsApp["state"];
let seeded = 0;

beforeAll(async () => {
  app = await startMigrationsApp("error", { AUTH_MODE: "local" });
  ({ host, state } = app);
});

afterAll(() => app?.stop());

// --- who asks -------------------------------------------------------------------------------------------

/** Who a request claims to be, and what the API must make of that before it reads the body. */
type Identity =
  | { kind: "anonymous" | "garbled" | "relayed"; headers: Record<string, string> }
  | { kind: "wrong-role"; headers: Record<string, string> }
  | { kind: "holder" | "requester"; name: string; headers: Record<string, string> };

const principalHeader = (json: string) => ({
  "x-ms-client-principal": Buffer.from(json).toString("base64"),
});

/** Names as people have them: any text, but not the requester's id (a local principal's id is its name). */
const personName = fc
  .oneof(fc.constantFrom("ana@contoso.com", "ben@contoso.com"), fc.string({ unit: "grapheme", minLength: 1 }))
  .filter((name) => name !== REQUESTER_ID);

/** Header values a client can send (visible ASCII) that are not a principal: not base64, or not one encoded. */
const garbledHeader = fc.oneof(
  fc.stringMatching(/^[!-~]{0,60}$/).filter((value) => !/^[A-Za-z0-9+/]+={0,2}$/.test(value)),
  fc.oneof(fc.string({ minLength: 1 }), fc.json()).map((text) => Buffer.from(text).toString("base64")),
);

function identity(role: Role): fc.Arbitrary<Identity> {
  const otherRoles = Object.values(ROLES).filter((other) => other !== role);
  return fc.oneof(
    fc.constant<Identity>({ kind: "anonymous", headers: {} }),
    garbledHeader.map(
      (value): Identity => ({ kind: "garbled", headers: { "x-ms-client-principal": value } }),
    ),
    fc.tuple(personName, fc.subarray(otherRoles)).map(
      ([name, roles]): Identity => ({
        kind: "wrong-role",
        headers: principalHeader(localClientPrincipal(name, roles)),
      }),
    ),
    { weight: 4, arbitrary: personName.map((name): Identity => holder(name, role)) },
    // A proxy relaying someone from elsewhere: local mode trusts this machine only.
    personName.map(
      (name): Identity => ({
        kind: "relayed",
        headers: { ...holder(name, role).headers, "x-forwarded-for": "203.0.113.7" },
      }),
    ),
    fc.constant<Identity>({
      kind: "requester",
      name: "olga@contoso.com",
      headers: principalHeader(
        JSON.stringify({
          auth_typ: "aad",
          name_typ: "name",
          role_typ: "roles",
          claims: [
            { typ: "oid", val: REQUESTER_ID },
            { typ: "name", val: "olga@contoso.com" },
            { typ: "roles", val: role },
          ],
        }),
      ),
    }),
  );
}

function holder(name: string, role: Role): Identity {
  return { kind: "holder", name, headers: principalHeader(localClientPrincipal(name, [role])) };
}

// --- what they send -------------------------------------------------------------------------------------

/**
 * A body as sent: `value` is what a valid one carries (undefined for an empty body); one whose options
 * are generated freely may be valid or not ("maybe").
 */
type Body = { valid: true; text: string; value: Json } | { valid: false | "maybe"; text: string };

const sent = (value: Json): Body => ({
  valid: true,
  text: value === undefined ? "" : JSON.stringify(value),
  value,
});
const refused = (text: string): Body => ({ valid: false, text });

/** Text people put in comments: any unicode, control characters, lone surrogates, bidi marks, up to the limit. */
const comment = fc.oneof(
  // At most 2000 UTF-16 units however long each grapheme is.
  fc.string({ unit: "grapheme", maxLength: 100 }),
  fc.string({
    unit: fc.oneof(
      fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
      fc.constantFrom("\u007f", "\u2028", "\u202e", "\ufeff", "\ud800", "\udfff", "\u0000", '"', "\\"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
    ),
    maxLength: 200,
  }),
  fc.string({ minLength: 1990, maxLength: 2000 }),
);

const tooLongComment = fc.string({ minLength: 2001, maxLength: 4000 });

/** Text that is not JSON, nor empty (an empty body is an empty request). */
const notJson = fc
  .oneof(
    fc.constantFrom("{", '{"gate":', "{'gate':'start'}", "[1,]", "nul", '{"a":1}}', "\u0000", "\ufeff{"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 100 }),
  )
  .filter((text) => text.trim() !== "" && !parses(text));

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** JSON that is not an object: no endpoint takes one. */
const notAnObject = fc
  .jsonValue()
  .filter((value) => typeof value !== "object" || value === null || Array.isArray(value));

/** A value of some type other than string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string()),
  fc.object(),
);

/** Arrays nested `depth` deep as JSON text: parsed fine, deeper than JSON.stringify goes. */
const deeplyNested = fc
  .integer({ min: 3_000, max: 15_000 })
  .map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`);

const knownFieldsOf = (value: Json) => Object.keys(value ?? {});

/** A field name the endpoint does not know, prototype-ish names included. */
function unknownField(known: readonly string[]): fc.Arbitrary<string> {
  return fc
    .oneof(
      fc.constantFrom("__proto__", "constructor", "by", "nonce", "at", "Gate"),
      fc.string({ minLength: 1 }),
    )
    .filter((name) => !known.includes(name));
}

/**
 * The refused forms of an endpoint's valid bodies: not JSON, JSON not an object, an unknown field, a field
 * of the wrong type, a comment too long, and those `specific` to the endpoint.
 */
function badBodies(
  valid: fc.Arbitrary<Json>,
  stringFields: readonly string[],
  specific: fc.Arbitrary<Json>[] = [],
) {
  const object = valid.map((value) => value ?? {});
  return fc.oneof(
    notJson.map(refused),
    notAnObject.map((value) => refused(JSON.stringify(value))),
    object.chain((value) =>
      fc
        .tuple(unknownField(knownFieldsOf(value)), fc.jsonValue())
        .map(([name, extra]) => refused(JSON.stringify({ ...value, [name]: extra }))),
    ),
    fc
      .tuple(object, fc.constantFrom(...stringFields), notAString)
      .map(([value, field, wrong]) => refused(JSON.stringify({ ...value, [field]: wrong }))),
    fc
      .tuple(object, tooLongComment)
      .map(([value, long]) => refused(JSON.stringify({ ...value, comment: long }))),
    fc
      .tuple(object, fc.constantFrom(...stringFields, "options"), deeplyNested)
      .map(([value, field, nested]) =>
        refused(JSON.stringify({ ...value, [field]: "(nested)" }).replace('"(nested)"', nested)),
      ),
    ...specific.map((bodies) => bodies.map((value) => refused(JSON.stringify(value)))),
  );
}

const withComment = <T extends object>(value: fc.Arbitrary<T>) =>
  fc.tuple(value, fc.option(comment, { nil: undefined })).map(([fields, text]) => ({
    ...fields,
    ...(text !== undefined && { comment: text }),
  }));

const approval = withComment(
  fc.record({
    gate: fc.oneof(fc.constant("start"), fc.constantFrom(...GATES)),
    decision: fc.constantFrom("approve", "reject"),
  }),
);
const podName = fc.record({
  namespace: fc.constantFrom("batch", "web"),
  name: fc.constantFrom("job-7", "job-9", "web-1"),
});
const decision = withComment(
  fc.oneof(
    fc.record({ decision: fc.constantFrom("retry", "rollback") }),
    fc.record({ decision: fc.constantFrom("skip-pod", "delete-pod"), pod: podName }),
  ),
);
const control = fc.option(withComment(fc.constant({})), { nil: undefined });

const segment = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 20 })
  .filter((text) => !text.includes("/"));
const armId = fc
  .tuple(segment, segment, segment)
  .map(
    ([subscription, group, name]) =>
      `/subscriptions/${subscription}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`,
  )
  .filter((id) => MANAGED_CLUSTER_ID.test(id.trim()));
/** A name the (empty) inventory does not know. */
const clusterName = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 60 })
  .filter((name) => name.trim() !== "" && !MANAGED_CLUSTER_ID.test(name.trim()));
const pool = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/);
const osSku = fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,39}$/);
const startRequest = (cluster: fc.Arbitrary<string>) => fc.record({ cluster, pool, targetOsSku: osSku });
/** The pool the seeded migrations migrate, by its cluster's ARM id: under way unless its workflow ended. */
const seededPool = fc.record({
  cluster: fc.constant(PROD_EUS),
  pool: fc.constant("batch"),
  targetOsSku: osSku,
});

/** Options as people might write them: the known names and others, with values of any JSON type. */
const anyOptions = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "preferredStrategy",
      "maintenanceWindow",
      "batchSize",
      "drainTimeoutSeconds",
      "gateTimeoutSeconds",
      "gateExpirySeconds",
      "retentionSeconds",
      "deleteGate",
      "rollback",
      "thresholds",
      "newPoolName",
      "__proto__",
    ),
    fc.string(),
  ),
  fc.oneof(
    fc.jsonValue(),
    fc.integer({ min: -1, max: 100_000 }),
    fc.record({
      days: fc.array(fc.integer({ min: -1, max: 8 })),
      start: fc.string(),
      durationHours: fc.integer(),
    }),
  ),
  { maxKeys: 4 },
);

// --- the endpoints --------------------------------------------------------------------------------------

/** A migration seeded for a run, by what it waits for. */
type SeededKind = "start-gate" | "decision-gate" | "paused" | "draining" | "ended";
/** A seeded migration, an id no migration has, or a path segment that is not percent-encoding at all. */
type Target = { seeded: SeededKind } | { missing: string } | { malformed: string };

interface Endpoint {
  name: string;
  role: Role;
  /** Its path; `segment` is the migration's id, percent-encoded, for those on one migration. */
  path: (segment: string) => string;
  onMigration: boolean;
  /** Whether a valid answer to it is the answer to a wait (taken once). */
  answersWait: boolean;
  bodies: fc.Arbitrary<Body>;
}

/** Shown by its name in a counterexample, not as its arbitraries. */
const endpoint = (fields: Endpoint): Endpoint =>
  Object.assign(fields, { [fc.toStringMethod]: () => fields.name });

const onMigration = (action: string) => (segment: string) => `/api/migrations/${segment}/${action}`;

/** The endpoint's path for the migration `id`. */
const pathTo = (endpoint: Endpoint, id: string) => endpoint.path(encodeURIComponent(id));

const ENDPOINTS: readonly Endpoint[] = [
  endpoint({
    name: "start",
    role: ROLES.operator,
    path: () => "/api/migrations",
    onMigration: false,
    answersWait: false,
    bodies: fc.oneof(
      startRequest(fc.oneof({ weight: 3, arbitrary: clusterName }, armId)).map(sent),
      seededPool.map(sent),
      fc
        .tuple(startRequest(clusterName), anyOptions)
        .map(([value, options]): Body => ({ valid: "maybe", text: JSON.stringify({ ...value, options }) })),
      badBodies(
        startRequest(clusterName),
        ["cluster", "pool", "targetOsSku"],
        [
          startRequest(clusterName).map(({ pool: _pool, ...rest }) => rest),
          startRequest(clusterName).map((value) => ({ ...value, pool: "Batch-1" })),
          startRequest(clusterName).map((value) => ({ ...value, cluster: " " })),
          startRequest(clusterName).map((value) => ({ ...value, options: { batchSize: 0 } })),
        ],
      ),
    ),
  }),
  endpoint({
    name: "plan",
    role: ROLES.operator,
    path: () => "/api/migrations/plan",
    onMigration: false,
    answersWait: false,
    bodies: fc.oneof(
      startRequest(clusterName).map(sent),
      badBodies(
        startRequest(clusterName),
        ["cluster", "pool", "targetOsSku"],
        [startRequest(clusterName).map(({ targetOsSku: _sku, ...rest }) => rest)],
      ),
    ),
  }),
  endpoint({
    name: "approvals",
    role: ROLES.approver,
    path: onMigration("approvals"),
    onMigration: true,
    answersWait: true,
    bodies: fc.oneof(
      approval.map(sent),
      badBodies(
        approval,
        ["gate", "decision", "comment"],
        [
          approval.map((value) => ({ ...value, gate: "begin" })),
          approval.map((value) => ({ ...value, decision: "yes" })),
          approval.map(({ decision: _decision, ...rest }) => rest),
        ],
      ),
    ),
  }),
  endpoint({
    name: "decisions",
    role: ROLES.approver,
    path: onMigration("decisions"),
    onMigration: true,
    answersWait: true,
    bodies: fc.oneof(
      decision.map(sent),
      badBodies(
        decision,
        ["decision", "comment"],
        [
          withComment(fc.record({ decision: fc.constantFrom("skip-pod", "delete-pod") })),
          withComment(fc.record({ decision: fc.constant("retry"), pod: podName })),
          withComment(
            fc.record({ decision: fc.constant("skip-pod"), pod: fc.constant({ namespace: "", name: "x" }) }),
          ),
        ],
      ),
    ),
  }),
  ...(["resume", "pause", "rollback"] as const).map((action) =>
    endpoint({
      name: action,
      role: ROLES.operator,
      path: onMigration(action),
      onMigration: true,
      answersWait: action === "resume",
      bodies: fc.oneof(control.map(sent), badBodies(control, ["comment"])),
    }),
  ),
];

interface Request {
  endpoint: Endpoint;
  identity: Identity;
  body: Body;
  target: Target;
}

/** Ids no migration has, odd characters included (URL-encoded in the path). */
const missingId = fc
  .oneof(
    // Short enough that, percent-encoded, the URL stays under the host's 4,096 bytes.
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }),
    fc.constantFrom(
      "migration:nobody",
      "%2F",
      "a/b",
      "?x=1",
      "#",
      " ",
      "\u0000",
      "migration:aks-prod-eus:batch",
    ),
  )
  .filter((id) => id !== "." && id !== "..");

const target: fc.Arbitrary<Target> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom<SeededKind>("start-gate", "decision-gate", "paused", "draining", "ended")
      .map((kind) => ({ seeded: kind })),
  },
  missingId.map((id) => ({ missing: id })),
  fc
    .constantFrom("%", "%FF", "%E0%A4", "%ZZ", "a%2", "%C0%AF", "%ED%A0%80")
    .map((segment) => ({ malformed: segment })),
);

const request: fc.Arbitrary<Request> = fc.constantFrom(...ENDPOINTS).chain((endpoint) =>
  fc.record({
    endpoint: fc.constant(endpoint),
    identity: identity(endpoint.role),
    body: endpoint.bodies,
    target,
  }),
);

/** Whether the request gets past identity and the body's checks to a migration that exists. */
function reachesMigration({ endpoint, identity: who, body, target: to }: Request): boolean {
  return endpoint.onMigration && "seeded" in to && callerName(who) !== undefined && body.valid === true;
}

function callerName(who: Identity): string | undefined {
  return who.kind === "holder" || who.kind === "requester" ? who.name : undefined;
}

/** The answers the API may give `request`: the checks come in order (identity, body, the migration). */
function allowedStatuses({ endpoint, identity: who, body, target: to }: Request): readonly number[] {
  // The host refuses a path it cannot decode before any function sees it.
  if (endpoint.onMigration && "malformed" in to) return [400];
  if (who.kind === "anonymous" || who.kind === "garbled" || who.kind === "relayed") return [401];
  if (who.kind === "wrong-role") return [403];
  // Options generated freely may be valid: then the unknown cluster is what is refused.
  if (body.valid !== true) return body.valid === "maybe" ? [400, 404] : [400];
  if (!endpoint.onMigration) {
    return MANAGED_CLUSTER_ID.test(body.value.cluster.trim()) ? [202, 409] : [404];
  }
  if ("missing" in to) return [404];
  // Only a wait's answer is refused to the requester; anything may find the migration not awaiting it.
  return who.kind === "requester" && endpoint.answersWait && endpoint.name !== "resume"
    ? [403, 409]
    : [202, 409];
}

// --- the API --------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

async function send(
  path: string,
  headers: Record<string, string>,
  body: string | ReadableStream<Uint8Array>,
): Promise<Answer> {
  const response = await fetch(`${host.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
    ...(typeof body !== "string" && { duplex: "half" }),
  } as RequestInit);
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Json) : undefined,
  };
}

/** A 4xx says why, in the API's error shape; a success has the documented fields. */
function expectDocumented(answer: Answer, endpoint: Endpoint): void {
  if (answer.status >= 400) {
    expect(answer.body.error.status).toBe(answer.status);
    expect(answer.body.error.reason).toEqual(expect.stringMatching(/\S/));
    return;
  }
  expect(answer.status).toBe(202);
  expect(answer.body.statusUrl).toBe(`/api/migrations/${encodeURIComponent(answer.body.id)}`);
  if (endpoint.onMigration) {
    expect(Object.keys(answer.body).sort()).toEqual(["at", "id", "result", "statusUrl"]);
    expect(Number.isNaN(Date.parse(answer.body.at))).toBe(false);
  } else {
    expect(["id", "notes", "statusUrl"]).toEqual(expect.arrayContaining(Object.keys(answer.body)));
    expect(answer.headers.get("location")).toBe(answer.body.statusUrl);
  }
}

// --- the migrations seeded for a run --------------------------------------------------------------------

type Fleet = Record<SeededKind, MigrationRecord>;

/** A migration saved as the orchestration saves it, with a stand-in instance waiting for `event` unless null. */
async function seed(overrides: Partial<MigrationRecord>, event: string | null): Promise<MigrationRecord> {
  seeded += 1;
  const record = aMigrationRecord({ id: `migration:aks-prod-eus:batch:prop-${seeded}`, ...overrides });
  await state.migrations.save(record);
  if (event) await app.waitingInstance(record.id, event);
  return record;
}

const waitAt = (overrides: Partial<Awaiting>): Awaiting => ({
  gate: "start" as const,
  nonce: `nonce-${seeded + 1}`,
  since: "2026-01-10T09:05:00.000Z",
  evidence: { findings: [] },
  accepts: ["approve", "reject"],
  role: ROLES.approver,
  notBy: REQUESTER_ID,
  ...overrides,
});

async function seedFleet(): Promise<Fleet> {
  return {
    "start-gate": await seed({ phase: "awaiting-start", awaiting: waitAt({}) }, MIGRATION_EVENTS.answer),
    "decision-gate": await seed(
      {
        phase: "draining",
        awaiting: waitAt({
          gate: "decision",
          evidence: { node: "aks-batch-0", stuck: [aStuckPod("job-7"), aStuckPod("job-9")] },
          accepts: ["retry", "skip-pod", "delete-pod", "rollback"],
        }),
      },
      MIGRATION_EVENTS.answer,
    ),
    paused: await seed(
      { phase: "draining", awaiting: waitAt({ gate: "paused", accepts: ["resume"], role: ROLES.operator }) },
      MIGRATION_EVENTS.answer,
    ),
    draining: await seed({ phase: "draining" }, MIGRATION_EVENTS.control),
    ended: await seed({ phase: "done", outcome: "rejected" }, null),
  };
}

async function sendTo(fleet: Fleet, sending: Request): Promise<Answer> {
  const to = sending.target;
  const path =
    "malformed" in to
      ? sending.endpoint.path(to.malformed)
      : pathTo(sending.endpoint, "seeded" in to ? fleet[to.seeded].id : to.missing);
  return send(path, sending.identity.headers, sending.body.text);
}

/** The request's audit records, by the request id they share. */
function pairs(records: readonly ChainedAuditRecord[]) {
  const byRequest = new Map<string, ChainedAuditRecord[]>();
  for (const record of records) {
    const request = record.id.replace(/:(intent|outcome)$/, "");
    byRequest.set(request, [...(byRequest.get(request) ?? []), record]);
  }
  return [...byRequest.values()];
}

/**
 * The migration's audit chain verifies, and holds exactly one intent-then-outcome pair per request that
 * reached it, by the caller, with their comment, its result "succeeded" for each 202.
 */
async function expectAudited(id: string, reached: readonly { request: Request; answer: Answer }[]) {
  const records = await state.audit.list(id);
  expect(verifyChain(records)).toEqual({ ok: true });
  const requests = pairs(records);
  for (const pair of requests) expect(pair.map((record) => record.stage)).toEqual(["intent", "outcome"]);
  // Requests sent together are audited in whichever order they ran.
  const byContent = (entries: { actor?: string; reason?: string; succeeded: boolean }[]) =>
    entries.map((entry) => JSON.stringify(entry)).sort();
  const seen = requests.map(([, outcome]) => ({
    actor: outcome?.actor,
    reason: outcome?.reason,
    succeeded: outcome?.result === "succeeded",
  }));
  const expected = reached.map(({ request: sentRequest, answer }) => ({
    actor: callerName(sentRequest.identity),
    reason: sentRequest.body.valid === true ? (sentRequest.body.value?.comment ?? "") : undefined,
    succeeded: answer.status === 202,
  }));
  expect(byContent(seen)).toEqual(byContent(expected));
}

/** What the stand-in instance received: it ends with the first event it waits for. */
async function received(id: string): Promise<Json> {
  return app.raised(id);
}

describe("the write endpoints under generated requests", () => {
  it("answer every request with a 4xx and a reason or the documented success, and audit what reached a migration", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(request, { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        async (requests, together) => {
          const fleet = await seedFleet();
          const answered: { request: Request; answer: Answer }[] = [];
          const ask = async (sending: Request) => {
            const answer = await sendTo(fleet, sending);
            expect(allowedStatuses(sending), JSON.stringify(answer.body)).toContain(answer.status);
            expectDocumented(answer, sending.endpoint);
            // Local mode is announced on every answer the app gives (the host answers a path it cannot decode).
            if (!(sending.endpoint.onMigration && "malformed" in sending.target))
              expect(answer.headers.get("x-identity-mode")).toBe("local");
            answered.push({ request: sending, answer });
          };
          if (together) await Promise.all(requests.map(ask));
          else for (const sending of requests) await ask(sending);
          for (const kind of Object.keys(fleet) as SeededKind[]) {
            const { id } = fleet[kind];
            const reached = answered.filter(
              ({ request: sentRequest }) =>
                reachesMigration(sentRequest) &&
                "seeded" in sentRequest.target &&
                sentRequest.target.seeded === kind,
            );
            await expectAudited(id, reached);
            const answers = reached.filter(({ request: sentRequest }) => sentRequest.endpoint.answersWait);
            const taken = answers.filter(({ answer }) => answer.status === 202);
            // A wait is answered once; the stand-in got that answer, comment and all.
            expect(taken.length).toBeLessThanOrEqual(1);
            const [winner] = taken;
            if (winner?.request.body.valid === true) {
              const { event } = await received(id);
              expect(event.by).toBe(callerName(winner.request.identity));
              expect(event.comment).toBe(winner.request.body.value?.comment ?? "");
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("refuse a body past the limit with 413 and a reason, sized or streamed, before anything else reads it", async () => {
    const fleet = await seedFleet();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.integer({ min: BODY_LIMIT + 1, max: 8 * 1024 * 1024 }),
        fc.constantFrom("comment", "whitespace", "garbage"),
        fc.boolean(),
        async (endpoint, size, filling, streamed) => {
          const text = hugeBody(size, filling);
          const body = streamed ? streamOf(text) : text;
          const answer = await send(
            pathTo(endpoint, fleet.paused.id),
            holder("ana@contoso.com", endpoint.role).headers,
            body,
          );
          expect(answer.status).toBe(413);
          expectDocumented(answer, endpoint);
        },
      ),
      { numRuns: 8 },
    );
    expect(pairs(await state.audit.list(fleet.paused.id))).toEqual([]);
  });

  it("refuse a body nested deeper than describing it allows with 400 naming the limit, nested 16 deep it is read", async () => {
    const fleet = await seedFleet();
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    for (const endpoint of ENDPOINTS) {
      const headers = holder("ana@contoso.com", endpoint.role).headers;
      const deep = await send(pathTo(endpoint, fleet.ended.id), headers, `{"comment": ${nested(10_000)}}`);
      expect(deep.body.error).toEqual({
        status: 400,
        reason: "the body nests arrays and objects more than 16 deep",
      });
      const allowed = await send(pathTo(endpoint, fleet.ended.id), headers, `{"comment": ${nested(15)}}`);
      // Refused by the endpoint's own checks, as any misshapen body.
      expect(allowed.status).toBe(400);
      expect(allowed.body.error.reason).not.toMatch(/nests/);
    }
  });

  it("reads a body of exactly the limit, and refuses one byte more", async () => {
    const fleet = await seedFleet();
    const operator = holder("ben@contoso.com", ROLES.operator).headers;
    const padded = (size: number) => JSON.stringify({ comment: "x" }).padEnd(size, " ");
    const pause = async (body: string) =>
      (await send(`/api/migrations/${encodeURIComponent(fleet.draining.id)}/pause`, operator, body)).status;
    expect(await pause(padded(BODY_LIMIT + 1))).toBe(413);
    expect(await pause(padded(BODY_LIMIT))).toBe(202);
  });
});

/** `size` bytes of JSON text: a valid request with a huge comment, valid JSON padded, or not JSON at all. */
function hugeBody(size: number, filling: "comment" | "whitespace" | "garbage"): string {
  if (filling === "comment") return JSON.stringify({ comment: "é".repeat(size / 2) }).slice(0, size);
  if (filling === "whitespace") return "{}".padEnd(size, " ");
  return "{".repeat(size);
}

function streamOf(text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  const chunk = 64 * 1024;
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

describe("POST /api/inventory/scans", () => {
  it("refuses a caller without the function key with 401 and a reason, whoever they say they are", async () => {
    await fc.assert(
      fc.asyncProperty(
        identity(ROLES.operator),
        fc.oneof(
          notJson,
          fc.jsonValue().map((value) => JSON.stringify(value)),
        ),
        async (who, text) => {
          const answer = await send("/api/inventory/scans", who.headers, text);
          expect(answer.status).toBe(401);
          expect(answer.body.error.reason).toEqual(expect.stringMatching(/\S/));
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe("the same request, again or at once", () => {
  const approve = (id: string, name: string, decision = "approve") =>
    send(
      `/api/migrations/${encodeURIComponent(id)}/approvals`,
      holder(name, ROLES.approver).headers,
      JSON.stringify({ gate: "start", decision }),
    );

  it("takes a replayed approval once: 202, then 409 naming who answered, one event delivered", async () => {
    await fc.assert(
      fc.asyncProperty(
        personName,
        fc.constantFrom("approve", "reject"),
        fc.integer({ min: 1, max: 4 }),
        async (name, decision, replays) => {
          const { id } = await seed(
            { phase: "awaiting-start", awaiting: waitAt({}) },
            MIGRATION_EVENTS.answer,
          );
          const first = await approve(id, name, decision);
          expect(first.status).toBe(202);
          for (let replay = 0; replay < replays; replay++) {
            const again = await approve(id, name, decision);
            expect(again.status).toBe(409);
            expect(again.body.error.reason).toBe(`already answered by ${name} (${decision})`);
          }
          expect((await received(id)).event).toMatchObject({ by: name, answer: { decision } });
          const records = await state.audit.list(id);
          expect(verifyChain(records)).toEqual({ ok: true });
          expect(pairs(records).map(([, outcome]) => outcome?.result)).toEqual([
            "succeeded",
            ...Array.from({ length: replays }, () => `refused: already answered by ${name} (${decision})`),
          ]);
        },
      ),
      { numRuns: 5 },
    );
  });

  it("lets exactly one of N racing approvers through; the rest are told who, one event delivered", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(personName, { minLength: 2, maxLength: 8 }), async (approvers) => {
        const { id } = await seed({ phase: "awaiting-start", awaiting: waitAt({}) }, MIGRATION_EVENTS.answer);
        const answers = await Promise.all(approvers.map((name) => approve(id, name)));
        const winners = approvers.filter((_, index) => answers[index]?.status === 202);
        expect(winners).toHaveLength(1);
        const [winner] = winners;
        for (const answer of answers.filter((each) => each.status !== 202)) {
          expect(answer.status).toBe(409);
          expect(answer.body.error.reason).toBe(`already answered by ${winner} (approve)`);
        }
        expect((await received(id)).event.by).toBe(winner);
        const records = await state.audit.list(id);
        expect(verifyChain(records)).toEqual({ ok: true });
        const outcomes = pairs(records).map(([intent, outcome]) => [
          intent?.stage,
          outcome?.stage,
          outcome?.result,
        ]);
        expect(outcomes).toHaveLength(approvers.length);
        expect(outcomes.filter(([, , result]) => result === "succeeded")).toHaveLength(1);
      }),
      { numRuns: 5 },
    );
  });

  it("opens a two-approver gate once when N approvers race, naming two of them, each approval audited", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(personName, { minLength: 2, maxLength: 6 }), async (approvers) => {
        const { id } = await seed(
          { phase: "awaiting-start", awaiting: waitAt({}), approvalPolicy: TWO_APPROVERS },
          MIGRATION_EVENTS.answer,
        );
        const answers = await Promise.all(approvers.map((name) => approve(id, name)));
        // Each is recorded (202, 1 of 2), opens the gate (202), or finds it opened by others (409).
        for (const answer of answers) expect([202, 409]).toContain(answer.status);
        const { event } = await received(id);
        const approvedBy = event.approvedBy.map((approver: Json) => approver.name);
        expect(new Set(approvedBy).size).toBeGreaterThanOrEqual(2);
        expect(approvers).toEqual(expect.arrayContaining(approvedBy));
        for (const answer of answers.filter((each) => each.status === 409)) {
          expect(answer.body.error.reason).toBe(`already answered by ${event.by} (approve)`);
        }
        const records = await state.audit.list(id);
        expect(verifyChain(records, await state.audit.head(id))).toEqual({ ok: true });
        expect(pairs(records)).toHaveLength(approvers.length);
        // Once open, the gate takes nothing more.
        const late = await approve(id, approvers[0] as string);
        expect(late.status).toBe(409);
      }),
      { numRuns: 5 },
    );
  });

  it("starts one migration of a pool however many ask at once; the rest are told which", async () => {
    await fc.assert(
      fc.asyncProperty(armId, pool, fc.integer({ min: 2, max: 6 }), async (cluster, poolName, starters) => {
        const body = JSON.stringify({ cluster, pool: poolName, targetOsSku: "AzureLinux3" });
        const operator = holder("ben@contoso.com", ROLES.operator).headers;
        const answers = await Promise.all(
          Array.from({ length: starters }, () => send("/api/migrations", operator, body)),
        );
        const started = answers.filter((answer) => answer.status === 202);
        expect(started).toHaveLength(1);
        const [{ body: winner }] = started as [Answer];
        for (const answer of answers.filter((each) => each.status !== 202)) {
          expect(answer.status).toBe(409);
          expect(answer.body.error).toMatchObject({ id: winner.id, statusUrl: winner.statusUrl });
        }
      }),
      { numRuns: 3 },
    );
  });
});
