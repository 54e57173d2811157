import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHost } from "../../local/host/host.ts";
import { probe } from "../host-app/probe.ts";

const dirs: string[] = [];

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const listeningServers = () => process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;

describe("the host's lifecycle", () => {
  it("closes what it opened when the app refuses to start: no listener, no open database", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-lifecycle-"));
    dirs.push(dataDir);
    const serversBefore = listeningServers();
    try {
      await expect(
        startHost({
          app: "test/host-app/index.ts",
          port: 0,
          dataDir,
          clock: "virtual",
          logLevel: "none",
          settings: { HOST_APP_REFUSE_START: "not today" },
        }),
      ).rejects.toThrow("appStart refused: not today");
    } finally {
      delete process.env.HOST_APP_REFUSE_START;
    }
    // A closed server's handle goes away on a later turn of the event loop.
    await expect.poll(listeningServers).toBe(serversBefore);
    // SQLite removes the write-ahead log when the last connection to the file closes.
    expect(existsSync(join(dataDir, "durable.sqlite"))).toBe(true);
    expect(existsSync(join(dataDir, "durable.sqlite-wal"))).toBe(false);
  });

  it("finishes the app's appStart hooks before any function runs", async () => {
    const hooks = probe().hooks;
    hooks.length = 0;
    const host = await startHost({
      app: "test/host-app/index.ts",
      port: 0,
      clock: "virtual",
      logLevel: "none",
    });
    try {
      // onStartup is a runOnStartup timer: the first function the host runs.
      await expect.poll(() => hooks.includes("pre:onStartup")).toBe(true);
      expect(hooks.indexOf("appStart")).toBe(0);
    } finally {
      await host.stop();
    }
  });

  it("stops once, however often stop is called", async () => {
    const host = await startHost({
      app: "test/host-app/index.ts",
      port: 0,
      clock: "virtual",
      logLevel: "none",
    });
    await Promise.all([host.stop(), host.stop()]);
    await expect(host.stop()).resolves.toBeUndefined();
    expect((await fetch(host.origin).catch((error: Error) => error)) instanceof Error).toBe(true);
  });

  it("refuses a second host on the same data directory, naming the first, and lets the next one in after a stop", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-lifecycle-"));
    dirs.push(dataDir);
    const serversBefore = listeningServers();
    const options = {
      app: "test/host-app/index.ts",
      port: 0,
      dataDir,
      clock: "virtual",
      logLevel: "none",
    } as const;
    const first = await startHost(options);
    try {
      await expect(startHost(options)).rejects.toThrow(
        new RegExp(`data directory ${dataDir} is in use by PID ${process.pid} `),
      );
    } finally {
      await first.stop();
    }
    const next = await startHost(options);
    await next.stop();
    expect(existsSync(join(dataDir, "host.lock"))).toBe(false);
    // Closed servers' handles go on a later turn: let them, so no later test counts them as open.
    await expect.poll(listeningServers).toBe(serversBefore);
  });
});
