// The production host.json (Durable Task Scheduler backend, Service Bus and timeout settings for Azure)
// is the one the embedded host reads too: it must start the app with it, on SQLite, unchanged.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startHost } from "../../local/host/host.ts";
import type { LogRecord } from "../../local/host/logger.ts";
import { readHostJson } from "../../local/host/settings.ts";
import { ROOT } from "./bicep-templates.ts";

describe("the production host.json in the embedded host", () => {
  it("reads the Durable Task Scheduler backend, the hub name and the Service Bus settings", () => {
    expect(readHostJson(ROOT, {})).toEqual({
      hubName: "AksImageLifecycle",
      durableBackend: "azureManaged",
      routePrefix: "api",
      serviceBusMaxConcurrentCalls: 8,
      serviceBusAutoComplete: true,
    });
  });

  it("starts the app with it, keeping Durable state in SQLite, and serves the app's routes", async () => {
    const data = mkdtempSync(join(tmpdir(), "host-json-app-"));
    const logs: LogRecord[] = [];
    const host = await startHost({
      app: join(ROOT, "functions/index.ts"),
      port: 0,
      clock: "virtual",
      dataDir: join(data, "host"),
      logLevel: "debug",
      logSink: (record) => logs.push(record),
      settings: {
        STATE_SQLITE_FILE: join(data, "state.sqlite"),
        TABLES_CONNECTION_STRING: "",
        TABLES_ENDPOINT: "",
        ARM_ENDPOINT: "https://127.0.0.1:9",
        INVENTORY_SCHEDULE: "0 0 2 1 1 *",
      },
    });
    try {
      expect(host.functions).toContain("retirement-notices");
      expect(logs.map((record) => record.msg)).toContain(
        "host.json's Durable backend is azureManaged; this host keeps Durable state in SQLite.",
      );
      // A read through the product's state store: nothing scanned yet.
      const response = await fetch(`${host.origin}/api/inventory`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { count: number }).count).toBe(0);
    } finally {
      await host.stop();
      rmSync(data, { recursive: true, force: true });
    }
  });
});
