// The product end to end on one virtual clock: the local stack npm start runs (bin/local-stack.ts), its
// state in real Azurite (or a SQLite file), with the demo fleet, and the clients a test drives it with.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ServiceBusClient,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
} from "@azure/service-bus";
import type { DurableOrchestrationStatus } from "durable-functions";
import { startLocalStack } from "../../bin/local-stack.ts";
import { type Api, apiOf } from "../../bin/migration-driver.ts";
import { VirtualClock } from "../../local/clock.ts";
import type { InstanceStatus, RunningHost } from "../../local/host/host.ts";
import type { LogLevel, LogRecord } from "../../local/host/logger.ts";
import type { Simulator } from "../../local/sim/simulator.ts";
import { TableStore } from "../../shared/azure/tables/table-store.ts";
import { type StateRepositories, sqliteRepositories, tableRepositories } from "../../shared/composition.ts";
import type { LifecycleAlert } from "../../shared/domain/alerts/alert-policy.ts";
import type { AlertRepository } from "../../shared/domain/ports/alerts.ts";
import type { NoticeRepository } from "../../shared/domain/ports/notices.ts";
import { alertMessage } from "../../shared/sinks/service-bus-topic.sink.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";

export { apiOf };

export const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const NOTICES_QUEUE = "retirement-notices";
const ALERT_SUBSCRIPTION = "platform-team";
const TABLES_PREFIX = "e2e";

// biome-ignore lint/suspicious/noExplicitAny: tests read the API's JSON by path
type Json = any;

export interface Environment {
  readonly clock: VirtualClock;
  readonly sim: Simulator;
  readonly host: RunningHost;
  readonly logs: LogRecord[];
  /** The app settings the host runs with. */
  readonly settings: Readonly<Record<string, string>>;
  /** The app's state store through its repositories, as the product reads it. */
  readonly repositories: StateRepositories;
  /** The app's notices and alerts in its state store, as the product stores them. */
  readonly notices: NoticeRepository;
  readonly alerts: AlertRepository;
  api: Api;
  /** The headers of every request sent through `api`, in order. */
  readonly requestHeaders: readonly Headers[];
  /** Enqueues a message on the retirement-notices queue, as Event Grid or `notices send` would. */
  sendNotice(body: unknown, messageId: string): Promise<void>;
  /** Publishes an alert to the topic as the product's topic sink does. */
  publishAlert(alert: LifecycleAlert): Promise<void>;
  /** Alerts published to the topic since the last call (its subscription drained). */
  topicAlerts(): Promise<Json[]>;
  /** Messages left on the notices queue and its dead-letter queue. */
  noticesQueueDepth(): Promise<{ active: number; deadLettered: number }>;
  /** Starts a scan through POST /api/inventory/scans and waits for it to end. */
  scanNow(): Promise<InstanceStatus>;
  /** Waits until an instance of `orchestration` other than those in `known` has ended. */
  waitForNewInstance(orchestration: string, known: ReadonlySet<string>): Promise<InstanceStatus>;
  instances(orchestration: string): Promise<DurableOrchestrationStatus[]>;
  waitForLog(pattern: RegExp, from?: number): Promise<LogRecord>;
  close(): Promise<void>;
}

