import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { parseSchedule } from "../../local/host/ncrontab.ts";
import { probe } from "../host-app/probe.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

function occurrences(expression: string, from: string, count: number): string[] {
  const schedule = parseSchedule(expression);
  const found: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    found.push(iso(t));
  }
  return found;
}

describe("NCRONTAB schedules", () => {
  it("fires strictly after the given time, on every field", () => {
    expect(occurrences("0 0 2 * * *", "2026-01-05T02:00:00Z", 2)).toEqual([
      "2026-01-06T02:00:00.000Z",
      "2026-01-07T02:00:00.000Z",
    ]);
    expect(occurrences("*/15 * * * * *", "2026-01-05T10:00:07Z", 3)).toEqual([
      "2026-01-05T10:00:15.000Z",
      "2026-01-05T10:00:30.000Z",
      "2026-01-05T10:00:45.000Z",
    ]);
  });

  it("reads ranges, lists, steps from a value, and names by prefix", () => {
    expect(occurrences("0 30 9-11/2 * * Mon-Fri", "2026-01-02T10:00:00Z", 3)).toEqual([
      "2026-01-02T11:30:00.000Z", // Friday
      "2026-01-05T09:30:00.000Z", // Monday
      "2026-01-05T11:30:00.000Z",
    ]);
    expect(occurrences("0 0 0 1 jan,JUL *", "2026-02-01T00:00:00Z", 2)).toEqual([
      "2026-07-01T00:00:00.000Z",
      "2027-01-01T00:00:00.000Z",
    ]);
    expect(occurrences("0 5/20 0 1 1 *", "2026-01-01T00:00:00Z", 3)).toEqual([
      "2026-01-01T00:05:00.000Z",
      "2026-01-01T00:25:00.000Z",
      "2026-01-01T00:45:00.000Z",
    ]);
  });

  it("requires both day of month and day of week to match, as NCrontab does", () => {
    // Friday the 13th.
    expect(occurrences("0 0 12 13 * Fri", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-02-13T12:00:00.000Z",
      "2026-03-13T12:00:00.000Z",
    ]);
  });

  it("accepts a TimeSpan schedule", () => {
    expect(occurrences("00:05:00", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-01T00:05:00.000Z",
      "2026-01-01T00:10:00.000Z",
    ]);
    expect(occurrences("1.00:00:00", "2026-01-01T08:00:00Z", 1)).toEqual(["2026-01-02T08:00:00.000Z"]);
  });

  it("refuses bad schedules with a reason", () => {
    expect(() => parseSchedule("0 2 * * *")).toThrow(/5 field\(s\); a timer trigger needs six/);
    expect(() => parseSchedule("0 0 25 * * *")).toThrow(/hour 25 is outside 0-23/);
    expect(() => parseSchedule("0 0 0 * Foo *")).toThrow(/"Foo" is not a valid month/);
    expect(() => parseSchedule("0 0 0 * * */0")).toThrow(/step "0" in the day-of-week field/);
    expect(() => parseSchedule("0 0 0 31 Feb *")).toThrow(/does not fire within ten years/);
  });
});

describe("timer triggers", () => {
  const dirs: string[] = [];
  let host: RunningHost | undefined;

  afterEach(async () => {
    await host?.stop();
    host = undefined;
  });

  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it("runs on start-up, fires as virtual time passes, and fires a missed occurrence once after a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "host-timers-"));
    dirs.push(dataDir);
    const ticks = probe().ticks;
    ticks.length = 0;
    const options = {
      app: "test/host-app/index.ts",
      port: 0,
      dataDir,
      clock: "virtual" as const,
      logLevel: "none" as const,
    };
    host = await startHost({ ...options, virtualStart: at("2026-01-05T09:00:00Z") });
    await expect.poll(() => ticks.length).toBe(1);
    expect(ticks[0]).toEqual({ name: "onStartup", isPastDue: false, at: at("2026-01-05T09:00:00Z") });
    // A schedule alone does not move virtual time.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(host.clock.now()).toBe(at("2026-01-05T09:00:00Z"));
    await (host.clock as VirtualClock).advanceTo(at("2026-01-08T03:00:00Z"));
    expect(ticks.slice(1)).toEqual(
      ["2026-01-06", "2026-01-07", "2026-01-08"].map((day) => ({
        name: "nightly",
        isPastDue: false,
        at: at(`${day}T02:00:00Z`),
      })),
    );
    await host.stop();

    ticks.length = 0;
    host = await startHost({ ...options, virtualStart: at("2026-01-10T12:00:00Z") });
    await expect.poll(() => ticks.length).toBe(2);
    expect(ticks).toEqual(
      expect.arrayContaining([
        { name: "nightly", isPastDue: true, at: at("2026-01-10T12:00:00Z") },
        { name: "onStartup", isPastDue: false, at: at("2026-01-10T12:00:00Z") },
      ]),
    );
  });

  it("reads a %Setting% schedule from local.settings.json, and skips one whose setting is not set", async () => {
    host = await startHost({ app: "test/host-app/index.ts", port: 0, clock: "virtual", logLevel: "none" });
    expect(process.env.NightlySchedule).toBe("0 0 2 * * *");
    expect(host.skipped).toContainEqual({
      function: "unscheduled",
      reason: 'its schedule refers to app setting "NoSuchSchedule", which is not set',
    });
    expect(host.skipped.map((s) => s.function)).not.toContain("nightly");
  });

  it("skips a function disabled by its AzureWebJobs.<name>.Disabled setting", async () => {
    try {
      host = await startHost({
        app: "test/host-app/index.ts",
        port: 0,
        clock: "virtual",
        logLevel: "none",
        settings: { "AzureWebJobs.nightly.Disabled": "true" },
      });
      expect(host.functions).not.toContain("nightly");
      expect(host.functions).toContain("onStartup");
    } finally {
      delete process.env["AzureWebJobs.nightly.Disabled"];
    }
  });
});
