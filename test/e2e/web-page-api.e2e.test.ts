// What the web page reads besides the migrations API, through the app on the simulated fleet: who the
// caller is (GET /api/me), what they may do at a migration and why not (GET .../offers), and the page's
// own files, served only from its folder and under a policy that allows no other origin, to a browser that
// has not signed in behind App Service Authentication too (the page then sends it to sign in).

import { describe, expect, it } from "vitest";
import {
  ANA,
  asPerson,
  EASY_AUTH,
  migrationPath,
  RITA,
  scannedDemoPerTest,
  startMigration,
} from "./migration-driver.ts";

describe("the web page's API", () => {
  const scannedDemo = scannedDemoPerTest();
  const easyAuthDemo = scannedDemoPerTest(EASY_AUTH);

  it("says who the caller is, or why nobody, and what each person may do at a migration", async () => {
    const env = await scannedDemo();
    const nobody = await fetch(`${env.host.origin}/api/me`);
    expect(nobody.status).toBe(401);
    expect(nobody.headers.get("x-identity-mode")).toBe("local");
    expect(((await nobody.json()) as { error: { reason: string } }).error.reason).toMatch(/^sign in first/);
    const ana = await env.api("/api/me", { headers: asPerson(ANA) });
    expect(ana.body).toEqual({
      mode: "local",
      name: ANA.name,
      roles: ANA.roles,
      groups: [],
      application: false,
    });

    const id = await startMigration(env, "aks-prod-eus", "batch");
    const asRita = await env.api(`${migrationPath(id)}/offers`, { headers: asPerson(RITA) });
    expect(asRita.status).toBe(200);
    expect(asRita.body.by).toBe(RITA.name);
    expect(asRita.body.controls).toEqual([
      { action: "pause", allowed: true },
      { action: "rollback", allowed: true },
    ]);
    const asAna = await env.api(`${migrationPath(id)}/offers`, { headers: asPerson(ANA) });
    expect(asAna.body.controls[0]).toEqual({
      action: "pause",
      allowed: false,
      reason: `${ANA.name} does not hold the role LifecycleOperator this action needs`,
    });
    expect((await env.api(`${migrationPath(id)}/offers`)).status).toBe(401);
    expect((await env.api(`${migrationPath("no-such")}/offers`, { headers: asPerson(ANA) })).status).toBe(
      404,
    );
  });

  it("serves the page's files with their types and policy, and nothing else", async () => {
    const env = await scannedDemo();
    const bare = await fetch(`${env.host.origin}/api/ui`, { redirect: "manual" });
    expect(bare.status).toBe(308);
    expect(bare.headers.get("location")).toBe("/api/ui/");
    const page = await env.api("/api/ui/");
    expect(page.status).toBe(200);
    expect(page.type).toBe("text/html; charset=utf-8");
    const script = await fetch(`${env.host.origin}/api/ui/app.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(script.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(script.headers.get("x-content-type-options")).toBe("nosniff");
    for (const path of ["/api/ui/missing.js", "/api/ui/..%2Fui.http.ts", "/api/ui/sub/app.js"]) {
      expect((await env.api(path)).status, path).toBe(404);
    }
  });

  it("behind App Service Authentication serves the page to nobody in particular, whose /api/me is 401", async () => {
    const env = await easyAuthDemo();
    for (const path of ["/api/ui/", "/api/ui/app.js"]) {
      expect((await fetch(`${env.host.origin}${path}`)).status, path).toBe(200);
    }
    const nobody = await fetch(`${env.host.origin}/api/me`);
    expect(nobody.status).toBe(401);
    // No local person may be chosen: the page offers App Service Authentication's sign-in instead.
    expect(nobody.headers.get("x-identity-mode")).toBeNull();
  });
});
