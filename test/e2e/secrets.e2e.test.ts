// Issue 10 item 5: no token, key or connection string in history, custom status, logs, alerts or audit
// records. One run does what the product does on the demo fleet (a scan through throttling and a broken
// cluster, alerts to a webhook that is down at first, Teams and the topic, a notice and an invalid one, a
// pool migration two people approve, everyone signed in with Entra ID tokens), then everything it wrote
// is searched for every secret the run used, each taken from where it really is, and for anything shaped
// like a credential.

import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import {
  anAccessToken,
  aSigningKey,
  CLIENT_ID,
  startEntraAuthority,
  TENANT_ID,
} from "../support/entra-authority.ts";
import { startRecorder } from "../support/http-recorder.ts";
import {
  describeLeaks,
  findLeaks,
  headerSecrets,
  hostKeySecrets,
  kubeconfigSecrets,
  presentedSecrets,
  type Secret,
  settingSecrets,
  type Written,
} from "../support/secrets.ts";
import { startEnvironment } from "./environment.ts";
import {
  apiAnswersWritten,
  durableInstancesWritten,
  fleetWritten,
  logsWritten,
  repositoriesWritten,
  requestsWritten,
  sqliteFileWritten,
  tablesWritten,
} from "./everything-written.ts";
import {
  ANA,
  approveAll,
  BEN,
  driveMigration,
  type Person,
  RITA,
  startMigration,
} from "./migration-driver.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const json = (url: URL): Json => JSON.parse(readFileSync(url, "utf8"));
const SAMPLE_NOTICE = json(
  new URL("../../local/notices/azure-linux-2-removal-moved.notice.json", import.meta.url),
);
const INVALID_NOTICE = json(
  new URL("../fixtures/notices/invalid/notice-misspelt-field.json", import.meta.url),
);

/** A token shaped like the ones Entra issues, new each run, so only this run could have written it. */
function jwtShapedToken(): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return [
    part({ alg: "RS256", typ: "JWT" }),
    part({ nonce: randomBytes(16).toString("hex") }),
    randomBytes(32).toString("base64url"),
  ].join(".");
}

