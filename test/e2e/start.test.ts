// `npm start` as a newcomer runs it: the real command in a child process (its own process group), on a
// fresh data directory. It scans at once, prints where the API is and what it found, serves it, owns its
// data directory alone, and stops everything it started on Ctrl-C, SIGTERM or SIGHUP, or when a part of
// it dies. The lock and signal cases run with Azurite, the one part that is a process of its own.

import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SECTION } from "../../bin/commands/start.command.ts";
import { isRunning, killGroup, READY, type StartedCommand, startCommand } from "../support/start-command.ts";

const dataDirs: string[] = [];
const started: StartedCommand[] = [];

afterAll(() => {
  for (const { child } of started) killGroup(child);
  for (const data of dataDirs) rmSync(data, { recursive: true, force: true });
});

function freshDataDir(): string {
  const data = mkdtempSync(join(tmpdir(), "aks-start-"));
  dataDirs.push(data);
  return data;
}

function launch(data: string, ...options: string[]): StartedCommand {
  const command = startCommand(data, options);
  started.push(command);
  return command;
}

function holderPid(lockFile: string): number {
  return (JSON.parse(readFileSync(lockFile, "utf8")) as { pid: number }).pid;
}

describe("aks-image-lifecycle start", () => {
  it("scans the demo fleet, prints what it found and where the API is, serves it until Ctrl-C", async () => {
    const data = freshDataDir();
    const start = launch(data);
    const output = await start.waitFor(READY);
    expect(output).toMatch(/^Scan \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: complete, 4 clusters, 9 node pools$/m);
    expect(output).toContain("  workloads: 4 clusters scanned\n");
    expect(output).toMatch(/^ {2}alerts: \d+ new, \d+ sent to topic$/m);
    expect(output).toContain("notices send local/notices/azure-linux-2-removal-moved.notice.json");
    expect(output).toContain(`state stays in ${data} (delete it to start afresh)`);
    expect(existsSync(join(data, "state.sqlite"))).toBe(true);
    const origin = /The API is at (http:\/\/127\.0\.0\.1:\d+)\/api:/.exec(output)?.[1];
    expect(origin).toBeDefined();
    expect(output).toContain(
      `The web page is at ${origin}/api/ui/ (choose who you are on it: identity is local)`,
    );
    const page = await fetch(`${origin}/api/ui/`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await page.text()).toContain('<script type="module" src="app.js"></script>');
    // The way to a migration: the --url this port needs, the README's demo, kubectl on a simulated cluster.
    expect(output).toContain(`npx aks-image-lifecycle migrations ... --url ${origin} --as you@example.com`);
    expect(output).toContain(`README.md, "${DEMO_SECTION}"`);
    expect(readFileSync(new URL("../../README.md", import.meta.url), "utf8")).toContain(
      `\n## ${DEMO_SECTION}\n`,
    );
    const kubeconfig = /^ {2}kubectl --kubeconfig (\S+) get nodes/m.exec(output)?.[1];
    expect(kubeconfig && existsSync(kubeconfig)).toBe(true);

    const inventory = (await (await fetch(`${origin}/api/inventory`)).json()) as {
      count: number;
      scan: { status: string };
    };
    expect(inventory.count).toBe(9);
    expect(inventory.scan.status).toBe("complete");
    const ics = await fetch(`${origin}/api/calendar.ics`);
    expect(ics.headers.get("content-type")).toMatch(/^text\/calendar/);
    expect(await ics.text()).toMatch(/^BEGIN:VCALENDAR\r\n/);
    // Callers are identified locally, and every answer says so.
    const migrations = await fetch(`${origin}/api/migrations`);
    expect(migrations.headers.get("x-identity-mode")).toBe("local");
    expect(await migrations.json()).toEqual({ count: 0, migrations: [] });
    const anonymous = await fetch(`${origin}/api/migrations`, { method: "POST", body: "{}" });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("x-identity-mode")).toBe("local");

    start.child.kill("SIGINT");
    expect(await start.exited).toBe(0);
    expect(existsSync(join(data, "aks-image-lifecycle.lock"))).toBe(false);
  });

  it("refuses an unknown --tables with the choices, before taking the data directory", async () => {
    const data = freshDataDir();
    const start = launch(data, "--tables", "cosmos");
    expect(await start.exited).toBe(2);
    expect(start.stderr()).toMatch(
      /^aks-image-lifecycle start: --tables must be one of sqlite, azurite, not "cosmos"\nUsage: aks-image-lifecycle start /,
    );
    expect(existsSync(join(data, "aks-image-lifecycle.lock"))).toBe(false);
  });

  it("refuses a --speed that is not from 1 to 3600", async () => {
    const start = launch(freshDataDir(), "--speed", "0.5");
    expect(await start.exited).toBe(2);
    expect(start.stderr()).toMatch(
      /^aks-image-lifecycle start: --speed must be a number from 1 to 3600 \(times real time\), not "0.5"\n/,
    );
  });

  it("refuses a second start on the same data directory, naming the first; SIGTERM stops the first and Azurite", async () => {
    const data = freshDataDir();
    const first = launch(data, "--tables", "azurite");
    await first.waitFor(READY);
    const azurite = holderPid(join(data, "azurite", "azurite.lock"));

    const second = launch(data, "--tables", "azurite");
    expect(await second.exited).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(
        `^aks-image-lifecycle start: data directory ${data} is in use by PID ${first.child.pid} \\(started \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\); if no such process is running, delete ${join(data, "aks-image-lifecycle.lock")}\n$`,
      ),
    );
    expect(second.stdout()).toBe("");
    const origin = /The API is at (http:\/\/127\.0\.0\.1:\d+)\/api:/.exec(first.stdout())?.[1];
    expect((await fetch(`${origin}/api/inventory`)).status).toBe(200);

    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(first.stdout()).toMatch(/\nStopping \.\.\.\n$/);
    expect(isRunning(azurite)).toBe(false);
    expect(existsSync(join(data, "aks-image-lifecycle.lock"))).toBe(false);
  });

  it("stops everything on SIGHUP during the start-up scan", async () => {
    const data = freshDataDir();
    const start = launch(data, "--tables", "azurite");
    await start.waitFor(/Scanning the fleet/);
    const azurite = holderPid(join(data, "azurite", "azurite.lock"));
    start.child.kill("SIGHUP");
    expect(await start.exited).toBe(0);
    expect(start.stdout()).toMatch(/\nStopping \.\.\.\n$/);
    expect(isRunning(azurite)).toBe(false);
  });

  it("stops with a non-zero exit and the reason when Azurite dies while it serves", async () => {
    const data = freshDataDir();
    const start = launch(data, "--tables", "azurite");
    await start.waitFor(READY);
    process.kill(holderPid(join(data, "azurite", "azurite.lock")), "SIGKILL");
    expect(await start.exited).toBe(1);
    expect(start.stderr()).toMatch(
      /^aks-image-lifecycle start: Azurite \(the tables\) was killed by SIGKILL; stopped everything\.$/m,
    );
    expect(existsSync(join(data, "aks-image-lifecycle.lock"))).toBe(false);
  });

  it("leaves no Azurite behind when it is killed alone with SIGKILL, and the next start takes over", async () => {
    const data = freshDataDir();
    const first = launch(data, "--tables", "azurite");
    await first.waitFor(READY);
    const azurite = holderPid(join(data, "azurite", "azurite.lock"));
    first.child.kill("SIGKILL");
    await first.exited;

    const next = launch(data, "--tables", "azurite");
    const output = await next.waitFor(READY);
    expect(isRunning(azurite)).toBe(false);
    expect(holderPid(join(data, "aks-image-lifecycle.lock"))).toBe(next.child.pid);
    expect(output).toMatch(/^ {2}alerts: nothing new to send \(earlier runs sent each alert once\)$/m);
    next.child.kill("SIGINT");
    expect(await next.exited).toBe(0);
  });
});
