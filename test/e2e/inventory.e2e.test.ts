// Issue 5 end to end on the demo fleet, one virtual night after another: the nightly scan and its alerts,
// a second firing and a re-run the same night that send nothing, a notice that moves a date, an invalid
// notice, the notice withdrawn (issue 16), Resource Graph throttling with a broken cluster, and Resource
// Graph down.

import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVITIES, ORCHESTRATIONS } from "../../orchestrations/contracts.ts";
import { decideAlerts } from "../../shared/alerts/decide-alerts.ts";
import { DEFAULT_LEASE_MS } from "../../shared/alerts/deliver-alerts.ts";
import { ingestNoticeMessage } from "../../shared/notices/ingest-notice.ts";
import { poolStatusUrl } from "../../shared/sinks/status-url.ts";
import { azureLinux2Finding } from "../support/alert-fixtures.ts";
import { type Environment, startEnvironment } from "./environment.ts";

const notice = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/notices/${path}`, import.meta.url), "utf8"));
/** The sample notice npm start and the README show operators. */
const sample = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../../local/notices/${name}`, import.meta.url), "utf8"));
const SAMPLE_NOTICE = sample("azure-linux-2-removal-moved.notice.json");
/** Its withdrawal, also shown to operators. */
const SAMPLE_WITHDRAWAL = sample("azure-linux-2-removal-moved.withdrawal.json");

const PROD = "/subscriptions/3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b/resourceGroups";
const TEST_NEU =
  "/subscriptions/7c9e6679-7425-40de-944b-e07fc1f90ae7/resourceGroups/rg-test/providers/Microsoft.ContainerService/managedClusters/aks-test-neu";
const AZURE_LINUX_2_POOLS = [
  "aks-prod-eus/batch",
  "aks-prod-eus/system",
  "aks-prod-weu/apps",
  "aks-prod-weu/system",
  "aks-test-neu/system",
];

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const poolName = (pool: Json) => `${pool.cluster}/${pool.pool}`;

/** The VEVENT blocks of an iCalendar text, folded lines joined again. */
function icsEvents(text: string): string[] {
  return text
    .replace(/\r\n[ \t]/g, "")
    .split("BEGIN:VEVENT")
    .slice(1);
}
const alertPool = (alert: Json) => `${alert.pool.cluster}/${alert.pool.pool}`;

let env: Environment;

/**
 * Sends a notice that changes Azure Linux 2's dates and waits for the re-evaluation it starts: one
 * dates-changed alert per Azure Linux 2 pool, which it returns with the re-evaluations known before.
 */
async function sendAzureLinux2Change(body: Json, messageId: string) {
  const reevaluations = new Set((await env.instances("alerts-reevaluation")).map((i) => i.instanceId));
  await env.sendNotice(body, messageId);
  const run = await env.waitForNewInstance("alerts-reevaluation", reevaluations);
  expect(run.runtimeStatus).toBe("Completed");
  expect(run.instanceId).toMatch(new RegExp(`^alerts:notice:${body.id}:[0-9a-f]{16}$`));
  expect((run.output as Json).alerts).toMatchObject({
    decision: { decided: 5, byKind: { "dates-changed": 5 } },
    delivery: { delivered: 5 },
  });
  const published = await env.topicAlerts();
  expect(published.map(alertPool).sort()).toEqual(AZURE_LINUX_2_POOLS);
  return { published, reevaluations };
}

/** The same notice under another message id: recorded once, nothing evaluated again. */
async function sendAgainChangesNothing(body: Json, messageId: string, reevaluationsBefore: Set<string>) {
  const from = env.logs.length;
  await env.sendNotice(body, messageId);
  await env.waitForLog(new RegExp(`Notice ${body.id}: duplicate-id\\.`), from);
  await env.waitForLog(
    new RegExp(`The re-evaluation alerts:notice:${body.id}:\\w+ exists already \\(Completed\\)`),
    from,
  );
  expect((await env.instances("alerts-reevaluation")).length).toBe(reevaluationsBefore.size + 1);
  expect(await env.topicAlerts()).toEqual([]);
}

beforeAll(async () => {
  // The evening before the demo's night; a second firing at 03:00 must start nothing. State in SQLite,
  // as on one machine (alert-sinks.e2e runs on Table Storage on Azurite).
  env = await startEnvironment({
    state: "sqlite",
    start: "2026-03-02T20:00:00Z",
    settings: { INVENTORY_SCHEDULE: "0 0 2,3 * * *" },
  });
});

