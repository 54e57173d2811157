// POST /api/migrations/plan on the local stack (the demo fleet in the simulator, state in SQLite): the
// preflight's plan, and ARM's refusals answered with ARM's status (400, 403, 404, 409) and code.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../bin/local-stack.ts";
import { VirtualClock } from "../../local/clock.ts";
import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { ROLES } from "../../shared/domain/access/principal.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const EUS =
  "/subscriptions/3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b/resourceGroups/rg-prod-eus/providers/Microsoft.ContainerService/managedClusters/aks-prod-eus";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

let stack: LocalStack;
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "migration-plan-"));
  stack = await startLocalStack({
    state: { kind: "sqlite", file: join(directory, "state.sqlite") },
    simulator: { scenarioFile: DEMO, clock: new VirtualClock(Date.parse("2026-11-26T01:00:00Z")) },
    host: { port: 0, logLevel: "warn", settings: { AUTH_MODE: "local" } },
  });
});

afterAll(async () => {
  await stack?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function plan(cluster: string, pool = "batch") {
  const principal = Buffer.from(localClientPrincipal("olga@contoso.com", [ROLES.operator])).toString(
    "base64",
  );
  const response = await fetch(`${stack.host.origin}/api/migrations/plan`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-ms-client-principal": principal },
    body: JSON.stringify({ cluster, pool, targetOsSku: "AzureLinux3" }),
  });
  return { status: response.status, body: (await response.json()) as Json };
}

describe("POST /api/migrations/plan", () => {
  it("answers the preflight's plan for a pool ARM knows", async () => {
    const answer = await plan(EUS);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ clusterId: EUS, pool: "batch", targetOsSku: "AzureLinux3" });
  });

  it("answers ARM's refusal with its status and code: 404 stays 404, 400 and 409 are not turned into it", async () => {
    const notFound = await plan(EUS.replace("aks-prod-eus", "aks-nowhere"));
    expect(notFound.status).toBe(404);
    expect(notFound.body.error.reason).toMatch(/^ARM answered 404 ResourceNotFound: /);
    const codes = { 400: "BadRequest", 403: "AuthorizationFailed", 409: "Conflict" } as const;
    for (const status of [400, 403, 409] as const) {
      stack.sim.fleet.faults.add({
        kind: "arm-error",
        status,
        method: "GET",
        pathContains: "/aks-prod-eus",
        times: 1,
      });
      const refused = await plan(EUS);
      expect(refused.status).toBe(status);
      expect(refused.body.error.reason).toMatch(new RegExp(`^ARM answered ${status} ${codes[status]}: `));
    }
  });
});
