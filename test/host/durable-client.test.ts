import type { DurableClient } from "durable-functions";
import * as df from "durable-functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VirtualClock } from "../../local/clock.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { statusWithHistory } from "./durable-api.ts";

let host: RunningHost;
let client: DurableClient;

beforeAll(async () => {
  host = await startHost({ app: "test/host-app/index.ts", port: 0, clock: "virtual", logLevel: "none" });
  client = host.getClient();
});

afterAll(async () => {
  await host?.stop();
});

describe("the Durable HTTP API for the unmodified DurableClient", () => {
  it("starts with a chosen id and refuses to start it again while it runs", async () => {
    const id = await client.startNew("steps", { instanceId: "order-1" });
    expect(id).toBe("order-1");
    await host.waitForInstance(id, { statuses: ["Running"] });
    await expect(client.startNew("steps", { instanceId: "order-1" })).rejects.toThrow(
      /already exists and is Running/,
    );
    await client.raiseEvent(id, "next", null);
    await client.raiseEvent(id, "next", "enough");
    expect((await host.waitForInstance(id)).output).toEqual({ finishedWith: "enough" });
    // Once it has ended, the same id may start a fresh instance.
    await client.startNew("steps", { instanceId: "order-1" });
    await host.waitForInstance(id, { statuses: ["Running"] });
    await client.terminate(id, "cleanup");
    await host.waitForInstance(id);
  });

  it("hands the orchestrator the empty string the client sends when startNew has no input", async () => {
    const id = await client.startNew("inputs");
    const status = await host.waitForInstance(id);
    expect((status.output as { input: unknown }).input).toBe("");
  });

  it("refuses unknown orchestrators and unknown instances clearly", async () => {
    await expect(client.startNew("noSuchOrchestrator")).rejects.toThrow(
      /404.*No orchestrator function named.*noSuchOrchestrator/,
    );
    await expect(client.getStatus("nobody")).rejects.toThrow(/404/);
    await expect(client.raiseEvent("nobody", "x", 1)).rejects.toThrow(/No instance with ID 'nobody'/);
  });

  it("reports custom status while running and history on request", async () => {
    const id = await client.startNew("steps");
    await expect.poll(async () => (await client.getStatus(id)).customStatus).toEqual({ step: 1 });
    await client.raiseEvent(id, "next", "go");
    await expect.poll(async () => (await client.getStatus(id)).customStatus).toEqual({ step: 2 });
    const running = await statusWithHistory(client, id);
    expect(running.runtimeStatus).toBe(df.OrchestrationRuntimeStatus.Running);
    const raised = running.historyEvents.filter((e) => e.EventType === "EventRaised");
    expect(raised).toEqual([expect.objectContaining({ Name: "next", Input: '"go"' })]);
    const withoutHistory = await client.getStatus(id);
    expect(withoutHistory.history).toBeUndefined();
    await client.terminate(id, "done looking");
  });

  it("shows history as the extension documents it: one row per task, results as JSON values", async () => {
    const id = await client.startNew("sequence", { input: { start: 5, count: 2 } });
    await host.waitForInstance(id);
    const status = await statusWithHistory(client, id);
    expect(status).not.toHaveProperty("history");
    const time = expect.stringMatching(/^\d{4}-\d\d-\d\dT/);
    expect(status.historyEvents).toEqual([
      {
        EventType: "ExecutionStarted",
        FunctionName: "sequence",
        Input: '{"start":5,"count":2}',
        Timestamp: time,
      },
      { EventType: "TaskCompleted", FunctionName: "addOne", ScheduledTime: time, Result: 6, Timestamp: time },
      { EventType: "TaskCompleted", FunctionName: "addOne", ScheduledTime: time, Result: 7, Timestamp: time },
      { EventType: "ExecutionCompleted", OrchestrationStatus: "Completed", Result: 7, Timestamp: time },
    ]);
    const [, first] = status.historyEvents;
    expect(Date.parse(first?.ScheduledTime as string)).toBeLessThanOrEqual(
      Date.parse(first?.Timestamp as string),
    );
    // Without showHistoryOutput, no inputs or results.
    const { statusQueryGetUri } = client.createHttpManagementPayload(id);
    const bare = (await (await fetch(`${statusQueryGetUri}&showHistory=true`)).json()) as typeof status;
    expect(bare.historyEvents.map((e) => Object.keys(e).sort())).toEqual([
      ["EventType", "FunctionName", "Timestamp"],
      ["EventType", "FunctionName", "ScheduledTime", "Timestamp"],
      ["EventType", "FunctionName", "ScheduledTime", "Timestamp"],
      ["EventType", "OrchestrationStatus", "Timestamp"],
    ]);
  });

  it("folds a sub-orchestration into its completion, named after the child", async () => {
    const id = await client.startNew("parent", { instanceId: "folded-family" });
    await host.waitForInstance(id);
    const { historyEvents } = await statusWithHistory(client, id);
    const kinds = historyEvents.map((e) => e.EventType);
    expect(kinds).not.toContain("SubOrchestrationInstanceCreated");
    expect(kinds).not.toContain("OrchestratorStarted");
    expect(historyEvents).toContainEqual(
      expect.objectContaining({
        EventType: "SubOrchestrationInstanceCompleted",
        FunctionName: "child",
        ScheduledTime: expect.any(String),
      }),
    );
  });

  it("terminates with the reason as output; a second terminate is a no-op", async () => {
    const id = await client.startNew("steps");
    await host.waitForInstance(id, { statuses: ["Running"] });
    await client.terminate(id, "operator said stop");
    const status = await host.waitForInstance(id);
    expect(status.runtimeStatus).toBe("Terminated");
    expect(status.output).toBe("operator said stop");
    await expect(client.terminate(id, "again")).resolves.toBeUndefined();
  });

  it("lists and filters by creation time and status, following continuation tokens", async () => {
    // Virtual time stands still between tests: move it, so earlier instances are older than `from`.
    await (host.clock as VirtualClock).advanceBy(60_000);
    const from = new Date(host.clock.now());
    const ids: string[] = [];
    for (let i = 0; i < 130; i++) ids.push(await client.startNew("steps", { instanceId: `page-${i}` }));
    for (const id of ids) await host.waitForInstance(id, { statuses: ["Running"] });
    const running = await client.getStatusBy({
      createdTimeFrom: from,
      runtimeStatus: [df.OrchestrationRuntimeStatus.Running],
    });
    expect(running.map((s) => s.instanceId).sort()).toEqual([...ids].sort());
    // Statuses the host never stores are valid filters that match nothing.
    expect(
      await client.getStatusBy({ runtimeStatus: [df.OrchestrationRuntimeStatus.ContinuedAsNew] }),
    ).toEqual([]);
    const all = await client.getStatusAll();
    expect(all.length).toBeGreaterThanOrEqual(130);
    const none = await client.getStatusBy({
      createdTimeTo: new Date(from.getTime() - 1),
      runtimeStatus: [df.OrchestrationRuntimeStatus.Running],
    });
    expect(none.filter((s) => s.instanceId.startsWith("page-"))).toEqual([]);
    for (const id of ids) await client.terminate(id, "paging done");
    for (const id of ids) await host.waitForInstance(id);
    const purged = await client.purgeInstanceHistoryBy({
      createdTimeFrom: from,
      runtimeStatus: [df.OrchestrationRuntimeStatus.Terminated],
    });
    expect(purged.instancesDeleted).toBe(130);
  });

  it("purges one ended instance, refuses a running one with 412 as the extension does, and 404s an unknown one", async () => {
    const done = await client.startNew("sequence", { input: { start: 0, count: 1 } });
    await host.waitForInstance(done);
    expect((await client.purgeInstanceHistory(done)).instancesDeleted).toBe(1);
    await expect(client.getStatus(done)).rejects.toThrow(/404/);
    expect((await client.purgeInstanceHistory(done)).instancesDeleted).toBe(0);
    const running = await client.startNew("steps");
    await host.waitForInstance(running, { statuses: ["Running"] });
    await expect(client.purgeInstanceHistory(running)).rejects.toThrow(
      /412.*only an ended instance can be purged/,
    );
    const refused = await fetch(client.createHttpManagementPayload(running).purgeHistoryDeleteUri, {
      method: "DELETE",
    });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toEqual({
      error: {
        status: 412,
        reason: `Instance "${running}" is Running: only an ended instance can be purged.`,
      },
    });
    expect((await client.getStatus(running)).runtimeStatus).toBe("Running");
    await client.terminate(running, "cleanup");
  });

  it("says rewind is not supported", async () => {
    const id = await client.startNew("failing");
    await host.waitForInstance(id);
    await expect(client.rewind(id, "try again")).rejects.toThrow();
    const rewind = await fetch(
      client.createHttpManagementPayload(id).rewindPostUri.replace("{text}", "try%20again"),
      { method: "POST" },
    );
    expect(rewind.status).toBe(501);
    expect(((await rewind.json()) as { error: { reason: string } }).error.reason).toBe(
      "The rewind operation is not supported by the local host.",
    );
  });

  it("serves createCheckStatusResponse URLs from an HTTP starter", async () => {
    const started = await fetch(`${host.origin}/api/start/steps`, { method: "POST" });
    expect(started.status).toBe(202);
    const links = (await started.json()) as Record<string, string>;
    expect(started.headers.get("location")).toBe(links.statusQueryGetUri);
    expect(links.statusQueryGetUri?.startsWith(host.origin)).toBe(true);
    await host.waitForInstance(links.id as string, { statuses: ["Running"] });
    const pending = await fetch(links.statusQueryGetUri as string);
    expect(pending.status).toBe(202);
    expect(((await pending.json()) as { runtimeStatus: string }).runtimeStatus).toBe("Running");
    for (const reason of ["one", "two"]) {
      const sent = await fetch((links.sendEventPostUri as string).replace("{eventName}", "next"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(reason),
      });
      expect(sent.status).toBe(202);
    }
    await host.waitForInstance(links.id as string);
    const done = await fetch(links.statusQueryGetUri as string);
    expect(done.status).toBe(200);
    expect(((await done.json()) as { output: unknown }).output).toEqual({ finishedWith: "two" });
    const gone = await fetch((links.terminatePostUri as string).replace("{text}", "late"), {
      method: "POST",
    });
    expect(gone.status).toBe(410);
  });

  it("waits for completion when a start asks for it, as waitOnNewInstancePostUri does", async () => {
    const url = host.clientData.creationUrls.waitOnNewInstancePostUri as string;
    const response = await fetch(
      url
        .replace("{functionName}", "sequence")
        .replace("[/{instanceId}]", "/waited")
        .replace("{timeoutInSeconds}", "10"),
      { method: "POST", body: JSON.stringify({ start: 1, count: 3 }) },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toBe(4);
  });

  it("lets virtual time move while a start waits for its instance, so a timer inside it can fire", async () => {
    const url = (host.clientData.creationUrls.waitOnNewInstancePostUri as string)
      .replace("{functionName}", "timer")
      .replace("[/{instanceId}]", "/waited-timer")
      .replace("{timeoutInSeconds}", "10");
    const response = await fetch(url, { method: "POST", body: JSON.stringify({ ms: 3_600_000 }) });
    expect(response.status).toBe(200);
    const output = (await response.json()) as { startedAt: string; firedAt: string };
    expect(Date.parse(output.firedAt) - Date.parse(output.startedAt)).toBe(3_600_000);
  });

  it("answers status queries with the Durable extension's codes: 200 once ended, 500 for a failure only when asked", async () => {
    const statusUrl = (id: string) =>
      `${host.origin}/runtime/webhooks/durabletask/instances/${id}?code=${host.keys.durableSystem}`;
    const failed = await client.startNew("failing");
    await host.waitForInstance(failed);
    expect((await fetch(statusUrl(failed))).status).toBe(200);
    expect((await fetch(`${statusUrl(failed)}&returnInternalServerErrorOnFailure=true`)).status).toBe(500);
    const terminated = await client.startNew("steps");
    await host.waitForInstance(terminated, { statuses: ["Running"] });
    expect((await fetch(statusUrl(terminated))).status).toBe(202);
    await client.terminate(terminated, "enough");
    await host.waitForInstance(terminated);
    const ended = await fetch(statusUrl(terminated));
    expect(ended.status).toBe(200);
    expect(((await ended.json()) as { runtimeStatus: string }).runtimeStatus).toBe("Terminated");
  });

  it("refuses event data that is not JSON, or not sent as application/json, with 400", async () => {
    const id = await client.startNew("steps");
    const eventUrl = client.createHttpManagementPayload(id).sendEventPostUri.replace("{eventName}", "next");
    const notJson = await fetch(eventUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { reason: string } }).error.reason).toContain(
      "not valid JSON",
    );
    const plainText = await fetch(eventUrl, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify("go"),
    });
    expect(plainText.status).toBe(400);
    expect(await plainText.json()).toEqual({
      error: { status: 400, reason: 'An event\'s data must be sent as application/json, not "text/plain".' },
    });
    // Neither reached the instance: it still waits at its first step.
    expect((await client.getStatus(id)).customStatus).toEqual({ step: 1 });
    await client.terminate(id, "cleanup");
  });
});
