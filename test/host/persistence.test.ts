import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { durableClientData } from "../../local/host/durable-http-api.ts";
import { durableClientFor, type RunningHost, startHost } from "../../local/host/host.ts";
import { statusWithHistory } from "./durable-api.ts";

const APP = "test/host-app/index.ts";
const START = Date.UTC(2026, 2, 1, 6, 0, 0);
const dirs: string[] = [];
const children: ChildProcess[] = [];
let host: RunningHost | undefined;

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "host-persistence-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  await host?.stop();
  host = undefined;
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("persistence", () => {
  it("resumes waiting instances and pending durable timers after a restart", async () => {
    const dataDir = tempDir();
    const options = {
      app: APP,
      port: 0,
      dataDir,
      clock: "virtual",
      virtualStart: START,
      logLevel: "none",
    } as const;
    host = await startHost(options);
    (host.clock as VirtualClock).pause();
    let client = host.getClient();
    const timerId = await client.startNew("timer", { input: { ms: 3_600_000 } });
    const stepsId = await client.startNew("steps");
    await host.waitForInstance(timerId, { statuses: ["Running"] });
    await expect.poll(async () => (await client.getStatus(stepsId)).customStatus).toEqual({ step: 1 });
    await client.raiseEvent(stepsId, "next", "before");
    await expect.poll(async () => (await client.getStatus(stepsId)).customStatus).toEqual({ step: 2 });
    await host.stop();

    host = await startHost(options);
    client = host.getClient();
    expect((await host.waitForInstance(timerId)).output).toEqual({
      startedAt: new Date(START).toISOString(),
      firedAt: new Date(START + 3_600_000).toISOString(),
    });
    await client.raiseEvent(stepsId, "next", "after restart");
    expect((await host.waitForInstance(stepsId)).output).toEqual({ finishedWith: "after restart" });
  });

  it("survives being killed mid-run: work in flight runs again, nothing completes twice", async () => {
    const dataDir = tempDir();
    const journal = join(dataDir, "journal.log");
    const journalLines = () => (existsSync(journal) ? readFileSync(journal, "utf8").trim().split("\n") : []);

    async function spawnHost(): Promise<{ child: ChildProcess; origin: string; keysFile: string }> {
      const child = spawn(
        process.execPath,
        ["local/host/cli.ts", "--app", APP, "--port", "0", "--data", dataDir, "--log-level", "warn"],
        { env: { ...process.env, HOST_APP_JOURNAL: journal }, stdio: ["ignore", "pipe", "inherit"] },
      );
      children.push(child);
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      for await (const line of lines) {
        const { url, keysFile } = line.startsWith("{")
          ? (JSON.parse(line) as { url?: string; keysFile?: string })
          : {};
        if (url && keysFile) return { child, origin: url, keysFile };
      }
      throw new Error("The host exited before it listened.");
    }

    // As a tool reaching a host in another process: its address, and the system key from its keys file.
    const clientOf = ({ origin, keysFile }: { origin: string; keysFile: string }) => {
      const { durableSystem } = JSON.parse(readFileSync(keysFile, "utf8")) as { durableSystem: string };
      return durableClientFor(APP, durableClientData(origin, "HostConformance", durableSystem));
    };
    let running = await spawnHost();
    const id = await clientOf(running).startNew("journaled", {
      instanceId: "killed",
      input: { steps: 12 },
    });
    // Kill it twice: once in the sequential part, once around the fan-out at the end.
    for (const after of [4, 12]) {
      await expect
        .poll(() => journalLines().length, { timeout: 20_000, interval: 5 })
        .toBeGreaterThanOrEqual(after);
      running.child.kill("SIGKILL");
      await new Promise((resolve) => running.child.once("exit", resolve));
      running = await spawnHost();
    }
    const client = clientOf(running);
    await expect
      .poll(async () => (await client.getStatus(id)).runtimeStatus, { timeout: 20_000 })
      .toBe("Completed");
    const expected = [
      ...Array.from({ length: 12 }, (_, i) => `killed:${i + 1}`),
      "killed:p1",
      "killed:p2",
      "killed:p3",
    ];
    const status = await statusWithHistory(client, id);
    expect(status.output).toEqual(expected);
    // Exactly once in the history: one completion per step, none still pending, whatever ran twice.
    const kinds = status.historyEvents.map((e) => e.EventType);
    expect(kinds.filter((kind) => kind === "TaskCompleted")).toHaveLength(expected.length);
    expect(kinds).not.toContain("TaskScheduled");
    // At least once: every step ran, some perhaps twice.
    expect(new Set(journalLines())).toEqual(new Set(expected));
  });
});
