import { afterEach, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import type { LogRecord } from "../../local/host/logger.ts";
import { probe } from "../host-app/probe.ts";
import { episodes, statusWithHistory } from "./durable-api.ts";

let host: RunningHost | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
  probe().flip = false;
});

async function start(options: Partial<Parameters<typeof startHost>[0]> = {}) {
  host = await startHost({
    app: "test/host-app/index.ts",
    port: 0,
    clock: "virtual",
    logLevel: "none",
    ...options,
  });
  return { host, client: host.getClient() };
}

describe("replay", () => {
  it("fails an instance whose orchestrator no longer replays its history, naming both actions", async () => {
    const { host, client } = await start();
    const id = await client.startNew("nondeterministic");
    await expect
      .poll(async () =>
        (await statusWithHistory(client, id)).historyEvents.some((e) => e.EventType === "TaskCompleted"),
      )
      .toBe(true);
    probe().flip = true;
    await client.raiseEvent(id, "continue", null);
    const status = await host.waitForInstance(id);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toContain('step 1 scheduled CallActivity("square")');
    expect(status.output).toContain('history recorded CallActivity("addOne")');
  });

  it("logs orchestrator calls again on every replay, as in Azure, unless the code checks isReplaying", async () => {
    const records: LogRecord[] = [];
    const { host, client } = await start({ logLevel: "info", logSink: (record) => records.push(record) });
    const id = await client.startNew("logging");
    await host.waitForInstance(id);
    const steps = records.filter((r) => r.msg.startsWith("logging step"));
    const inEpisode = (episode: number) => steps.filter((r) => r.episode === episode).map((r) => r.msg);
    expect(inEpisode(1)).toEqual(["logging step 1", "logging step 1, once"]);
    expect(inEpisode(3)).toEqual([
      "logging step 1",
      "logging step 2",
      "logging step 3",
      "logging step 3, once",
    ]);
    expect(inEpisode(4)).toEqual(["logging step 1", "logging step 2", "logging step 3"]);
    const once = steps.filter((r) => r.msg.endsWith("once"));
    expect(once.map((r) => [r.msg, r.episode])).toEqual([
      ["logging step 1, once", 1],
      ["logging step 2, once", 2],
      ["logging step 3, once", 3],
    ]);
    for (const record of steps)
      expect(record).toMatchObject({ instanceId: id, function: "logging", category: "user" });
  });

  it("batches completions of a fan-out into far fewer episodes than activities", async () => {
    const { host, client } = await start();
    const id = await client.startNew("fanOut", { input: { count: 300 } });
    await host.waitForInstance(id);
    const status = await client.getStatus(id);
    expect(status.output).toBe(Array.from({ length: 300 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b));
    expect(episodes(host, id)).toBeLessThan(60);
  });

  it("runs no more activities at once than its concurrency limit", async () => {
    const { host, client } = await start({ clock: "real", activityConcurrency: 4 });
    probe().maxConcurrent = 0;
    const id = await client.startNew("fanOut", { input: { count: 24, activity: "gauge", arg: 15 } });
    await host.waitForInstance(id);
    expect(probe().maxConcurrent).toBe(4);
  });

  it("lets virtual time move while an activity sleeps on the clock", async () => {
    const { host, client } = await start({ virtualStart: Date.UTC(2026, 5, 1) });
    const id = await client.startNew("napper", { input: 2 * 3_600_000 });
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual({ slept: 2 * 3_600_000, at: "2026-06-01T02:00:00.000Z" });
  });
});
