// Killed at any moment, nothing is lost or done twice: `start` runs as a child process on one data
// directory and its whole process group is killed with SIGKILL (as an OOM kill or a power cut does) at
// seeded random moments: during the start-up scan, during alert delivery, just after a notice is
// acknowledged, and idle; restarted each time on the same directory. The fleet is the demo's with the
// alert topic slow to accept sends, so delivery spans seconds and a kill inside it usually falls between
// an alert reaching the topic and its delivery being recorded. Then the last scan is complete with every
// pool, each alert reached the topic exactly once, every acknowledged notice is applied and no
// orchestration is left Failed. CRASH_SEED=<n> replays a run's kill schedule (its seed is printed).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { ServiceBusClient, type ServiceBusReceivedMessage } from "@azure/service-bus";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { prepareNotice } from "../../bin/notices/notice-sender.ts";
import { durableClientData } from "../../local/host/durable-http-api.ts";
import { durableClientFor } from "../../local/host/host.ts";
import { loadHostKeys } from "../../local/host/host-keys.ts";
import type { ScenarioInput } from "../../local/sim/scenario/schema.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { killGroup, READY, type StartedCommand, startCommand } from "../support/start-command.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const APP = join(ROOT, "functions", "index.ts");
const TASK_HUB = "AksImageLifecycle"; // host.json
const NOTICES_QUEUE = "retirement-notices";
const ALERT_TOPIC = "lifecycle-alerts";
const ALERT_SUBSCRIPTION = "platform-team";
const PHASES = ["scan", "alert-delivery", "notice-acknowledged", "idle"] as const;
type Phase = (typeof PHASES)[number];
/** Kills per phase: 20 in all, each about six seconds (a start is about five) on two cores, more when busy. */
const KILLS_PER_PHASE = 5;
/** Of a phase's kills, at least this many must land in it: a kill that can miss its moment sometimes does. */
const LANDED_AT_LEAST = 3;
/** How long the topic takes to accept each alert: a notice's alerts take a second or more to deliver. */
const SLOW_SEND_MS = 200;
/** A kill during the scan lands within the shortest scan seen so far; before any, within this. */
const FIRST_SCAN_KILL_WINDOW_MS = 1_000;
const IDLE_KILL_WINDOW_MS = 1_000;
const POLL_MS = 20;
/** Real time allowed for an acknowledgement, or for the service to settle. */
const WAIT_MS = 60_000;

const SEED = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const data = mkdtempSync(join(tmpdir(), "aks-crash-"));
const runs: StartedCommand[] = [];

afterAll(() => {
  for (const { child } of runs) killGroup(child);
  rmSync(data, { recursive: true, force: true });
});

/** The demo fleet with the alert topic slow to accept sends, as a scenario file in the data directory. */
function slowTopicScenario(): string {
  const demo = parse(readFileSync(join(ROOT, "local", "scenarios", "demo.yaml"), "utf8")) as ScenarioInput;
  const scenario: ScenarioInput = {
    ...demo,
    faults: [
      ...(demo.faults ?? []),
      { kind: "servicebus-slow-send", entity: ALERT_TOPIC, delayMs: SLOW_SEND_MS },
    ],
  };
  const file = join(data, "crash-scenario.json");
  writeFileSync(file, JSON.stringify(scenario));
  return file;
}

const scenarioFile = slowTopicScenario();

function startService(): StartedCommand {
  const run = startCommand(data, ["--scenario", scenarioFile]);
  runs.push(run);
  return run;
}

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

function shuffled<T>(items: T[], random: () => number): T[] {
  const result = [...items];
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/** The first value `probe` gives, asking every POLL_MS; undefined after `timeoutMs`. */
async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(POLL_MS);
  }
  return undefined;
}

interface Service {
  readonly origin: string;
  readonly serviceBus: string;
}

/** Waits for the start-up scan to be printed; the API's origin and the Service Bus connection string. */
async function whenReady(run: StartedCommand): Promise<Service> {
  const output = await run.waitFor(READY);
  const origin = /The API is at (http:\/\/127\.0\.0\.1:\d+)\/api:/.exec(output)?.[1];
  const serviceBus = /--connection-string '([^']+)'/.exec(output)?.[1];
  if (!origin || !serviceBus) throw new Error(`start printed no API or Service Bus:\n${output}`);
  return { origin, serviceBus };
}

