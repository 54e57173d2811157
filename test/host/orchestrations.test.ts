import type { DurableClient } from "durable-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { episodes, statusWithHistory } from "./durable-api.ts";

const START = Date.UTC(2026, 0, 5, 9, 0, 0);
let host: RunningHost;
let client: DurableClient;

beforeAll(async () => {
  host = await startHost({
    app: "test/host-app/index.ts",
    port: 0,
    clock: "virtual",
    virtualStart: START,
    logLevel: "none",
  });
  client = host.getClient();
});

afterAll(async () => {
  await host?.stop();
});

async function run(name: string, input: unknown, instanceId?: string) {
  const id = await client.startNew(name, { input, ...(instanceId ? { instanceId } : {}) });
  await host.waitForInstance(id);
  return { ...(await statusWithHistory(client, id)), instanceId: id };
}

describe("orchestrations through the real durable-functions replay", () => {
  it("runs a sequence of activities, one episode per result", async () => {
    const status = await run("sequence", { start: 5, count: 4 });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toBe(9);
    expect(status.historyEvents.filter((e) => e.EventType === "TaskCompleted")).toHaveLength(4);
    expect(episodes(host, status.instanceId)).toBe(5);
  });

  it("fans out and in with Task.all", async () => {
    const status = await run("fanOut", { count: 20 });
    expect(status.output).toBe(Array.from({ length: 20 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b));
  });

  it("passes activity inputs as the orchestrator gave them: strings, objects, nothing", async () => {
    const status = await run("inputs", { hello: "world" });
    expect(status.output).toEqual({
      input: { hello: "world" },
      asString: { received: "plain text", type: "string" },
      asObject: { received: { nested: [1, 2] }, type: "object" },
      nothing: { type: "undefined" },
    });
  });

  it("retries an activity with backoff, numbering tasks as the library does", async () => {
    const status = await run("retries", { key: "retry-ok", failures: 2, attempts: 3 });
    expect(status.output).toEqual({ result: { attempt: 3 }, after: 42 });
    const retryTimers = status.historyEvents.filter((e) => e.EventType === "TimerCreated");
    // Backoff 2 from 1 s: the retries wait 1 s, then 2 s.
    expect(
      retryTimers.map((e) => Date.parse(e.FireAt as string) - Date.parse(e.Timestamp as string)),
    ).toEqual([1000, 2000]);
  });

  it("numbers retries of parallel calls as the library does", async () => {
    const status = await run("parallelRetries", undefined);
    expect(status.output).toEqual({ results: [{ attempt: 2 }, { attempt: 3 }, { attempt: 4 }], after: 100 });
  });

  it("fails a retried activity after its last attempt, with the activity's error", async () => {
    const status = await run("retries", { key: "retry-exhausted", failures: 10, attempts: 3 });
    expect(status.output).toEqual({ failedWith: "Error: flaky failure 3 of retry-exhausted" });
  });

  it("fires a durable timer at its time on the virtual clock", async () => {
    const status = await run("timer", { ms: 3_600_000 });
    const output = status.output as { startedAt: string; firedAt: string };
    expect(Date.parse(output.firedAt) - Date.parse(output.startedAt)).toBe(3_600_000);
  });

  it("splits a long timer into pieces and still fires it exactly on time", async () => {
    const tenDays = 10 * 86_400_000;
    const status = await run("timer", { ms: tenDays });
    const output = status.output as { startedAt: string; firedAt: string };
    expect(Date.parse(output.firedAt) - Date.parse(output.startedAt)).toBe(tenDays);
    const events = status.historyEvents;
    // 10 days: 3 days, 3 more, then the last 4 (no piece may exceed 6 days).
    expect(events.filter((e) => e.EventType === "TimerFired")).toHaveLength(3);
  });

  it("lets an external event win Task.any against a timer, and cancels the timer", async () => {
    (host.clock as VirtualClock).pause();
    try {
      const id = await client.startNew("approval", { input: { timeoutMs: 86_400_000 } });
      await host.waitForInstance(id, { statuses: ["Running"] });
      await expect
        .poll(async () => (await client.getStatus(id)).customStatus)
        .toEqual({ stage: "waiting for approval" });
      await client.raiseEvent(id, "approval", { approver: "alice" });
      const status = await host.waitForInstance(id);
      expect(status.output).toMatchObject({ outcome: "approved", by: { approver: "alice" } });
      expect(status.customStatus).toEqual({ stage: "approved" });
    } finally {
      (host.clock as VirtualClock).resume();
    }
  });

  it("forgets a cancelled timer: it neither fires nor pulls virtual time forward", async () => {
    const id = await client.startNew("cancelledTimer");
    await host.waitForInstance(id, { statuses: ["Running"] });
    const before = host.clock.now();
    await client.raiseEvent(id, "go", null);
    await expect.poll(() => episodes(host, id)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(host.clock.now()).toBe(before);
    await client.raiseEvent(id, "finish", "done");
    const status = await statusWithHistory(client, id);
    await host.waitForInstance(id);
    expect((await client.getStatus(id)).output).toEqual({
      winner: "go",
      finish: "done",
      at: new Date(before).toISOString(),
    });
    expect(status.historyEvents.some((e) => e.EventType === "TimerFired")).toBe(false);
  });

  it("cancels every pending piece of a long timer", async () => {
    const clock = host.clock as VirtualClock;
    clock.pause();
    try {
      const id = await client.startNew("cancelledTimer", { input: 10 * 86_400_000 });
      await host.waitForInstance(id, { statuses: ["Running"] });
      // Past the first 3-day piece: the second piece is pending when the event arrives.
      await clock.advanceBy(4 * 86_400_000);
      await expect
        .poll(() => clock.nextDueAt)
        .toBe(Date.parse((await client.getStatus(id)).createdTime.toISOString()) + 6 * 86_400_000);
      await client.raiseEvent(id, "go", null);
      await expect.poll(() => clock.nextDueAt).toBeUndefined();
      await client.raiseEvent(id, "finish", "early");
      expect((await host.waitForInstance(id)).output).toMatchObject({ winner: "go", finish: "early" });
    } finally {
      clock.resume();
    }
  });

  it("lets the timer win when no event comes", async () => {
    const before = host.clock.now();
    const status = await run("approval", { timeoutMs: 7 * 86_400_000 });
    expect(status.output).toMatchObject({ outcome: "timed-out" });
    expect(Date.parse((status.output as { at: string }).at)).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
  });

  it("buffers events raised before the orchestrator waits for them, in arrival order", async () => {
    const id = await client.startNew("collectEvents", { input: { count: 3 } });
    for (const item of ["first", "second", "third"]) await client.raiseEvent(id, "item", item);
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual(["first", "second", "third"]);
  });

  it("runs sub-orchestrations, named and generated, and reports a retried child's failure", async () => {
    const status = await run("parent", undefined, "family");
    const output = status.output as {
      named: { value: number; parent: string };
      generated: { value: number; self: string };
      failure: string;
    };
    expect(output.named).toEqual({ value: 11, parent: "family", self: "family-named-child" });
    expect(output.generated.value).toBe(21);
    expect(output.generated.self).toMatch(/^family:/);
    expect(output.failure).toContain("child family gave up");
    const children = await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.Failed] });
    expect(
      children.filter((c) => c.name === "failingChild" && c.instanceId.startsWith("family:")),
    ).toHaveLength(2);
  });

  it("continues as new until done, with a fresh history each time", async () => {
    const status = await run("counter", { n: 0, until: 5 });
    expect(status.output).toBe(5);
    expect(status.input).toEqual({ n: 5, until: 5 });
    expect(status.historyEvents.filter((e) => e.EventType === "ExecutionStarted")).toHaveLength(1);
  });

  it("suspends and resumes, and carries events an execution did not consume into the next one", async () => {
    const id = await client.startNew("eventsAcrossExecutions", { input: { seen: [], rounds: 3 } });
    await host.waitForInstance(id, { statuses: ["Running"] });
    await client.suspend(id, "hold on");
    await host.waitForInstance(id, { statuses: ["Suspended"] });
    // All three arrive while suspended, so one episode sees them all: the first execution consumes one.
    for (const value of [1, 2, 3]) await client.raiseEvent(id, "value", value);
    expect((await client.getStatus(id)).runtimeStatus).toBe("Suspended");
    await client.resume(id, "go on");
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual([1, 2, 3]);
  });

  it("fails an instance whose activity fails, with the activity's error in the output", async () => {
    const status = await run("failing", undefined);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toContain("the activity refused");
    expect(status.output).toContain("RangeError");
  });

  it("fails an instance whose orchestrator throws", async () => {
    const status = await run("throwing", undefined);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toBe("Orchestrator function 'throwing' failed: the orchestrator gave up");
  });

  it("refuses callHttp clearly", async () => {
    const status = await run("unsupported", undefined);
    expect(status.runtimeStatus).toBe("Failed");
    expect(status.output).toContain("callHttp is not supported by the local host");
  });
});

import * as df from "durable-functions";