afterAll(() => env?.close());

describe("the app the host runs", () => {
  it("registers every activity and orchestration the contracts name", () => {
    for (const name of [...Object.values(ACTIVITIES), ...Object.values(ORCHESTRATIONS)]) {
      expect(env.host.functions, name).toContain(name);
    }
  });
});

describe("the nightly inventory of the demo fleet", () => {
  it("scans at 02:00 UTC: every pool with its state, dependencies, and one alert per crossed stage", async () => {
    await env.clock.advanceTo(Date.parse("2026-03-03T02:00:00Z"));
    const scan = await env.host.waitForInstance("inventory-scan:2026-03-03", { timeoutMs: 60_000 });
    expect(scan.runtimeStatus).toBe("Completed");
    const result = scan.output as Json;
    expect(result.scanId).toBe("2026-03-03T02:00:00Z");
    expect(result.summary).toMatchObject({
      status: "complete",
      incompleteReasons: [],
      clusterCount: 4,
      poolCount: 9,
      clustersWithErrors: 0,
      poolsByState: { "end-of-support": 7, "nearing-end": 2 },
    });
    expect(result.dependencies).toEqual({ scanned: 4, failed: [] });
    // Azure Linux 2 image removal (5 pools) and the Kubernetes version of every pool (9).
    expect(result.alerts).toMatchObject({
      kind: "done",
      decision: { kind: "decided", pools: 9, decided: 14, byKind: { stage: 14 } },
      delivery: { kind: "sent", sinks: ["topic"], delivered: 14, failureCount: 0, pending: 0 },
    });

    const inventory = await env.api("/api/inventory");
    expect(inventory.status).toBe(200);
    expect(inventory.body.count).toBe(9);
    expect(inventory.body.countsByState).toEqual({ "end-of-support": 7, "nearing-end": 2 });
    const apps = inventory.body.pools.find((p: Json) => poolName(p) === "aks-prod-weu/apps");
    expect(apps).toMatchObject({
      osSku: "AzureLinux",
      effectiveOs: "AzureLinux2",
      kubernetesVersion: "1.31.8",
      state: "end-of-support",
      imageRemoval: "2026-03-31",
      daysToRemoval: 28,
      recommendedOsSku: "AzureLinux3",
      count: 6,
      stale: false,
      scanId: "2026-03-03T02:00:00Z",
    });
    const nearing = await env.api("/api/inventory?state=nearing-end");
    expect(nearing.body.pools.map(poolName).sort()).toEqual(["aks-dev-weu/system", "aks-dev-weu/ubuntu"]);
    const nonprod = await env.api(
      "/api/inventory?subscription=7c9e6679-7425-40de-944b-e07fc1f90ae7&osSku=azurelinux",
    );
    expect(nonprod.body.pools.map(poolName)).toEqual(["aks-test-neu/system"]);

    const byName = await env.api("/api/clusters/aks-prod-weu/dependencies");
    expect(byName.status).toBe(200);
    const risks = byName.body.pools.map((p: Json) => [
      p.pool,
      p.complexity,
      p.reasons.map((r: Json) => r.code),
    ]);
    expect(risks).toEqual([
      ["system", "simple", []],
      ["apps", "complex", expect.arrayContaining(["statefulset"])],
      ["win", "complex", expect.arrayContaining(["bare-pod", "no-pdb"])],
    ]);
    const byId = await env.api(
      `/api/clusters/${encodeURIComponent(`${PROD}/rg-prod-weu/providers/Microsoft.ContainerService/managedClusters/aks-prod-weu`)}/dependencies`,
    );
    expect(byId.body).toEqual(byName.body);

    const published = await env.topicAlerts();
    expect(published).toHaveLength(14);
    const imageRemoval = published.filter((a: Json) => a.subject === "osSku:azurelinux2");
    expect(imageRemoval.map(alertPool).sort()).toEqual(AZURE_LINUX_2_POOLS);
    expect(imageRemoval.every((a: Json) => a.stage === "image-removal-30d")).toBe(true);
    const alerts = await env.api("/api/alerts");
    expect(alerts.body.byStatus).toEqual({ pending: 0, delivered: 14 });

    // The Teams card's "Pool status" link, under this host, shows exactly the alert's pool.
    for (const alert of imageRemoval) {
      const link = new URL(poolStatusUrl(env.host.origin, alert.pool));
      const status = await env.api(`${link.pathname}${link.search}`);
      expect(status.status).toBe(200);
      expect(status.body.pools.map(poolName)).toEqual([alertPool(alert)]);
      expect(status.body.pools[0].clusterId).toBe(alert.pool.clusterId);
    }
  });

  it("starts nothing on a second firing the same day, and a re-run the same night sends nothing", async () => {
    const from = env.logs.length;
    await env.clock.advanceTo(Date.parse("2026-03-03T03:00:00Z"));
    await env.waitForLog(/The inventory scan inventory-scan:2026-03-03 exists already \(Completed\)/, from);
    expect((await env.instances("inventory-scan")).map((i) => i.instanceId)).toEqual([
      "inventory-scan:2026-03-03",
    ]);

    await env.clock.advanceBy(10 * 60_000);
    const started = await env.api("/api/inventory/scans", { method: "POST" });
    expect(started.status).toBe(202);
    const statusUrl = `/api/inventory/scans/${encodeURIComponent(started.body.id)}`;
    expect(started.body).toEqual({ id: expect.stringMatching(/^inventory-scan:/), statusUrl });
    // Durable's check-status links carry the system key, which could answer any migration's gate.
    expect(started.text).not.toMatch(/code=|PostUri|GetUri/);
    const rerun = await env.host.waitForInstance(started.body.id, { timeoutMs: 60_000 });
    expect(rerun.runtimeStatus).toBe("Completed");
    const status = await env.api(statusUrl);
    expect(status.body).toMatchObject({ id: started.body.id, runtimeStatus: "Completed" });
    expect(status.body.summary.scanId).toBe((rerun.output as Json).scanId);
    expect((await env.api("/api/inventory/scans/inventory-scan%3A2020-01-01")).status).toBe(404);
    expect((await env.api("/api/inventory/scans/..%2Fmigrations")).status).toBe(404);
    expect((rerun.output as Json).alerts).toMatchObject({
      decision: { decided: 0 },
      delivery: { delivered: 0, pending: 0 },
    });
    expect(await env.topicAlerts()).toEqual([]);
    const trends = (await env.api("/api/inventory")).body.scan;
    expect(trends.scanId).toBe((rerun.output as Json).scanId);
  });

  it("applies a notice that moves a date: the calendar changes and exactly the affected pools are alerted", async () => {
    const { published, reevaluations } = await sendAzureLinux2Change(
      SAMPLE_NOTICE,
      "azl2-removal-2026-06-30",
    );
    for (const alert of published) {
      expect(alert).toMatchObject({
        kind: "dates-changed",
        subject: "osSku:azurelinux2",
        imageRemoval: { date: "2026-06-30", sourceUrl: "https://github.com/Azure/AKS/issues/4988" },
        previous: { endOfSupport: "2025-11-30", imageRemoval: "2026-03-31" },
      });
    }

    const calendar = await env.api("/api/calendar");
    const azureLinux2 = calendar.body.entries.find((e: Json) => e.subject.value === "AzureLinux2");
    // The notice holds, and the sourced date it corrected stays in view.
    expect(azureLinux2.imageRemoval).toMatchObject({
      date: "2026-06-30",
      noticeId: "azl2-removal-2026-06-30",
      supersedes: { date: "2026-03-31", sourceUrl: azureLinux2.endOfSupport.sourceUrl },
    });
    expect(azureLinux2.imageRemoval.supersedes).not.toHaveProperty("noticeId");
    expect(azureLinux2.notices).toEqual([
      expect.objectContaining({ id: "azl2-removal-2026-06-30", holds: ["imageRemoval"], superseded: [] }),
    ]);
    const ics = await env.api("/api/calendar.ics");
    expect(ics.type).toMatch(/^text\/calendar/);
    const removal = icsEvents(ics.text).find((event) =>
      event.includes("SUMMARY:Azure Linux 2.0: node images removed"),
    );
    expect(removal).toContain("DTSTART;VALUE=DATE:20260630");
    // The notice set the date once: the event's sequence counts it, so calendars move the event.
    expect(removal).toContain("SEQUENCE:1");
    expect(removal).toContain("Date set by notice azl2-removal-2026-06-30.");
    const apps = (await env.api("/api/inventory?cluster=aks-prod-weu")).body.pools.find(
      (p: Json) => p.pool === "apps",
    );
    expect(apps).toMatchObject({ imageRemoval: "2026-06-30", daysToRemoval: 119 });

    await sendAgainChangesNothing(SAMPLE_NOTICE, "azl2-again", reevaluations);
  });

  it("records an invalid notice with a readable reason, applies nothing of it and does not retry it", async () => {
    const from = env.logs.length;
    await env.sendNotice(notice("invalid/notice-misspelt-field.json"), "misspelt-1");
    const warning = await env.waitForLog(/^Message misspelt-1 rejected/, from);
    expect(warning.msg).toBe(
      "Message misspelt-1 rejected (recorded, not retried): lifecycle notice refused: 2 problems\n" +
        "  - (body): unknown field(s) endOfSuport\n" +
        "  - (body): states neither endOfSupport nor imageRemoval: give at least one date",
    );
    const notices = (await env.api("/api/notices")).body;
    expect(notices.rejections).toEqual([
      expect.objectContaining({
        key: "misspelt-1",
        reason: "lifecycle notice refused: 2 problems",
        problems: [
          "(body): unknown field(s) endOfSuport",
          "(body): states neither endOfSupport nor imageRemoval: give at least one date",
        ],
      }),
    ]);
    expect(notices.notices.map((n: Json) => n.notice.id)).toEqual(["azl2-removal-2026-06-30"]);
    expect(await env.noticesQueueDepth()).toEqual({ active: 0, deadLettered: 0 });
  });

  it("starts the re-evaluation when a notice comes back after its first delivery stored it but could not start it", async () => {
    const moved = {
      id: "k8s-1.32-eos-moved",
      subject: { kind: "kubernetesVersion", value: "1.32" },
      endOfSupport: "2026-04-30",
      sourceUrl:
        "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/supported-kubernetes-versions.md",
    };
    // The first delivery got as far as storing the notice, then failed (the Durable client was
    // unreachable): its message went back to the queue, and the service sees it again.
    const first = await ingestNoticeMessage(env.notices, {
      body: moved,
      messageId: "k8s-132",
      receivedAt: new Date(env.clock.now()).toISOString(),
    });
    expect(first).toMatchObject({ kind: "notice", acceptance: "accepted" });
    const reevaluations = new Set((await env.instances("alerts-reevaluation")).map((i) => i.instanceId));
    await env.sendNotice(moved, "k8s-132");
    const run = await env.waitForNewInstance("alerts-reevaluation", reevaluations);
    expect(run.instanceId).toMatch(/^alerts:notice:k8s-1\.32-eos-moved:[0-9a-f]{16}$/);
    expect((run.output as Json).alerts).toMatchObject({
      decision: { decided: 2, byKind: { "dates-changed": 2 } },
      delivery: { delivered: 2 },
    });
    const published = await env.topicAlerts();
    expect(published.map(alertPool).sort()).toEqual(["aks-dev-weu/system", "aks-dev-weu/ubuntu"]);
    expect(published.every((alert: Json) => alert.endOfSupport.date === "2026-04-30")).toBe(true);
  });

  it("withdraws the notice: the calendar is back to the sourced date and the same pools are alerted again", async () => {
    const { published, reevaluations } = await sendAzureLinux2Change(SAMPLE_WITHDRAWAL, "azl2-withdrawn");
    for (const alert of published) {
      expect(alert).toMatchObject({
        kind: "dates-changed",
        subject: "osSku:azurelinux2",
        imageRemoval: { date: "2026-03-31" },
        previous: { endOfSupport: "2025-11-30", imageRemoval: "2026-06-30" },
      });
    }

    const calendar = await env.api("/api/calendar");
    const azureLinux2 = calendar.body.entries.find((e: Json) => e.subject.value === "AzureLinux2");
    expect(azureLinux2.imageRemoval.date).toBe("2026-03-31");
    expect(azureLinux2.imageRemoval).not.toHaveProperty("noticeId");
    expect(azureLinux2.notices).toEqual([
      expect.objectContaining({
        id: "azl2-removal-2026-06-30",
        holds: [],
        withdrawnBy: "azl2-removal-2026-06-30-withdrawn",
      }),
      expect.objectContaining({
        id: "azl2-removal-2026-06-30-withdrawn",
        withdraws: "azl2-removal-2026-06-30",
        explanation: "withdraws notice azl2-removal-2026-06-30: its dates no longer count",
      }),
    ]);
    const removal = icsEvents((await env.api("/api/calendar.ics")).text).find((event) =>
      event.includes("SUMMARY:Azure Linux 2.0: node images removed"),
    );
    expect(removal).toContain("DTSTART;VALUE=DATE:20260331");
    // The notice and its withdrawal each moved the date: the same event, a higher sequence.
    expect(removal).toContain("SEQUENCE:2");
    const notices = (await env.api("/api/notices")).body.notices;
    expect(notices.map((n: Json) => [n.notice.id, n.notice.withdraws])).toContainEqual([
      "azl2-removal-2026-06-30-withdrawn",
      "azl2-removal-2026-06-30",
    ]);
    const apps = (await env.api("/api/inventory?cluster=aks-prod-weu")).body.pools.find(
      (p: Json) => p.pool === "apps",
    );
    expect(apps).toMatchObject({ imageRemoval: "2026-03-31" });

    await sendAgainChangesNothing(SAMPLE_WITHDRAWAL, "azl2-withdrawn-again", reevaluations);
  });

  it("keeps scanning through Resource Graph throttling and a broken cluster", async () => {
    const faults = [
      env.sim.fleet.faults.add({
        kind: "arm-error",
        status: 429,
        retryAfterSeconds: 3,
        pathContains: "Microsoft.ResourceGraph",
        times: 2,
      }),
      env.sim.fleet.faults.add({ kind: "kube-error", cluster: "aks-test-neu" }),
    ];
    try {
      await env.clock.advanceBy(10 * 60_000);
      const scan = await env.scanNow();
      expect(scan.runtimeStatus).toBe("Completed");
      const result = scan.output as Json;
      expect(result.listing.stats).toMatchObject({ throttled: 2, waitedMs: 6_000 });
      expect(result.summary).toMatchObject({
        status: "complete",
        clusterCount: 4,
        poolCount: 9,
        clustersWithErrors: 1,
      });
      expect(result.dependencies.scanned).toBe(3);
      expect(result.dependencies.failed).toEqual([
        {
          clusterId: TEST_NEU,
          error: expect.stringMatching(
            /^listing \w+ failed after 4 attempts: 500 Internal error occurred: injected by the simulator's kube-error fault$/,
          ),
        },
      ]);
      const dependencies = (await env.api("/api/clusters/aks-test-neu/dependencies")).body;
      expect(dependencies.lastError).toMatchObject({
        scanId: result.scanId,
        message: result.dependencies.failed[0].error,
      });
      // The last good results stay.
      expect(dependencies.pools.map((p: Json) => p.pool)).toEqual(["system", "workers"]);
    } finally {
      for (const fault of faults) env.sim.fleet.faults.remove(fault.id);
    }
  });

  it("marks a scan incomplete when Resource Graph is down, and carries every pool forward", async () => {
    const fault = env.sim.fleet.faults.add({
      kind: "arm-error",
      status: 500,
      pathContains: "Microsoft.ResourceGraph",
    });
    try {
      await env.clock.advanceBy(10 * 60_000);
      const scan = await env.scanNow();
      expect(scan.runtimeStatus).toBe("Completed");
      const result = scan.output as Json;
      expect(result.summary).toMatchObject({ status: "incomplete", clusterCount: 0, poolCount: 0 });
      expect(result.summary.incompleteReasons).toEqual([
        expect.stringMatching(
          /^Resource Graph could not list the tenant: still failing after 8 attempts \(last: 500: /,
        ),
      ]);
      const inventory = (await env.api("/api/inventory")).body;
      expect(inventory.scan).toMatchObject({ scanId: result.scanId, status: "incomplete" });
      expect(inventory.count).toBe(9);
      expect(inventory.pools.every((p: Json) => p.stale === true)).toBe(true);
      // A cluster carried forward is still found by name, with its last dependency scan.
      const dependencies = await env.api("/api/clusters/aks-prod-weu/dependencies");
      expect(dependencies.status).toBe(200);
      expect(dependencies.body.pools.map((p: Json) => p.pool)).toEqual(["system", "apps", "win"]);
    } finally {
      env.sim.fleet.faults.remove(fault.id);
    }
  });
});

describe("a large fleet's scan", () => {
  it("scans dependencies in chunks, one sub-orchestration each, so no history grows with the fleet", async () => {
    await env.clock.advanceBy(10 * 60_000);
    const client = env.host.getClient();
    const id = await client.startNew("inventory-scan", {
      instanceId: "inventory-scan:chunked",
      input: { requestedBy: "operator", concurrency: 2, clustersPerChunk: 3 },
    });
    const scan = await env.host.waitForInstance(id, { timeoutMs: 60_000 });
    expect(scan.runtimeStatus).toBe("Completed");
    expect((scan.output as Json).dependencies).toEqual({ scanned: 4, failed: [] });
    const chunks = (await env.instances("dependency-scans")).filter(
      (chunk) => (chunk.input as Json).scanId === (scan.output as Json).scanId,
    );
    expect(chunks.map((chunk) => (chunk.input as Json).clusters.length).sort()).toEqual([1, 3]);
  });
});

describe("an alert a delivery run killed midway left behind", () => {
  it("is sent again at once by that run resumed, under the same id, and reaches the topic once", async () => {
    await env.clock.advanceBy(10 * 60_000);
    const [alert] = await decideAlerts(
      env.alerts,
      [azureLinux2Finding("aks-gone", "system")],
      new Date(env.clock.now()),
    );
    if (!alert) throw new Error("no alert was decided");
    // The killed run (the scan instance about to run again) had leased the alert and sent it, and died
    // before recording the delivery.
    const now = env.clock.now();
    const instance = `inventory-scan:${new Date(now).toISOString().slice(0, 19)}Z`;
    expect(await env.alerts.claim(alert.id, now, now + DEFAULT_LEASE_MS, instance)).toBeDefined();
    await env.publishAlert(alert);

    const scan = await env.scanNow();
    expect(scan.instanceId).toBe(instance);
    expect((scan.output as Json).alerts).toMatchObject({
      kind: "done",
      decision: { decided: 0 },
      delivery: { delivered: 1, failureCount: 0, pending: 0 },
    });
    // The demo topic's duplicate detection drops the second send: its message id is the alert's.
    expect(await env.topicAlerts()).toEqual([alert]);
    expect((await env.api("/api/alerts?status=pending")).body.count).toBe(0);
  });

  it("is left pending by another run while its lease holds, and sent by the first run after it", async () => {
    await env.clock.advanceBy(10 * 60_000);
    const [alert] = await decideAlerts(
      env.alerts,
      [azureLinux2Finding("aks-gone-too", "system")],
      new Date(env.clock.now()),
    );
    if (!alert) throw new Error("no alert was decided");
    const now = env.clock.now();
    expect(
      await env.alerts.claim(alert.id, now, now + DEFAULT_LEASE_MS, "a-run-gone-for-good"),
    ).toBeDefined();

    const during = await env.scanNow();
    expect((during.output as Json).alerts.delivery).toMatchObject({ delivered: 0, pending: 1 });
    expect(await env.topicAlerts()).toEqual([]);

    await env.clock.advanceBy(DEFAULT_LEASE_MS);
    const after = await env.scanNow();
    expect((after.output as Json).alerts.delivery).toMatchObject({ delivered: 1, pending: 0 });
    expect(await env.topicAlerts()).toEqual([alert]);
  });
});

describe("the HTTP read side's errors", () => {
  it("answers unknown clusters with 404 and bad filters with 400, as JSON with a reason", async () => {
    const unknown = await env.api("/api/clusters/no-such-cluster/dependencies");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.reason).toBe('no cluster named "no-such-cluster" is in the inventory');
    const unknownId = await env.api(
      `/api/clusters/${encodeURIComponent(`${PROD}/rg/providers/Microsoft.ContainerService/managedClusters/gone`)}/dependencies`,
    );
    expect(unknownId.status).toBe(404);
    const misspelt = await env.api("/api/inventory?sate=supported");
    expect(misspelt.status).toBe(400);
    expect(misspelt.body.error.reason).toBe(
      "unknown query parameter(s): sate (known: subscription, cluster, state, osSku, pool)",
    );
    const badStatus = await env.api("/api/alerts?status=sent");
    expect(badStatus.status).toBe(400);
    expect(badStatus.body.error.reason).toBe('status "sent" is not one of pending, delivered');
  });
});
