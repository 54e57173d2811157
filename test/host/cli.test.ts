import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";

const CLI = "local/host/cli.ts";

describe("npm run host", () => {
  it("prints its URL when ready and stops cleanly on SIGTERM", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-cli-"));
    try {
      const child = spawn(
        process.execPath,
        [CLI, "--app", "test/host-app/index.ts", "--port", "0", "--data", dataDir, "--log-level", "error"],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      const lines: string[] = [];
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      let url: string | undefined;
      for await (const line of createInterface({ input: child.stdout })) {
        lines.push(line);
        url = (JSON.parse(line) as { url?: string }).url;
        if (url) break;
      }
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/api/teapot`)).status).toBe(418);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
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
  });
});