describe("secrets stay out of what the product writes", () => {
  it("leaves no secret in logs, durable state, alerts, notices, audit or migration records, state or the fleet", async () => {
    const hostDataDir = mkdtempSync(join(tmpdir(), "e2e-host-"));
    onTestFinished(() => rmSync(hostDataDir, { recursive: true, force: true }));
    const authority = await startEntraAuthority();
    onTestFinished(() => authority.close());
    const key = await aSigningKey("e2e-key");
    authority.publish(key);
    // Down for the scan's four attempts: its failure is recorded, and the alerts go out on the next run.
    const webhook = await startRecorder((nth) =>
      nth <= 4 ? { status: 503, body: "maintenance" } : { status: 202 },
    );
    const teams = await startRecorder(() => ({ status: 200, body: "1" }));
    const env = await startEnvironment({
      start: "2026-03-02T08:00:00Z",
      hostDataDir,
      logLevel: "debug",
      settings: {
        AUTH_MODE: "entra",
        ENTRA_TENANT_ID: TENANT_ID,
        ENTRA_AUDIENCE: CLIENT_ID,
        ENTRA_AUTHORITY: authority.url,
        ENTRA_CA_FILE: authority.caFile,
        ARM_LOCAL_TOKEN: jwtShapedToken(),
        ALERT_WEBHOOK_URL: webhook.url,
        ALERT_TEAMS_WEBHOOK_URL: teams.url,
        STATUS_BASE_URL: "https://lifecycle.example.test",
      },
    });
    try {
      // A scan through Resource Graph throttling and a broken cluster: error paths log and record too.
      const faults = [
        env.sim.fleet.faults.add({
          kind: "arm-error",
          status: 429,
          retryAfterSeconds: 3,
          pathContains: "Microsoft.ResourceGraph",
          times: 1,
        }),
        env.sim.fleet.faults.add({ kind: "kube-error", cluster: "aks-test-neu" }),
      ];
      const scan = await env.scanNow();
      for (const fault of faults) env.sim.fleet.faults.remove(fault.id);
      expect((scan.output as Json).dependencies.failed).toHaveLength(1);
      expect((scan.output as Json).alerts.delivery).toMatchObject({ failureCount: 1, pending: 14 });

      const reevaluations = new Set((await env.instances("alerts-reevaluation")).map((i) => i.instanceId));
      await env.sendNotice(SAMPLE_NOTICE, "azl2-removal-moved");
      expect((await env.waitForNewInstance("alerts-reevaluation", reevaluations)).runtimeStatus).toBe(
        "Completed",
      );
      const from = env.logs.length;
      await env.sendNotice(INVALID_NOTICE, "misspelt");
      await env.waitForLog(/^Message misspelt rejected/, from);

      // People sign in with Entra ID tokens: each one is a secret the product must not keep.
      const tokens = new Map<string, string>();
      for (const person of [RITA, ANA, BEN]) {
        const claims = { oid: randomUUID(), preferred_username: person.name, roles: person.roles };
        tokens.set(
          person.name,
          await anAccessToken(key, { now: Date.now(), authority: authority.url, claims }),
        );
      }
      const caller = Object.assign(env, {
        identify: (person: Person) => ({ authorization: `Bearer ${tokens.get(person.name)}` }),
      });
      const id = await startMigration(caller, "aks-prod-eus", "batch");
      const migration = await driveMigration(caller, id, approveAll(caller));
      expect(migration.outcome, JSON.stringify(migration.history.slice(-5))).toBe("succeeded");
      expect((await env.api("/api/alerts?status=pending")).body.count).toBe(0);

      const clusterIds = env.sim.clusters.map((c) => c.id);
      // The namespace's store before the topic is drained: received messages leave it.
      const serviceBusStore = sqliteFileWritten(
        "the Service Bus namespace's store",
        join(env.sim.dataDir, "servicebus.sqlite"),
      );
      const topic = (await env.topicAlerts()).map((body, index) => ({
        where: `topic message ${index + 1}`,
        text: JSON.stringify(body),
      }));
      const written: Written[] = [
        ...serviceBusStore,
        ...topic,
        ...requestsWritten("webhook", webhook.requests),
        ...requestsWritten("Teams", teams.requests),
        ...(await durableInstancesWritten(env)),
        ...sqliteFileWritten("the host's durable store", join(hostDataDir, "durable.sqlite")),
        ...(await tablesWritten(env.settings.TABLES_CONNECTION_STRING as string)),
        ...(await repositoriesWritten(env.repositories, clusterIds)),
        ...(await apiAnswersWritten(env, clusterIds)),
        ...fleetWritten(env.sim),
        // Last: reading the rest logged too.
        ...logsWritten(env.logs),
      ];
      const secrets: Secret[] = [
        ...settingSecrets(env.settings),
        ...kubeconfigSecrets(env.settings.KUBECONFIG_DIR as string),
        ...hostKeySecrets(env.host.keys),
        ...presentedSecrets(env.sim.presentedCredentials()),
        ...headerSecrets(env.requestHeaders),
      ];

      // The search covers every kind of secret the run used and every place the product wrote to.
      expect(new Set(secrets.map((s) => s.kind))).toEqual(
        new Set([
          "setting TABLES_CONNECTION_STRING",
          "setting TABLES_CONNECTION_STRING's AccountKey",
          "setting ServiceBusConnection",
          "setting ServiceBusConnection's SharedAccessKey",
          "setting ARM_LOCAL_TOKEN",
          "setting ALERT_WEBHOOK_URL's query parameter sig",
          "setting ALERT_TEAMS_WEBHOOK_URL's query parameter sig",
          ...env.sim.clusters.map(
            (c) => `kubeconfig ${c.name}.yaml user clusterUser_${c.resourceGroup}_${c.name}'s token`,
          ),
          "host key master",
          "host key functionDefault",
          "host key durableSystem",
          "credential presented to arm",
          ...env.sim.clusters.map((c) => `credential presented to kube:${c.name}`),
          "credential presented to servicebus",
          "x-functions-key header the test sent",
          "Authorization token header the test sent",
        ]),
      );
      const places = [
        "log line",
        "instance migration:",
        "instance inventory-scan",
        "instance alerts:notice:",
        "topic message",
        "webhook request",
        "Teams request",
        "migration record",
        "audit record",
        "notice ",
        "alert ",
        "table ",
        "the host's durable store",
        "the Service Bus namespace's store",
        "the API's answer",
        "aks-prod-eus nodes",
      ];
      for (const place of places)
        expect(
          written.some((w) => w.where.startsWith(place)),
          place,
        ).toBe(true);
      expect(written.some((w) => /custom status/.test(w.where) && w.text.includes("phase"))).toBe(true);

      expect(describeLeaks(findLeaks(secrets, written))).toBe("");
    } finally {
      await env.close();
    }
  });
});
