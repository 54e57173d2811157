// The web page in a real browser (Debian's chromium, driven by playwright-core) against the app on the
// simulated fleet: the requester sees the pending gate with no approve button and the rule that says why;
// an approver approves it on the page and the migration moves on; a fleet rollout's stopped line is shown
// with its waves against the deadline, and an operator resumes it on the page; a wave gate is refused to
// the rollout's requester with the rule, and another approver opens it; behind App Service Authentication
// a browser not yet signed in is sent to its sign-in. Every view is checked with axe-core and kept as a
// screenshot in test-artifacts/web-page/.

import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROLES } from "../../shared/domain/access/principal.ts";
import type { Environment } from "./environment.ts";
import {
  ANA,
  approveAll,
  BEN,
  DEMO_ROLLOUT_POLICY,
  driveMigration,
  driveRollout,
  EASY_AUTH,
  type Person,
  post,
  RITA,
  rolloutPath,
  scannedDemoPerTest,
  startDemoRollout,
  startMigration,
} from "./migration-driver.ts";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = new URL("../../test-artifacts/web-page/", import.meta.url).pathname;
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
/** An operator who may approve too: the rule "not the requester" is what keeps her from her own gate. */
const OLGA: Person = { name: "olga@contoso.com", roles: [ROLES.operator, ROLES.approver] };
const PHONE = { width: 390, height: 844 };
/** Real milliseconds the page may take to show what the API answered. */
const SHOWN_MS = 20_000;

