// The read side when the product state store is down: every read endpoint answers 503 with a JSON reason
// and Retry-After, at once (not after the SDK's retries), and shows no address, port or path. Table
// Storage on a real Azurite that is then stopped; SQLite on a file that is not a database, then fixed.
// Any other failure is a 500 that names the invocation, not the error.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startAzurite } from "../../local/azurite.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";

const APP = new URL("../../functions/index.ts", import.meta.url).pathname;
const READ_PATHS = [
  "/api/inventory",
  "/api/calendar",
  "/api/calendar.ics",
  "/api/alerts",
  "/api/notices",
  "/api/clusters/aks-prod-weu/dependencies",
];
const UNREACHABLE = {
  error: { status: 503, reason: "the product state store is unreachable: try again later" },
};

const directory = mkdtempSync(join(tmpdir(), "store-unavailable-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The product's app on the embedded host with only a state store: the read side needs nothing else. */
function hostWith(store: { TABLES_CONNECTION_STRING?: string; STATE_SQLITE_FILE?: string }) {
  return startHost({
    app: APP,
    port: 0,
    clock: "virtual",
    virtualStart: Date.parse("2026-01-10T09:00:00Z"),
    logLevel: "error",
    logSink: () => undefined,
    // Settings stay in the environment between hosts: the store not chosen is cleared explicitly.
    settings: { TABLES_CONNECTION_STRING: "", STATE_SQLITE_FILE: "", TABLES_PREFIX: "unavailable", ...store },
  });
}

async function get(host: RunningHost, path: string) {
  const response = await fetch(`${host.origin}${path}`);
  return {
    path,
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    text: await response.text(),
  };
}

describe("read endpoints with the state store down", () => {
  it("answer 503 with a reason and no address when Azurite is stopped", async () => {
    const azurite = await startAzurite();
    const host = await hostWith({ TABLES_CONNECTION_STRING: azurite.connectionString });
    try {
      expect((await get(host, "/api/notices")).status).toBe(200);
      await azurite.close();

      const port = new URL(azurite.tableEndpoint).port;
      for (const path of READ_PATHS) {
        const answer = await get(host, path);
        expect({ ...answer, body: JSON.parse(answer.text) }).toMatchObject({
          path,
          status: 503,
          retryAfter: "10",
          body: UNREACHABLE,
        });
        expect(answer.text).not.toMatch(new RegExp(`127\\.0\\.0\\.1|localhost|ECONNREFUSED|${port}`));
      }
    } finally {
      await host.stop();
      await azurite.close();
    }
  });

  it("answer 503 while the SQLite file cannot be read, and serve again once it can", async () => {
    const file = join(directory, "state.sqlite");
    writeFileSync(file, "this is not a SQLite database, whatever its name says\n".repeat(100));
    const host = await hostWith({ STATE_SQLITE_FILE: file });
    try {
      for (const path of READ_PATHS) {
        const answer = await get(host, path);
        expect({ ...answer, body: JSON.parse(answer.text) }).toMatchObject({
          path,
          status: 503,
          body: UNREACHABLE,
        });
        expect(answer.text).not.toContain(directory);
      }
      rmSync(file);
      const fixed = await get(host, "/api/notices");
      expect({ status: fixed.status, body: JSON.parse(fixed.text) }).toEqual({
        status: 200,
        body: { notices: [], rejections: [] },
      });
    } finally {
      await host.stop();
    }
  });

  it("answer 500 with the invocation to look for in the log, not the error, for anything else", async () => {
    const file = join(directory, "foreign.sqlite");
    // A database someone else laid out: the notices table lacks the product's columns.
    const foreign = new SqliteStore(file);
    foreign.write((sql) => sql.run("CREATE TABLE notices (x INTEGER)"));
    foreign.close();
    const host = await hostWith({ STATE_SQLITE_FILE: file });
    try {
      const answer = await get(host, "/api/notices");
      expect(answer.status).toBe(500);
      expect(JSON.parse(answer.text)).toEqual({
        error: {
          status: 500,
          reason: expect.stringMatching(/^internal error: the log has it under invocation \S+$/),
        },
      });
      expect(answer.text).not.toMatch(/column|record|sqlite/i);
    } finally {
      await host.stop();
    }
  });
});