async function api(service: Service, path: string): Promise<Json> {
  const response = await fetch(`${service.origin}${path}`);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** The n-th demo notice: each moves the Azure Linux 2 image removal to another date. */
function notice(n: number): { id: string; imageRemoval: string; text: string } {
  const id = `crash-azl2-removal-${n}`;
  const imageRemoval = new Date(Date.UTC(2027, 0, 1 + n)).toISOString().slice(0, 10);
  const body = {
    id,
    subject: { kind: "osSku", value: "AzureLinux2" },
    imageRemoval,
    sourceUrl: "https://github.com/Azure/AKS/issues/4988",
    note: "Crash test notice: moves the Azure Linux 2 image removal once more.",
  };
  return { id, imageRemoval, text: JSON.stringify(body) };
}

/** Sends a notice as `notices send` does; resolves once the queue no longer holds it (it was completed). */
async function sendNotice(service: Service, text: string): Promise<void> {
  const prepared = prepareNotice(text, new Date());
  if (!prepared.ok) throw new Error(`the test's notice is refused: ${prepared.rejection.reason}`);
  const client = new ServiceBusClient(service.serviceBus);
  try {
    const sender = client.createSender(NOTICES_QUEUE);
    await sender.sendMessages(prepared.message);
    const acknowledged = await poll(async () => {
      // A new receiver each time: a receiver's peeks continue after the last message it peeked.
      const receiver = client.createReceiver(NOTICES_QUEUE);
      const held = await receiver.peekMessages(100);
      await receiver.close();
      return held.some((message) => message.messageId === prepared.message.messageId) ? undefined : true;
    });
    if (!acknowledged) throw new Error(`notice ${prepared.message.messageId} was never acknowledged`);
  } finally {
    await client.close();
  }
}

/** Alerts decided so far, by delivery status. */
async function alertCounts(service: Service): Promise<{ pending: number; delivered: number }> {
  return (await api(service, "/api/alerts")).byStatus;
}

function durableClient(service: Service) {
  const systemKey = loadHostKeys(join(data, "host")).durableSystem;
  return durableClientFor(APP, durableClientData(service.origin, TASK_HUB, systemKey));
}

type DurableClient = ReturnType<typeof durableClient>;
type InstanceStatus = Awaited<ReturnType<DurableClient["getStatusAll"]>>[number];

/** Every instance, once none is Running or Pending. */
async function settledInstances(client: DurableClient): Promise<InstanceStatus[] | undefined> {
  const all = await client.getStatusAll();
  return all.every((instance) => !["Running", "Pending"].includes(String(instance.runtimeStatus)))
    ? all
    : undefined;
}

/**
 * Waits until alerts decided since `before` are partly delivered, then a random part of one slow send
 * more, so the kill usually comes after the topic has an alert whose delivery is not yet recorded.
 * Whether some alert is still pending then (else the window was missed).
 */
async function midDelivery(
  service: Service,
  before: { delivered: number },
  delayFraction: number,
): Promise<boolean> {
  const partly = await poll(async () => {
    const now = await alertCounts(service);
    return now.delivered > before.delivered && now.pending > 0 ? true : undefined;
  }, 10_000);
  if (!partly) return false;
  await sleep(delayFraction * SLOW_SEND_MS);
  return (await alertCounts(service)).pending > 0;
}

/** Every message on the alert topic's subscription, received and settled with the SDK. */
async function receiveAllAlerts(service: Service): Promise<ServiceBusReceivedMessage[]> {
  const client = new ServiceBusClient(service.serviceBus);
  const receiver = client.createReceiver(ALERT_TOPIC, ALERT_SUBSCRIPTION, {
    receiveMode: "receiveAndDelete",
  });
  const received: ServiceBusReceivedMessage[] = [];
  try {
    for (;;) {
      const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 1_000 });
      if (batch.length === 0) return received;
      received.push(...batch);
    }
  } finally {
    await receiver.close();
    await client.close();
  }
}

