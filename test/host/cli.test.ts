import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { durableClientData } from "../../local/host/durable-http-api.ts";
import { durableClientFor } from "../../local/host/host.ts";

const CLI = "local/host/cli.ts";
const APP = "test/host-app/index.ts";

/** The line the host prints once it listens, whatever the log level. */
async function listening(
  stdout: Readable,
): Promise<{ url: string; msg: string; auth: string; keysFile?: string }> {
  for await (const line of createInterface({ input: stdout })) {
    const record = JSON.parse(line) as { url?: string; msg: string; auth: string; keysFile?: string };
    if (record.url) return { ...record, url: record.url };
  }
  throw new Error("The host exited before it listened.");
}

describe("npm run host", () => {
  it("prints its URL when ready and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-cli-"));
    try {
      const child = spawn(
        process.execPath,
        [CLI, "--app", "test/host-app/index.ts", "--port", "0", "--data", dataDir, "--log-level", "error"],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      const ready = await listening(child.stdout);
      expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const keysFile = join(dataDir, "keys.json");
      expect(ready).toMatchObject({
        auth: "on",
        keysFile,
        msg: expect.stringContaining(`keys are in ${keysFile}`),
      });
      expect((await fetch(`${ready.url}/api/teapot`)).status).toBe(418);
      expect((await fetch(`${ready.url}/api/guarded`)).status).toBe(401);
      const { functionDefault } = JSON.parse(readFileSync(keysFile, "utf8")) as { functionDefault: string };
      expect((await fetch(`${ready.url}/api/guarded?code=${functionDefault}`)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("checks no key with --auth off, and says so", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-cli-"));
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--app",
        "test/host-app/index.ts",
        "--port",
        "0",
        "--data",
        dataDir,
        "--log-level",
        "error",
        "--auth",
        "off",
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    try {
      const ready = await listening(child.stdout);
      expect(ready).toMatchObject({
        auth: "off",
        msg: expect.stringContaining("with auth off: no key is checked"),
      });
      expect((await fetch(`${ready.url}/api/guarded`)).status).toBe(200);
    } finally {
      child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("runs a scaled clock that goes on from where it read --virtual-start at --real-start", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-cli-"));
    const start = Date.UTC(2026, 2, 1, 6);
    // An hour of real time ago at 60 times: the host's time is 60 hours past the start (and a little more).
    const realStart = new Date(Date.now() - 3_600_000).toISOString();
    const clockArgs = [
      "--clock",
      "scaled",
      "--speed",
      "60",
      "--virtual-start",
      new Date(start).toISOString(),
    ];
    const child = spawn(
      process.execPath,
      [
        CLI,
        "--app",
        APP,
        "--port",
        "0",
        "--data",
        dataDir,
        "--auth",
        "off",
        ...clockArgs,
        "--real-start",
        realStart,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    try {
      const ready = await listening(child.stdout);
      const client = durableClientFor(APP, durableClientData(ready.url, "HostConformance", ""));
      const id = await client.startNew("timer", { input: { ms: 60_000 } });
      await expect
        .poll(async () => (await client.getStatus(id)).runtimeStatus, { timeout: 20_000 })
        .toBe("Completed");
      const { startedAt, firedAt } = (await client.getStatus(id)).output as {
        startedAt: string;
        firedAt: string;
      };
      const hoursPast = (Date.parse(startedAt) - start) / 3_600_000;
      expect(hoursPast).toBeGreaterThanOrEqual(60);
      expect(hoursPast).toBeLessThan(61);
      expect(Date.parse(firedAt) - Date.parse(startedAt)).toBeGreaterThanOrEqual(60_000);
    } finally {
      child.kill("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("refuses bad arguments with a reason", () => {
    const missing = spawnSync(process.execPath, [CLI], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("--app is required");
    const badClock = spawnSync(process.execPath, [CLI, "--app", "x.ts", "--clock", "sundial"], {
      encoding: "utf8",
    });
    expect(badClock.status).toBe(1);
    expect(badClock.stderr).toContain('--clock must be "real", "virtual" or "scaled", not "sundial"');
    const badSpeed = spawnSync(
      process.execPath,
      [CLI, "--app", "x.ts", "--clock", "scaled", "--speed", "0"],
      {
        encoding: "utf8",
      },
    );
    expect(badSpeed.status).toBe(1);
    expect(badSpeed.stderr).toContain('--speed must be a positive number, not "0"');
    const badAuth = spawnSync(process.execPath, [CLI, "--app", "x.ts", "--auth", "sometimes"], {
      encoding: "utf8",
    });
    expect(badAuth.status).toBe(1);
    expect(badAuth.stderr).toContain('--auth must be "on" or "off", not "sometimes"');
  });
});
