import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { loadHostKeys } from "../../local/host/host-keys.ts";
import type { LogRecord } from "../../local/host/logger.ts";

const APP = "test/host-app/index.ts";
const WEBHOOKS = "/runtime/webhooks/durabletask";
let dataDir: string;
let host: RunningHost;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "host-auth-"));
  host = await startHost({ app: APP, port: 0, clock: "virtual", dataDir, logLevel: "none" });
});

afterAll(async () => {
  await host?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${host.origin}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as unknown };
}

const unauthorized = (reason: string | RegExp) => ({
  status: 401,
  body: {
    error: { status: 401, reason: typeof reason === "string" ? reason : expect.stringMatching(reason) },
  },
});

describe("keys, as the Functions host keeps them", () => {
  it("makes a master, a default function and a Durable system key once per data directory, readable by its owner only", async () => {
    const file = join(dataDir, "keys.json");
    expect(host.keys.file).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const { master, functionDefault, durableSystem } = host.keys;
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({ master, functionDefault, durableSystem });
    expect(new Set([master, functionDefault, durableSystem]).size).toBe(3);
    for (const key of [master, functionDefault, durableSystem]) expect(key.length).toBeGreaterThanOrEqual(40);
    // Read again (as the next start on this directory does), not made anew.
    expect(loadHostKeys(dataDir)).toEqual(host.keys);
  });

  it("tightens a keys file left readable by others, and refuses one it cannot read, naming it", async () => {
    const other = mkdtempSync(join(tmpdir(), "host-auth-"));
    try {
      const file = join(other, "keys.json");
      writeFileSync(
        file,
        JSON.stringify({
          master: "m".repeat(40),
          functionDefault: "f".repeat(40),
          durableSystem: "s".repeat(40),
        }),
        { mode: 0o644 },
      );
      const reused = await startHost({
        app: APP,
        port: 0,
        clock: "virtual",
        dataDir: other,
        logLevel: "none",
      });
      await reused.stop();
      expect(reused.keys.master).toBe("m".repeat(40));
      expect(statSync(file).mode & 0o777).toBe(0o600);
      writeFileSync(file, '{"master": "only this"}');
      await expect(
        startHost({ app: APP, port: 0, clock: "virtual", dataDir: other, logLevel: "none" }),
      ).rejects.toThrow(
        `The host's keys file ${file} lacks functionDefault, durableSystem: delete it to make new keys.`,
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("keeps keys in memory without a data directory, different each time", async () => {
    const memory = await startHost({ app: APP, port: 0, clock: "virtual", logLevel: "none" });
    try {
      expect(memory.keys.file).toBeUndefined();
      expect(memory.keys.master).not.toBe(host.keys.master);
      expect((await fetch(`${memory.origin}/api/guarded`)).status).toBe(401);
      const opened = await fetch(`${memory.origin}/api/guarded?code=${memory.keys.functionDefault}`);
      expect(opened.status).toBe(200);
    } finally {
      await memory.stop();
    }
  });
});

describe("auth levels", () => {
  it("opens a function-level function with a function key or the master key, in the header or as ?code=", async () => {
    const opened = { status: 200, body: { opened: "guarded" } };
    expect(await get("/api/guarded", { "x-functions-key": host.keys.functionDefault })).toEqual(opened);
    expect(await get(`/api/guarded?code=${host.keys.functionDefault}`)).toEqual(opened);
    expect(await get(`/api/guarded?code=${host.keys.master}`)).toEqual(opened);
    // An empty header is no key: the query's is read, as the Functions host does.
    expect(await get(`/api/guarded?code=${host.keys.functionDefault}`, { "x-functions-key": "" })).toEqual(
      opened,
    );
  });

  it("refuses a function-level function with 401 and a reason, without a key or with a wrong one", async () => {
    expect(await get("/api/guarded")).toEqual(
      unauthorized(
        "GET /api/guarded (function level) needs a function key or the master key: send it in the x-functions-key header or the code query parameter.",
      ),
    );
    const wrong = unauthorized(/^The key sent does not open GET \/api\/guarded \(function level\)/);
    expect(await get("/api/guarded?code=not-a-key")).toEqual(wrong);
    expect(await get("/api/guarded", { "x-functions-key": `${host.keys.functionDefault}x` })).toEqual(wrong);
    // The system key opens the Durable webhooks, not functions.
    expect(await get("/api/guarded", { "x-functions-key": host.keys.durableSystem })).toEqual(wrong);
  });

  it("opens an admin-level function with the master key only", async () => {
    expect((await get(`/api/admin-only?code=${host.keys.functionDefault}`)).status).toBe(401);
    expect((await get("/api/admin-only")).status).toBe(401);
    expect(await get(`/api/admin-only?code=${host.keys.master}`)).toEqual({
      status: 200,
      body: { opened: "admin-only" },
    });
  });

  it("lets anyone call an anonymous function", async () => {
    expect((await fetch(`${host.origin}/api/teapot`)).status).toBe(418);
  });
});

describe("the Durable webhooks", () => {
  it("need the system key or the master key: nobody else starts, terminates or purges instances", async () => {
    const start = (query: string) =>
      fetch(`${host.origin}${WEBHOOKS}/orchestrators/steps/by-hand${query}`, { method: "POST" });
    expect((await start("")).status).toBe(401);
    expect((await start(`?code=${host.keys.functionDefault}`)).status).toBe(401);
    expect(await get(`${WEBHOOKS}/instances/by-hand?code=${host.keys.master}`)).toEqual({
      status: 404,
      body: { error: { status: 404, reason: 'No instance with id "by-hand" exists.' } },
    });
    expect((await start(`?code=${host.keys.durableSystem}`)).status).toBe(202);
    const status = `${WEBHOOKS}/instances/by-hand`;
    expect(await get(status)).toEqual(
      unauthorized(
        `GET ${status} (system level) needs the Durable system key or the master key: send it in the x-functions-key header or the code query parameter.`,
      ),
    );
    const terminate = await fetch(`${host.origin}${status}/terminate?reason=x`, { method: "POST" });
    expect(terminate.status).toBe(401);
    const purge = await fetch(`${host.origin}${WEBHOOKS}/instances`, { method: "DELETE" });
    expect(purge.status).toBe(401);
    expect((await get(status, { "x-functions-key": host.keys.master })).status).toBe(202);
    await host.getClient().terminate("by-hand", "done");
    await host.waitForInstance("by-hand");
  });

  it("are reached by the unmodified client and by createCheckStatusResponse's URLs, which carry the system key", async () => {
    expect(host.clientData.requiredQueryStringParameters).toBe(`code=${host.keys.durableSystem}`);
    const started = await fetch(`${host.origin}/api/start/steps`, { method: "POST" });
    expect(started.status).toBe(202);
    const links = (await started.json()) as Record<string, string>;
    for (const [name, url] of Object.entries(links)) {
      if (name !== "id") expect(new URL(url).searchParams.get("code"), name).toBe(host.keys.durableSystem);
    }
    expect(new URL(started.headers.get("location") as string).searchParams.get("code")).toBe(
      host.keys.durableSystem,
    );
    const id = links.id as string;
    await host.waitForInstance(id, { statuses: ["Running"] });
    expect((await fetch(links.statusQueryGetUri as string)).status).toBe(202);
    const client = host.getClient();
    expect((await client.getStatus(id)).runtimeStatus).toBe("Running");
    const suspended = await fetch((links.suspendPostUri as string).replace("{text}", "pause"), {
      method: "POST",
    });
    expect(suspended.status).toBe(202);
    await host.waitForInstance(id, { statuses: ["Suspended"] });
    await client.terminate(id, "done");
    await host.waitForInstance(id);
    expect((await client.purgeInstanceHistory(id)).instancesDeleted).toBe(1);
  });
});

describe("auth off", () => {
  it("checks no key, as under Core Tools, and says so in its log", async () => {
    const records: LogRecord[] = [];
    const open = await startHost({
      app: APP,
      port: 0,
      clock: "virtual",
      auth: "off",
      logLevel: "warn",
      logSink: (record) => records.push(record),
    });
    try {
      expect(open.auth).toBe("off");
      expect(records).toContainEqual(
        expect.objectContaining({
          level: "warn",
          msg: expect.stringContaining("Keys are not checked (auth off)"),
        }),
      );
      expect((await fetch(`${open.origin}/api/guarded`)).status).toBe(200);
      expect((await fetch(`${open.origin}/api/admin-only`)).status).toBe(200);
      const started = await fetch(`${open.origin}${WEBHOOKS}/orchestrators/sequence`, {
        method: "POST",
        body: JSON.stringify({ start: 1, count: 1 }),
      });
      expect(started.status).toBe(202);
    } finally {
      await open.stop();
    }
  });
});
