// The migrations app in the embedded host with its state in a SQLite file the test reads and writes
// through the product's own repositories, and stand-in instances that wait for one event and end with
// it, so tests see exactly what the API raised.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HostOptions, type RunningHost, startHost } from "../../local/host/host.ts";
import type { LogRecord } from "../../local/host/logger.ts";
import { MIGRATION_EVENTS } from "../../orchestrations/contracts/pool-migration.contract.ts";
import { type StateRepositories, sqliteRepositories } from "../../shared/composition.ts";
import { localClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import type { Role } from "../../shared/domain/access/principal.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { EVENT_PROBE } from "./event-probe.ts";

// biome-ignore lint/suspicious/noExplicitAny: the API's JSON, read by path
type Json = any;

const APP = new URL("./migrations-app.functions.ts", import.meta.url).pathname;

export interface MigrationsApp {
  host: RunningHost;
  state: StateRepositories;
  /** What the host logged at `logLevel` and above. */
  logs: LogRecord[];
  /** A stand-in instance under the migration's id, waiting for `event`. */
  waitingInstance(id: string, event?: string): Promise<void>;
  /** What the stand-in received: { eventName, event }. */
  raised(id: string): Promise<unknown>;
  /** A JSON request to the app, its status and JSON answer. */
  api(
    method: string,
    path: string,
    headers?: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; body: Json }>;
  stop(): Promise<void>;
}

export async function startMigrationsApp(
  logLevel: "info" | "warn" | "error",
  settings: Record<string, string>,
  clock?: HostOptions["clock"],
): Promise<MigrationsApp> {
  const directory = mkdtempSync(join(tmpdir(), "migrations-http-"));
  const file = join(directory, "state.sqlite");
  const logs: LogRecord[] = [];
  const host = await startHost({
    app: APP,
    port: 0,
    logLevel,
    logSink: (record) => logs.push(record),
    ...(clock && { clock }),
    settings: {
      STATE_SQLITE_FILE: file,
      TABLES_CONNECTION_STRING: "",
      TABLES_ENDPOINT: "",
      ARM_ENDPOINT: "https://127.0.0.1:9",
      ...settings,
    },
  });
  const store = new SqliteStore(file);
  return {
    host,
    state: sqliteRepositories(store),
    logs,
    async waitingInstance(id, event = MIGRATION_EVENTS.answer) {
      await host.getClient().startNew(EVENT_PROBE, { instanceId: id, input: event });
      await host.waitForInstance(id, { statuses: ["Running"] });
    },
    raised: async (id) => (await host.waitForInstance(id)).output,
    async api(method, path, headers = {}, body) {
      const response = await fetch(`${host.origin}${path}`, {
        method,
        headers: { "content-type": "application/json", ...headers },
        ...(body !== undefined && { body: typeof body === "string" ? body : JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json()) as Json };
    },
    async stop() {
      await host.stop();
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The headers of a caller identified in local mode, as the CLI's --as builds them. */
export function localCaller(name: string, ...roles: Role[]): Record<string, string> {
  return { "x-ms-client-principal": Buffer.from(localClientPrincipal(name, roles)).toString("base64") };
}
