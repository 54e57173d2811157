import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { describe, expect, it } from "vitest";

const CLI = "local/host/cli.ts";

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

  it("refuses bad arguments with a reason", () => {
    const missing = spawnSync(process.execPath, [CLI], { encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("--app is required");
    const badClock = spawnSync(process.execPath, [CLI, "--app", "x.ts", "--clock", "sundial"], {
      encoding: "utf8",
    });
    expect(badClock.status).toBe(1);
    expect(badClock.stderr).toContain('--clock must be "real" or "virtual", not "sundial"');
    const badAuth = spawnSync(process.execPath, [CLI, "--app", "x.ts", "--auth", "sometimes"], {
      encoding: "utf8",
    });
    expect(badAuth.status).toBe(1);
    expect(badAuth.stderr).toContain('--auth must be "on" or "off", not "sometimes"');
  });
});