describe("start, killed with SIGKILL at random moments and started again on the same data", () => {
  it(
    "keeps the last scan complete, sends each alert once, applies every acknowledged notice, fails no instance",
    async () => {
      console.log(`crash test seed ${SEED} (CRASH_SEED=${SEED} replays the kill schedule)`);
      const random = seededRandom(SEED);
      const schedule = shuffled(
        PHASES.flatMap((phase) => Array<Phase>(KILLS_PER_PHASE).fill(phase)),
        random,
      );
      const acknowledged: ReturnType<typeof notice>[] = [];
      const landed: Record<Phase, number> = {
        scan: 0,
        "alert-delivery": 0,
        "notice-acknowledged": 0,
        idle: 0,
      };
      let shortestScanMs: number | undefined;

      for (const [index, phase] of schedule.entries()) {
        // Drawn for every kill, whatever its phase, so a seed replays the same delays.
        const delayFraction = random();
        const run = startService();
        await run.waitFor(/Scanning the fleet/);
        const scanStarted = Date.now();
        let inPhase: boolean;
        if (phase === "scan") {
          await sleep(delayFraction * (shortestScanMs ?? FIRST_SCAN_KILL_WINDOW_MS));
          inPhase = !READY.test(run.stdout());
        } else {
          const service = await whenReady(run);
          const scanMs = Date.now() - scanStarted;
          shortestScanMs = Math.min(shortestScanMs ?? scanMs, scanMs);
          if (phase === "idle") {
            // Idle: what an earlier kill interrupted has finished, and no alert waits.
            const client = durableClient(service);
            const idle = await poll(async () =>
              (await settledInstances(client)) && (await alertCounts(service)).pending === 0
                ? true
                : undefined,
            );
            await sleep(delayFraction * IDLE_KILL_WINDOW_MS);
            inPhase = idle === true;
          } else {
            const before = await alertCounts(service);
            const next = notice(acknowledged.length + 1);
            await sendNotice(service, next.text);
            acknowledged.push(next);
            // Acknowledged: killed at once. Else killed inside the delivery of the alerts it causes.
            inPhase = phase === "notice-acknowledged" || (await midDelivery(service, before, delayFraction));
          }
        }
        killGroup(run.child);
        await run.exited;
        if (inPhase) landed[phase]++;
        console.log(`kill ${index + 1}/${schedule.length}: ${phase}${inPhase ? "" : " (window missed)"}`);
      }
      console.log(`kills that landed in their phase: ${JSON.stringify(landed)}`);
      // A kill just after a notice's acknowledgement cannot miss (sendNotice throws unless acknowledged).
      for (const phase of ["scan", "alert-delivery", "idle"] as const) {
        expect
          .soft(landed[phase], `kills that landed during ${phase}`)
          .toBeGreaterThanOrEqual(LANDED_AT_LEAST);
      }

      // Soft checks: a failing run reports every check that fails, not only the first.
      const run = startService();
      const service = await whenReady(run);
      expect.soft(run.stdout()).toMatch(/^Scan \S+: complete, 4 clusters, 9 node pools$/m);

      // What the last kills interrupted finishes after the restart: wait for the service to settle.
      const client = durableClient(service);
      const instances = await poll(() => settledInstances(client));
      expect(instances, "instances still running after a minute").toBeDefined();
      const notCompleted = (instances ?? [])
        .filter((instance) => instance.runtimeStatus !== "Completed")
        .map(
          (instance) =>
            `${instance.instanceId}: ${instance.runtimeStatus} ${JSON.stringify(instance.output)}`,
        );
      expect.soft(notCompleted, "instances not Completed").toEqual([]);

      const inventory = await api(service, "/api/inventory");
      expect.soft(inventory.scan.status).toBe("complete");
      expect.soft(inventory.count).toBe(9);
      expect.soft(inventory.pools.filter((pool: Json) => pool.stale)).toEqual([]);

      const alerts = await api(service, "/api/alerts");
      const pending = alerts.alerts.filter((alert: Json) => alert.status === "pending");
      expect.soft(pending, "alerts left pending").toEqual([]);
      // Counted by the alert id each message carries, not by message id: the topic's duplicate detection
      // already drops a repeated message id, so only a repeat under another message id would show.
      const messages = await receiveAllAlerts(service);
      const copies = new Map<string, number>();
      for (const message of messages) {
        const alertId = String(message.applicationProperties?.alertId);
        copies.set(alertId, (copies.get(alertId) ?? 0) + 1);
      }
      expect
        .soft(
          [...copies].filter(([, count]) => count !== 1),
          "alerts on the topic more than once",
        )
        .toEqual([]);
      expect.soft(messages.length, "messages on the topic, one per alert").toBe(copies.size);
      expect
        .soft([...copies.keys()].sort(), "the alerts on the topic are the alerts decided")
        .toEqual(alerts.alerts.map((alert: Json) => alert.alert.id).sort());

      const sent = acknowledged.map((notice) => notice.id).sort();
      const notices = await api(service, "/api/notices");
      expect
        .soft(notices.notices.map((accepted: Json) => accepted.notice.id).sort(), "notices accepted")
        .toEqual(sent);
      const calendar = await api(service, "/api/calendar");
      const azureLinux2 = calendar.entries.find((entry: Json) => entry.subject.value === "AzureLinux2");
      expect
        .soft(azureLinux2.notices.map((standing: Json) => standing.id).sort(), "notices in the calendar")
        .toEqual(sent);
      const last = acknowledged.at(-1);
      expect.soft(azureLinux2.imageRemoval).toMatchObject({ date: last?.imageRemoval, noticeId: last?.id });

      killGroup(run.child);
      await run.exited;
    },
    8 * 60_000,
  );
});
