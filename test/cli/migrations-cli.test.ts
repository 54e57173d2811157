// The migrations command against a recording server: the requests it makes, the identity header it
// builds for a person at a terminal (read back with the service's own parser), and its exit codes.

import { describe, expect, it } from "vitest";
import { runCli } from "../../bin/cli.ts";
import { parseClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { type Answer, startRecorder } from "../support/http-recorder.ts";

async function migrations(
  args: string[],
  answer: Answer | ((nth: number) => Answer) = { status: 202, body: '{"id":"m1"}' },
  env: Record<string, string> = {},
  url?: string,
) {
  const recorder = await startRecorder(typeof answer === "function" ? answer : () => answer);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(["migrations", ...args, "--url", url ?? new URL(recorder.url).origin], {
    stdout: { write: (text) => out.push(text) },
    stderr: { write: (text) => err.push(text) },
    env,
    now: () => new Date("2026-12-02T12:00:00Z"),
  });
  return { code, stdout: out.join(""), stderr: err.join(""), requests: recorder.requests };
}

const principalOf = (header: unknown) =>
  parseClientPrincipal(Buffer.from(String(header), "base64").toString("utf8"));

describe("migrations command", () => {
  it("approves as the person named, with the roles and groups named, in the header the service reads", async () => {
    const run = await migrations([
      "approve",
      "migration:aks-prod-eus:batch:0123",
      "--gate",
      "start",
      "--comment",
      "go",
      "--as",
      "ana@example.com",
      "--role",
      "LifecycleApprover",
      "--group",
      "7b0f6c2e-1d3a-4c5b-9e8f-0a1b2c3d4e5f",
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ id: "m1" });
    const [request] = run.requests;
    expect(request).toMatchObject({
      method: "POST",
      path: "/api/migrations/migration%3Aaks-prod-eus%3Abatch%3A0123/approvals",
      body: { gate: "start", decision: "approve", comment: "go" },
    });
    expect(principalOf(request?.headers["x-ms-client-principal"])).toEqual({
      principal: {
        id: "ana@example.com",
        name: "ana@example.com",
        roles: ["LifecycleApprover"],
        groups: ["7b0f6c2e-1d3a-4c5b-9e8f-0a1b2c3d4e5f"],
        identityProvider: "local",
      },
    });
  });

  it("starts a migration with its options, and decides a stuck pod by NAMESPACE/NAME", async () => {
    const start = await migrations([
      "start",
      "aks-prod-eus",
      "batch",
      "AzureLinux3",
      "--options",
      '{"batchSize":2}',
      "--as",
      "bo@example.com",
      "--role",
      "LifecycleOperator",
      "--role",
      "LifecycleApprover",
    ]);
    expect(start.requests[0]).toMatchObject({
      path: "/api/migrations",
      body: { cluster: "aks-prod-eus", pool: "batch", targetOsSku: "AzureLinux3", options: { batchSize: 2 } },
    });
    expect(principalOf(start.requests[0]?.headers["x-ms-client-principal"])).toMatchObject({
      principal: { roles: ["LifecycleOperator", "LifecycleApprover"] },
    });
    const decide = await migrations(["decide", "m1", "--decision", "skip-pod", "--pod", "batch/job-7"]);
    expect(decide.requests[0]).toMatchObject({
      path: "/api/migrations/m1/decisions",
      body: { decision: "skip-pod", pod: { namespace: "batch", name: "job-7" } },
    });
    expect(decide.requests[0]?.headers["x-ms-client-principal"]).toBeUndefined();
  });

  it("lists with filters, without an identity", async () => {
    const run = await migrations(["list", "--cluster", "aks-prod-eus", "--outcome", "active"], {
      status: 200,
      body: '{"count":0,"migrations":[]}',
    });
    expect(run.requests[0]).toMatchObject({
      method: "GET",
      path: "/api/migrations?cluster=aks-prod-eus&outcome=active",
    });
    expect(run.code).toBe(0);
  });

  it("prints the refusal and exits 1 with its reason", async () => {
    const reason =
      'rule "not the requester": ana@example.com requested this migration, so someone else must answer its gate "start"';
    const run = await migrations(["approve", "m1", "--gate", "start", "--as", "ana@example.com"], {
      status: 403,
      body: JSON.stringify({ error: { status: 403, reason } }),
    });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ error: { status: 403, reason } });
    expect(run.stderr).toBe(`aks-image-lifecycle migrations: 403: ${reason}\n`);
  });

  it("takes CLUSTER/POOL for that pool's newest migration, found through the list", async () => {
    const listed = JSON.stringify({
      count: 2,
      migrations: [
        { id: "migration:aks-prod-eus:batch:0123:2" },
        { id: "migration:aks-prod-eus:batch:0123:1" },
      ],
    });
    const run = await migrations(
      ["approve", "aks-prod-eus/batch", "--gate", "cutover", "--as", "bo@example.com"],
      (nth) => (nth === 1 ? { status: 200, body: listed } : { status: 202, body: '{"id":"m2"}' }),
    );
    expect(run.code).toBe(0);
    expect(run.requests.map(({ method, path }) => `${method} ${path}`)).toEqual([
      "GET /api/migrations?cluster=aks-prod-eus&pool=batch",
      "POST /api/migrations/migration%3Aaks-prod-eus%3Abatch%3A0123%3A2/approvals",
    ]);
    expect(run.stderr).toBe("aks-prod-eus/batch is migration:aks-prod-eus:batch:0123:2\n");
    expect(JSON.parse(run.stdout)).toEqual({ id: "m2" });
  });

  it("says so when CLUSTER/POOL has no migration, and sends nothing else", async () => {
    const run = await migrations(["status", "aks-prod-eus/batch"], {
      status: 200,
      body: '{"count":0,"migrations":[]}',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("aks-image-lifecycle migrations: no migration of pool batch in aks-prod-eus\n");
    expect(run.requests).toHaveLength(1);
  });

  it("refuses wrong arguments before sending anything", async () => {
    const noGate = await migrations(["approve", "m1"]);
    expect(noGate.code).toBe(2);
    expect(noGate.stderr).toContain("approve needs --gate");
    const badRole = await migrations(["pause", "m1", "--as", "ana", "--role", "Admin"]);
    expect(badRole.stderr).toContain("--role must be LifecycleOperator or LifecycleApprover, not Admin");
    const missing = await migrations(["start", "aks-prod-eus"]);
    expect(missing.stderr).toContain("start takes CLUSTER POOL TARGET_OS_SKU, got 1 argument(s)");
    const referenceNoGate = await migrations(["approve", "aks-prod-eus/batch"]);
    expect(referenceNoGate.stderr).toContain("approve needs --gate");
    const groupAlone = await migrations(["pause", "m1", "--group", "7b0f6c2e"]);
    expect(groupAlone.stderr).toContain("--group needs --as (who you are)");
    expect([
      ...groupAlone.requests,
      ...noGate.requests,
      ...badRole.requests,
      ...missing.requests,
      ...referenceNoGate.requests,
    ]).toEqual([]);
  });

  it("sends the Entra ID token in AKS_LIFECYCLE_TOKEN as a bearer token, never with --as, never in the clear", async () => {
    const token = { AKS_LIFECYCLE_TOKEN: " eyJ0eXAi.eyJhdWQi.c2lnbmF0dXJl " };
    const run = await migrations(["pause", "m1"], undefined, token);
    expect(run.code).toBe(0);
    expect(run.requests[0]?.headers.authorization).toBe("Bearer eyJ0eXAi.eyJhdWQi.c2lnbmF0dXJl");
    expect(run.requests[0]?.headers["x-ms-client-principal"]).toBeUndefined();

    const both = await migrations(["pause", "m1", "--as", "ana"], undefined, token);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain(
      "--as is for a local service, AKS_LIFECYCLE_TOKEN for one that checks tokens: not both",
    );
    const plainHttp = await migrations(["pause", "m1"], undefined, token, "http://lifecycle.contoso.com");
    expect(plainHttp.code).toBe(2);
    expect(plainHttp.stderr).toContain(
      "AKS_LIFECYCLE_TOKEN is sent over https only (or to this machine), not to http://lifecycle.contoso.com",
    );
    expect([...both.requests, ...plainHttp.requests]).toEqual([]);
  });
});