const missing = existsSync(CHROMIUM)
  ? undefined
  : `skipped: no browser at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;

describe.skipIf(missing !== undefined)(`the web page${missing ? ` (${missing})` : ""}`, () => {
  const scannedDemo = scannedDemoPerTest();
  const easyAuthDemo = scannedDemoPerTest(EASY_AUTH);
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    // Root in a container has no user namespaces for chromium's sandbox.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A browser of its own for `person`, acting as them through the page's local-mode form. */
  async function pageAs(
    env: Environment,
    person: Person,
    view: string,
    viewport = { width: 1280, height: 900 },
  ) {
    // axe-core is injected as a script: the page's policy allows only its own.
    const context: BrowserContext = await browser.newContext({ bypassCSP: true, viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${env.host.origin}/api/ui/#${view}`);
    await page.getByRole("banner").getByText("sign in first").waitFor({ timeout: SHOWN_MS });
    await page.getByLabel("Name").fill(person.name);
    for (const role of person.roles) await page.getByLabel(role).check();
    await page.getByRole("button", { name: "Act as this person" }).click();
    await page.getByRole("banner").getByText(`Signed in as ${person.name}`).waitFor({ timeout: SHOWN_MS });
    return { page, errors };
  }

  async function accessible(page: Page): Promise<unknown[]> {
    await page.addScriptTag({ path: AXE });
    const results = await page.evaluate(() =>
      (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe.run(),
    );
    return (results.violations as { id: string; help: string; nodes: { target: unknown }[] }[]).map(
      (violation) => ({
        id: violation.id,
        help: violation.help,
        targets: violation.nodes.map((n) => n.target),
      }),
    );
  }

  async function keep(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  }

  it("shows the requester why she may not approve; an approver approves on the page and the migration moves on", async () => {
    const env = await scannedDemo();
    const started = await post(env, "/api/migrations", OLGA, {
      cluster: "aks-prod-eus",
      pool: "batch",
      targetOsSku: "AzureLinux3",
    });
    expect(started.status, started.text).toBe(202);
    const id = started.body.id as string;
    await driveMigration(env, id, () => false, { until: (m) => m.awaiting?.gate === "start" });
    // Time stands still while people look: the gate's timeout must not pass meanwhile.
    env.clock.pause();

    const olga = await pageAs(env, OLGA, "decisions");
    await olga.page
      .getByRole("heading", { name: "Gate start: aks-prod-eus/batch" })
      .waitFor({ timeout: SHOWN_MS });
    const whyNot = olga.page.getByText('rule "not the requester"');
    await whyNot.waitFor({ timeout: SHOWN_MS });
    expect(await whyNot.textContent()).toContain(
      `${OLGA.name} requested this migration, so someone else must answer its gate "start"`,
    );
    expect(await olga.page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    expect(await accessible(olga.page)).toEqual([]);
    await keep(olga.page, "decisions-requester");

    const ana = await pageAs(env, ANA, "decisions");
    await ana.page
      .getByRole("heading", { name: "Gate start: aks-prod-eus/batch" })
      .waitFor({ timeout: SHOWN_MS });
    expect(await ana.page.getByText("Preflight findings").count()).toBe(1);
    expect(await accessible(ana.page)).toEqual([]);
    await keep(ana.page, "decisions-approver");
    await ana.page.getByLabel("Comment (what you looked at, why)").fill("window agreed with the batch team");
    await ana.page.getByRole("button", { name: "Approve" }).click();
    await ana.page.getByRole("status").getByText("gate start: approve").waitFor({ timeout: SHOWN_MS });

    const moved = await driveMigration(env, id, () => false, {
      until: (m) => m.awaiting?.gate === "cutover",
    });
    env.clock.pause();
    expect(moved.history).toContainEqual(expect.objectContaining({ phase: "awaiting-start", by: ANA.name }));

    await ana.page.goto(`${env.host.origin}/api/ui/#migrations`);
    const card = ana.page.getByRole("article", { name: /aks-prod-eus\/batch to AzureLinux3/ });
    await card.getByText("awaiting-cutover", { exact: true }).first().waitFor({ timeout: SHOWN_MS });
    const picture = card.getByRole("img", { name: /^Phases of aks-prod-eus\/batch/ });
    expect(await picture.getAttribute("aria-label")).toMatch(
      /awaiting-start .*creating-pool .*awaiting-cutover/,
    );
    await card.getByText(/^Audit trail \(\d+ records, chain intact\)$/).waitFor({ timeout: SHOWN_MS });
    expect(await accessible(ana.page)).toEqual([]);
    await keep(ana.page, "migrations");

    await ana.page.goto(`${env.host.origin}/api/ui/#fleet`);
    await ana.page.getByRole("heading", { name: "Node pools (9)" }).waitFor({ timeout: SHOWN_MS });
    expect(await ana.page.getByRole("link", { name: /calendar/ }).getAttribute("href")).toBe(
      "../calendar.ics",
    );
    expect(await accessible(ana.page)).toEqual([]);
    await keep(ana.page, "fleet");

    const phone = await pageAs(env, OLGA, "decisions", PHONE);
    await phone.page
      .getByRole("heading", { name: "Gate cutover: aks-prod-eus/batch" })
      .waitFor({ timeout: SHOWN_MS });
    expect(await accessible(phone.page)).toEqual([]);
    await keep(phone.page, "decisions-phone");

    expect([...olga.errors, ...ana.errors, ...phone.errors]).toEqual([]);
  });

  it("shows a rollout's stopped line and its waves against the deadline; an operator resumes it on the page", async () => {
    const env = await scannedDemo();
    const id = await startDemoRollout(env, { noCapacity: true });
    const stopped = await driveRollout(env, id, approveAll(env), () => false, {
      until: (rollout) => rollout.status === "stopped",
    });
    env.clock.pause();
    const deadline = stopped.waves[0].pools[0].deadline as string;
    expect(deadline).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const ana = await pageAs(env, ANA, "rollouts");
    const card = ana.page.getByRole("article", { name: new RegExp(`^Rollout ${id}`) });
    await card.getByText("The line is stopped in wave 1").waitFor({ timeout: SHOWN_MS });
    expect(await card.getByText("aks-dev-weu/ubuntu rolled-back").count()).toBeGreaterThan(0);
    const picture = card.getByRole("img", { name: new RegExp(`^Waves of ${id}`) });
    const described = await picture.getAttribute("aria-label");
    expect(described).toContain("Wave 0 (canary): done");
    expect(described).toContain("Wave 1: stopped");
    expect(described).toMatch(new RegExp(`deadline ${deadline}, \\d+ days left`));
    expect(await picture.locator("text", { hasText: `deadline ${deadline}` }).count()).toBe(1);
    await card.getByText(/^Audit trail \(\d+ records, chain intact\)$/).waitFor({ timeout: SHOWN_MS });
    // An approver may not answer a stopped line: the API's reason, and no button.
    await card
      .getByText(`${ANA.name} does not hold the role LifecycleOperator this action needs`)
      .waitFor({ timeout: SHOWN_MS });
    expect(await card.getByRole("button", { name: "Resume" }).count()).toBe(0);
    expect(await accessible(ana.page)).toEqual([]);
    await keep(ana.page, "rollouts-approver");
    // Each started pool links to its migration in the Migrations view.
    await card.getByRole("link", { name: "aks-dev-weu/ubuntu" }).click();
    const migration = ana.page.getByRole("article", { name: /aks-dev-weu\/ubuntu to AzureLinux3/ });
    await migration.getByText("rolled-back", { exact: true }).first().waitFor({ timeout: SHOWN_MS });
    expect(await ana.page.locator("article:focus").getAttribute("aria-labelledby")).toBe(
      `m-${stopped.waves[1].pools[0].migrationId}`,
    );
    // The canary drained: its health watch's last look is shown.
    const canary = ana.page.getByRole("article", { name: /aks-prod-eus\/batch to AzureLinux3/ });
    await canary.getByText(/^healthy at \d{4}-\d{2}-\d{2}/).waitFor({ timeout: SHOWN_MS });

    const rita = await pageAs(env, RITA, "rollouts");
    const ritas = rita.page.getByRole("article", { name: new RegExp(`^Rollout ${id}`) });
    await ritas.getByRole("button", { name: "Resume" }).waitFor({ timeout: SHOWN_MS });
    expect(await ritas.getByRole("button", { name: "Skip the pool" }).count()).toBe(1);
    expect(await ritas.getByRole("button", { name: "Retry the pool" }).count()).toBe(1);
    expect(await accessible(rita.page)).toEqual([]);
    await keep(rita.page, "rollouts-operator");
    await ritas.getByRole("button", { name: "Resume" }).click();
    await rita.page.getByRole("status").getByText("a resume keeps a note").waitFor({ timeout: SHOWN_MS });
    const note = "westeurope had no capacity: book it before the next wave";
    await ritas.getByLabel(/^Note/).fill(note);
    await ritas.getByRole("button", { name: "Resume" }).click();
    await rita.page.getByRole("status").getByText("stop-the-line: resume").waitFor({ timeout: SHOWN_MS });

    const done = await driveRollout(env, id, approveAll(env), () => false);
    env.clock.pause();
    expect(done.lessons).toEqual([expect.objectContaining({ note, by: RITA.name })]);
    const phone = await pageAs(env, RITA, "rollouts", PHONE);
    const finished = phone.page.getByRole("article", { name: new RegExp(`^Rollout ${id}`) });
    await finished.getByText("done", { exact: true }).first().waitFor({ timeout: SHOWN_MS });
    expect(await finished.getByRole("img", { name: /Wave 2: done/ }).count()).toBe(1);
    expect(await accessible(phone.page)).toEqual([]);
    await keep(phone.page, "rollouts-phone");
    expect((await env.api(`${rolloutPath(id)}/audit`)).body.verification.ok).toBe(true);

    expect([...ana.errors, ...rita.errors, ...phone.errors]).toEqual([]);
  }, 180_000);

  it("shows a wave gate's rule to the rollout's requester; another approver opens it on the page", async () => {
    const env = await scannedDemo();
    const started = await post(env, "/api/rollouts", OLGA, {
      ...DEMO_ROLLOUT_POLICY,
      rollout: { waveGate: true },
    });
    expect(started.status, started.text).toBe(202);
    const id = started.body.id as string;
    await driveRollout(env, id, approveAll(env), () => false, {
      until: (rollout) => rollout.status === "awaiting-wave",
    });
    env.clock.pause();

    const olga = await pageAs(env, OLGA, "rollouts");
    const card = olga.page.getByRole("article", { name: new RegExp(`^Rollout ${id}`) });
    await card.getByText("Wave 0 waits for an approver").waitFor({ timeout: SHOWN_MS });
    await card.getByText(`${OLGA.name} requested this rollout`).waitFor({ timeout: SHOWN_MS });
    expect(await card.getByRole("button", { name: "Approve the wave" }).count()).toBe(0);
    expect(await card.getByRole("img", { name: /Wave 0 \(canary\): awaiting approval/ }).count()).toBe(1);

    const ben = await pageAs(env, BEN, "rollouts");
    const bens = ben.page.getByRole("article", { name: new RegExp(`^Rollout ${id}`) });
    await bens.getByLabel(/^Note/).fill("the canary's owners are ready");
    await bens.getByRole("button", { name: "Approve the wave" }).click();
    await ben.page.getByRole("status").getByText("wave-gate: approve").waitFor({ timeout: SHOWN_MS });
    expect(await accessible(ben.page)).toEqual([]);
    const opened = await driveRollout(env, id, approveAll(env), () => false, {
      until: (rollout) => rollout.waves[0].status !== "pending",
    });
    env.clock.pause();
    expect(opened.history).toContainEqual(
      expect.objectContaining({
        event: "wave-gate of wave 0: approve: the canary's owners are ready",
        by: BEN.name,
      }),
    );
    expect([...olga.errors, ...ben.errors]).toEqual([]);
  }, 120_000);

  it("offers a stuck drain's choices for the pods its evidence lists; deleting one lets the drain go on", async () => {
    const env = await scannedDemo();
    env.sim.fleet.faults.add({
      kind: "pdb-blocks",
      cluster: "aks-prod-eus",
      namespace: "batch",
      pdb: "report-worker",
    });
    const id = await startMigration(env, "aks-prod-eus", "batch", { drainTimeoutSeconds: 300 });
    const stuck = await driveMigration(env, id, approveAll(env), {
      until: (m) => m.awaiting?.gate === "decision",
    });
    env.clock.pause();
    const [first] = stuck.awaiting.evidence.stuck;
    const pod = `${first.pod.namespace}/${first.pod.name}`;

    const ben = await pageAs(env, BEN, "decisions");
    await ben.page
      .getByRole("heading", { name: "Gate decision: aks-prod-eus/batch" })
      .waitFor({ timeout: SHOWN_MS });
    expect(await ben.page.getByLabel("Stuck pod").inputValue()).toBe("0");
    expect(await ben.page.getByRole("option", { name: pod }).count()).toBe(1);
    expect(await accessible(ben.page)).toEqual([]);
    await keep(ben.page, "decisions-stuck-drain");
    await ben.page.getByLabel("Comment (what you looked at, why)").fill("the batch job can restart");
    await ben.page.getByRole("button", { name: "Delete the pod" }).click();
    await ben.page.getByRole("status").getByText("gate decision: delete-pod").waitFor({ timeout: SHOWN_MS });

    const decided = (m: { history: { event: string }[] }) =>
      m.history.find((event) => event.event.startsWith("gate decision: delete-pod"));
    const after = await driveMigration(env, id, () => false, { until: (m) => decided(m) !== undefined });
    env.clock.pause();
    expect(decided(after)).toMatchObject({ by: BEN.name, event: expect.stringContaining(first.pod.name) });
    expect(ben.errors).toEqual([]);
  });

  it("behind App Service Authentication links a browser not yet signed in to its sign-in, back to the page", async () => {
    const env = await easyAuthDemo();
    const page = await (await browser.newContext({ bypassCSP: true })).newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.goto(`${env.host.origin}/api/ui/#fleet`);
    const signIn = page.getByRole("banner").getByRole("link", { name: "Sign in" });
    await signIn.waitFor({ timeout: SHOWN_MS });
    expect(await signIn.getAttribute("href")).toBe("/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fui%2F");
    expect(await page.getByRole("button", { name: "Act as this person" }).count()).toBe(0);
    expect(await accessible(page)).toEqual([]);
    await keep(page, "sign-in");
    expect(errors).toEqual([]);
  });
});
