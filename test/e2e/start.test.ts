// `npm start` as a newcomer runs it: the real command in a child process, on a fresh data directory.
// It scans at once, prints where the API is and what it found, serves it, and stops cleanly on Ctrl-C.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const data = mkdtempSync(join(tmpdir(), "aks-start-"));
let child: ChildProcess | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(data, { recursive: true, force: true });
});

/** Resolves with everything printed once `pattern` shows up on standard output. */
function waitForOutput(process: ChildProcess, pattern: RegExp, stderr: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = "";
    process.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolve(output);
    });
    process.once("exit", (code) =>
      reject(new Error(`start exited with ${code} before printing ${pattern}:\n${output}\n${stderr()}`)),
    );
  });
}

describe("aks-image-lifecycle start", () => {
  it("scans the demo fleet, prints what it found and where the API is, serves it until Ctrl-C", async () => {
    let stderr = "";
    child = spawn(process.execPath, ["bin/aks-image-lifecycle.ts", "start", "--port", "0", "--data", data], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const output = await waitForOutput(child, /Ctrl-C stops everything/, () => stderr);
    expect(output).toMatch(/^Scan \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: complete, 4 clusters, 9 node pools$/m);
    expect(output).toContain("  workloads: 4 clusters scanned\n");
    expect(output).toMatch(/^ {2}alerts: \d+ new, \d+ sent to topic$/m);
    expect(output).toContain("notices send local/notices/azure-linux-2-removal-moved.notice.json");
    expect(output).toContain(`state stays in ${data} (delete it to start afresh)`);
    const origin = /The API is at (http:\/\/127\.0\.0\.1:\d+)\/api:/.exec(output)?.[1];
    expect(origin).toBeDefined();

    const inventory = (await (await fetch(`${origin}/api/inventory`)).json()) as {
      count: number;
      scan: { status: string };
    };
    expect(inventory.count).toBe(9);
    expect(inventory.scan.status).toBe("complete");
    const ics = await fetch(`${origin}/api/calendar.ics`);
    expect(ics.headers.get("content-type")).toMatch(/^text\/calendar/);
    expect(await ics.text()).toMatch(/^BEGIN:VCALENDAR\r\n/);

    const exited = new Promise<number | null>((resolve) => child?.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
