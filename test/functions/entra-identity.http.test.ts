// The migrations API in the embedded host with AUTH_MODE entra, against a stand-in Entra authority over
// HTTPS: a caller with a valid token and the role acts; no token, a bad one or only the Easy Auth header
// is 401 with a Bearer challenge; a token without the role is 403; keys out of reach are 503.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_EVENTS } from "../../orchestrations/contracts/pool-migration.contract.ts";
import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { ROLES } from "../../shared/domain/access/principal.ts";
import type { Awaiting, MigrationRecord } from "../../shared/domain/migration/migration-record.ts";
import {
  anAccessToken,
  aSigningKey,
  CLIENT_ID,
  type EntraAuthority,
  type SigningKey,
  startEntraAuthority,
  TENANT_ID,
} from "../support/entra-authority.ts";
import { aMigrationRecord } from "../support/migration-fixtures.ts";
import { type MigrationsApp, startMigrationsApp } from "./migrations-app-host.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON and the stand-in's output, read by path
type Json = any;

let app: MigrationsApp;
let authority: EntraAuthority;
let key: SigningKey;
let records = 0;

beforeAll(async () => {
  authority = await startEntraAuthority();
  key = await aSigningKey("key-2026-03");
  authority.publish(key);
  app = await startMigrationsApp("warn", {
    AUTH_MODE: "entra",
    ENTRA_TENANT_ID: TENANT_ID,
    ENTRA_AUDIENCE: CLIENT_ID,
    ENTRA_AUTHORITY: authority.url,
    ENTRA_CA_FILE: authority.caFile,
  });
});

afterAll(async () => {
  await app?.stop();
  await authority?.close();
});

/** Tokens are issued and checked in real time, as Entra and the service do. */
function tokenOf(name: string, roles: string[]): Promise<string> {
  return anAccessToken(key, {
    now: Date.now(),
    authority: authority.url,
    claims: { preferred_username: name, oid: `oid-${name}`, roles },
  });
}

async function bearer(name: string, roles: string[]): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenOf(name, roles)}` };
}

const raised = (id: string): Promise<Json> => app.raised(id);

async function post(path: string, headers: Record<string, string>, body: unknown = {}) {
  const response = await fetch(`${app.host.origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Json,
  };
}

const path = (id: string, action: string) => `/api/migrations/${encodeURIComponent(id)}${action}`;

/**
 * A migration waiting at its start gate (or draining, for a control event), with a stand-in instance
 * under its id waiting for the event.
 */
async function aWaitingMigration(event: string = MIGRATION_EVENTS.answer): Promise<MigrationRecord> {
  const gate: Awaiting = {
    gate: "start",
    nonce: `nonce-${++records}`,
    since: "2026-01-10T09:05:00.000Z",
    evidence: { findings: [] },
    accepts: ["approve", "reject"],
    role: ROLES.approver,
    notBy: "0c6f-operator",
  };
  const control = event === MIGRATION_EVENTS.control;
  const record = aMigrationRecord({
    id: `migration:aks-prod-eus:batch:entra-${records}`,
    phase: control ? "draining" : "awaiting-start",
    awaiting: control ? null : gate,
  });
  await app.state.migrations.save(record);
  await app.waitingInstance(record.id, event);
  return record;
}

describe("AUTH_MODE entra", () => {
  afterEach(() => {
    process.env.ENTRA_AUTHORITY = authority.url;
  });

  it("acts for a caller whose token holds the action's role: an approver answers, an operator pauses", async () => {
    const gate = await aWaitingMigration();
    const approved = await post(
      path(gate.id, "/approvals"),
      await bearer("ana@contoso.com", [ROLES.approver]),
      {
        gate: "start",
        decision: "approve",
      },
    );
    expect(approved.status).toBe(202);
    expect((await raised(gate.id)).event).toMatchObject({ by: "ana@contoso.com" });

    const running = await aWaitingMigration(MIGRATION_EVENTS.control);
    const paused = await post(path(running.id, "/pause"), await bearer("ben@contoso.com", [ROLES.operator]));
    expect(paused.status).toBe(202);
    expect((await raised(running.id)).event).toMatchObject({ action: "pause" });
  });

  it("answers 401 with a Bearer challenge to no token, a bad one, or Easy Auth's header alone", async () => {
    const { id } = await aWaitingMigration();
    const approve = (headers: Record<string, string>) =>
      post(path(id, "/approvals"), headers, { gate: "start", decision: "approve" });

    const none = await approve({});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    expect(none.body.error.reason).toBe(
      "sign in first: send an Entra ID access token as Authorization: Bearer",
    );

    // Eve's claims under Ana's signature.
    const [header, , signature] = (await tokenOf("ana@contoso.com", [ROLES.approver])).split(".");
    const [, promoted] = (await tokenOf("eve@contoso.com", [ROLES.approver, ROLES.operator])).split(".");
    const forged = await approve({ authorization: `Bearer ${header}.${promoted}.${signature}` });
    expect(forged.status).toBe(401);
    expect(forged.headers.get("www-authenticate")).toBe(
      `Bearer error="invalid_token", error_description="the token's signature does not verify"`,
    );
    expect(forged.body.error.reason).toBe("the token's signature does not verify");

    expect((await approve({ authorization: "Basic YW5hOnNlY3JldA==" })).body.error.reason).toBe(
      "the Authorization header is not a Bearer token",
    );
    const easyAuth = Buffer.from(localClientPrincipal("ana@contoso.com", [ROLES.approver])).toString(
      "base64",
    );
    const platformHeader = await approve({ "x-ms-client-principal": easyAuth });
    expect(platformHeader.status).toBe(401);
    expect(platformHeader.headers.get("www-authenticate")).toBe("Bearer");
    expect((await app.state.migrations.get(id))?.awaiting).not.toBeNull();
  });

  it("answers 403 naming the role to a valid token without it", async () => {
    const { id } = await aWaitingMigration();
    const answer = await post(path(id, "/approvals"), await bearer("ben@contoso.com", [ROLES.operator]), {
      gate: "start",
      decision: "approve",
    });
    expect(answer.body.error).toEqual({
      status: 403,
      reason: "ben@contoso.com does not hold the role LifecycleApprover this action needs",
    });
  });

  it("answers 503 with Retry-After when the tenant's keys cannot be fetched, the cause in the log only", async () => {
    // Another authority makes a fresh validator, with no keys cached yet.
    process.env.ENTRA_AUTHORITY = "https://127.0.0.1:9";
    const { id } = await aWaitingMigration();
    const answer = await post(path(id, "/pause"), await bearer("ben@contoso.com", [ROLES.operator]));
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("30");
    expect(answer.body.error.reason).toBe("the tenant's signing keys cannot be fetched: try again later");
    expect(JSON.stringify(answer.body)).not.toContain("127.0.0.1");
    expect(app.logs.map((record) => record.msg)).toContainEqual(
      expect.stringMatching(/^Entra ID token not checked: https:\/\/127\.0\.0\.1:9\/.* ECONNREFUSED/),
    );
  });
});