export async function startEnvironment(options: {
  start: string;
  settings?: Record<string, string>;
  /** Where product state is kept: Table Storage on Azurite (default), or a SQLite file. */
  state?: "tables" | "sqlite";
  /** Where the host keeps its durable store and keys; in memory when absent. */
  hostDataDir?: string;
  /** The host's log level: info unless given. */
  logLevel?: LogLevel;
}): Promise<Environment> {
  const clock = new VirtualClock(Date.parse(options.start));
  const tables = (options.state ?? "tables") === "tables";
  const stateDirectory = tables ? undefined : mkdtempSync(join(tmpdir(), "e2e-state-"));
  const logs: LogRecord[] = [];
  const requestHeaders: Headers[] = [];
  const stack = await startLocalStack({
    state: stateDirectory
      ? { kind: "sqlite", file: join(stateDirectory, "state.sqlite") }
      : { kind: "azurite" },
    simulator: { scenarioFile: DEMO, clock },
    host: {
      port: 0,
      logLevel: options.logLevel ?? "info",
      ...(options.hostDataDir !== undefined && { dataDir: options.hostDataDir }),
      logSink: (record) => logs.push(record),
      settings: { ...(tables && { TABLES_PREFIX }), SCAN_CONCURRENCY: "2", ...options.settings },
    },
  });
  const { host } = stack;
  const state = productState(stack.settings);
  const connectionString = stack.serviceBus as string;
  const alertTopic = stack.alertTopic as string;
  const serviceBus = new ServiceBusClient(connectionString);
  const sender = serviceBus.createSender(NOTICES_QUEUE);
  const alertSender = serviceBus.createSender(alertTopic);
  const alerts: ServiceBusReceiver = serviceBus.createReceiver(alertTopic, ALERT_SUBSCRIPTION, {
    receiveMode: "receiveAndDelete",
  });
  const client = host.getClient();
  const instances = async (orchestration: string) =>
    (await client.getStatusBy({})).filter((instance) => instance.name === orchestration);

  const environment: Environment = {
    clock,
    sim: stack.sim,
    host,
    logs,
    settings: stack.settings,
    repositories: state.repositories,
    notices: state.repositories.notices,
    alerts: state.repositories.alerts,
    api: apiOf(host.origin, host.keys.functionDefault, requestHeaders),
    requestHeaders,
    async sendNotice(body, messageId) {
      await sender.sendMessages({ body, messageId, contentType: "application/json" });
    },
    async publishAlert(alert) {
      await alertSender.sendMessages(alertMessage(alert));
    },
    async topicAlerts() {
      const received: ServiceBusReceivedMessage[] = [];
      for (;;) {
        const batch = await alerts.receiveMessages(100, { maxWaitTimeInMs: 300 });
        if (batch.length === 0) return received.map((message) => message.body);
        received.push(...batch);
      }
    },
    async noticesQueueDepth() {
      const peek = async (subQueueType?: "deadLetter") => {
        const receiver = serviceBus.createReceiver(NOTICES_QUEUE, subQueueType ? { subQueueType } : {});
        try {
          return (await receiver.peekMessages(100)).length;
        } finally {
          await receiver.close();
        }
      };
      return { active: await peek(), deadLettered: await peek("deadLetter") };
    },
    async scanNow() {
      const response = await environment.api("/api/inventory/scans", { method: "POST" });
      if (response.status !== 202)
        throw new Error(`the scan did not start: ${response.status} ${response.text}`);
      return host.waitForInstance(response.body.id, { timeoutMs: 60_000 });
    },
    async waitForNewInstance(orchestration, known) {
      for (let attempt = 0; attempt < 300; attempt++) {
        const fresh = (await instances(orchestration)).find((instance) => !known.has(instance.instanceId));
        if (fresh) return host.waitForInstance(fresh.instanceId, { timeoutMs: 60_000 });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no new ${orchestration} instance started`);
    },
    instances,
    async waitForLog(pattern, from = 0) {
      for (let attempt = 0; attempt < 600; attempt++) {
        const found = logs.slice(from).find((record) => pattern.test(record.msg));
        if (found) return found;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`no log line matched ${pattern}`);
    },
    async close() {
      await alerts.close();
      await alertSender.close();
      await sender.close();
      await serviceBus.close();
      await stack.close();
      state.close();
      if (stateDirectory) rmSync(stateDirectory, { recursive: true, force: true });
    },
  };
  return environment;
}

/** The app's state in the store the stack started, read as the product reads it. */
function productState(settings: Readonly<Record<string, string>>): {
  repositories: StateRepositories;
  close(): void;
} {
  const file = settings.STATE_SQLITE_FILE;
  if (file) {
    const store = new SqliteStore(file);
    return { repositories: sqliteRepositories(store), close: () => store.close() };
  }
  const connectionString = settings.TABLES_CONNECTION_STRING as string;
  const repositories = tableRepositories(
    new TableStore({ kind: "connection-string", connectionString }, TABLES_PREFIX),
  );
  return { repositories, close: () => {} };
}
