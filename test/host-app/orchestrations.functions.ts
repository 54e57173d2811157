// One orchestration per host feature, driven by test/host through the unmodified DurableClient.

import type { OrchestrationContext, OrchestrationHandler } from "durable-functions";
import * as df from "durable-functions";
import { probe } from "./probe.ts";

function orchestration(name: string, handler: OrchestrationHandler): void {
  df.app.orchestration(name, handler);
}

orchestration("sequence", function* (context: OrchestrationContext) {
  const { start, count } = context.df.getInput() as { start: number; count: number };
  let value = start;
  for (let i = 0; i < count; i++) value = yield context.df.callActivity("addOne", value);
  return value;
});

orchestration("fanOut", function* (context: OrchestrationContext) {
  const {
    count,
    activity = "square",
    arg,
  } = context.df.getInput() as { count: number; activity?: string; arg?: number };
  const tasks = Array.from({ length: count }, (_, i) => context.df.callActivity(activity, arg ?? i + 1));
  const results: number[] = yield context.df.Task.all(tasks);
  return results.reduce((sum, value) => sum + value, 0);
});

orchestration("inputs", function* (context: OrchestrationContext) {
  const input = context.df.getInput();
  const asString: unknown = yield context.df.callActivity("echoInput", "plain text");
  const asObject: unknown = yield context.df.callActivity("echoInput", { nested: [1, 2] });
  const nothing: unknown = yield context.df.callActivity("echoInput");
  return { input, asString, asObject, nothing };
});

orchestration("retries", function* (context: OrchestrationContext) {
  const { key, failures, attempts } = context.df.getInput() as {
    key: string;
    failures: number;
    attempts: number;
  };
  const retry = new df.RetryOptions(1000, attempts);
  retry.backoffCoefficient = 2;
  try {
    const result: unknown = yield context.df.callActivityWithRetry("flaky", retry, { key, failures });
    // A plain activity after the retried one: its id must follow the hidden ones.
    const after: number = yield context.df.callActivity("addOne", 41);
    return { result, after };
  } catch (error) {
    return { failedWith: (error as Error).message };
  }
});

orchestration("parallelRetries", function* (context: OrchestrationContext) {
  const retry = new df.RetryOptions(500, 4);
  const results: unknown[] = yield context.df.Task.all(
    [1, 2, 3].map((failures) =>
      context.df.callActivityWithRetry("flaky", retry, {
        key: `${context.df.instanceId}-${failures}`,
        failures,
      }),
    ),
  );
  const after: number = yield context.df.callActivity("addOne", 99);
  return { results, after };
});

orchestration("timer", function* (context: OrchestrationContext) {
  const { ms } = context.df.getInput() as { ms: number };
  const startedAt = context.df.currentUtcDateTime.toISOString();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
  return { startedAt, firedAt: context.df.currentUtcDateTime.toISOString() };
});

orchestration("approval", function* (context: OrchestrationContext) {
  const { timeoutMs } = context.df.getInput() as { timeoutMs: number };
  context.df.setCustomStatus({ stage: "waiting for approval" });
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + timeoutMs);
  const timeout = context.df.createTimer(deadline);
  const approval = context.df.waitForExternalEvent("approval");
  const winner: unknown = yield context.df.Task.any([approval, timeout]);
  if (winner === approval) {
    timeout.cancel();
    context.df.setCustomStatus({ stage: "approved" });
    return { outcome: "approved", by: approval.result, at: context.df.currentUtcDateTime.toISOString() };
  }
  context.df.setCustomStatus({ stage: "timed out" });
  return { outcome: "timed-out", at: context.df.currentUtcDateTime.toISOString() };
});

orchestration("cancelledTimer", function* (context: OrchestrationContext) {
  // The DurableClient sends "" (a JSON string) when startNew has no input.
  const input = context.df.getInput();
  const ms = typeof input === "number" ? input : 3_600_000;
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + ms));
  const go = context.df.waitForExternalEvent("go");
  const winner: unknown = yield context.df.Task.any([go, timer]);
  if (winner === go) timer.cancel();
  const finish: unknown = yield context.df.waitForExternalEvent("finish");
  return { winner: winner === go ? "go" : "timer", finish, at: context.df.currentUtcDateTime.toISOString() };
});

orchestration("collectEvents", function* (context: OrchestrationContext) {
  const { count } = context.df.getInput() as { count: number };
  yield context.df.callActivity("addOne", 0);
  const received: unknown[] = [];
  for (let i = 0; i < count; i++) received.push(yield context.df.waitForExternalEvent("item"));
  return received;
});

orchestration("child", function* (context: OrchestrationContext) {
  const value = context.df.getInput() as number;
  const next: number = yield context.df.callActivity("addOne", value);
  return { value: next, parent: context.df.parentInstanceId, self: context.df.instanceId };
});

orchestration("failingChild", function* (context: OrchestrationContext) {
  yield context.df.callActivity("fail", `child ${context.df.getInput()} gave up`);
});

orchestration("parent", function* (context: OrchestrationContext) {
  const named: { value: number; parent: string } = yield context.df.callSubOrchestrator(
    "child",
    10,
    `${context.df.instanceId}-named-child`,
  );
  const generated: { value: number; self: string } = yield context.df.callSubOrchestrator("child", 20);
  let failure = "";
  try {
    yield context.df.callSubOrchestratorWithRetry(
      "failingChild",
      new df.RetryOptions(500, 2),
      `${context.df.instanceId}`,
    );
  } catch (error) {
    failure = (error as Error).message;
  }
  return { named, generated, failure };
});

orchestration("counter", function* (context: OrchestrationContext) {
  const { n, until } = context.df.getInput() as { n: number; until: number };
  if (n >= until) return n;
  const next: number = yield context.df.callActivity("addOne", n);
  context.df.continueAsNew({ n: next, until });
  return undefined;
});

orchestration("eventsAcrossExecutions", function* (context: OrchestrationContext) {
  const { seen, rounds } = context.df.getInput() as { seen: unknown[]; rounds: number };
  const value: unknown = yield context.df.waitForExternalEvent("value");
  const all = [...seen, value];
  if (all.length < rounds) {
    context.df.continueAsNew({ seen: all, rounds });
    return undefined;
  }
  return all;
});

orchestration("steps", function* (context: OrchestrationContext) {
  context.df.setCustomStatus({ step: 1 });
  yield context.df.waitForExternalEvent("next");
  context.df.setCustomStatus({ step: 2 });
  const reason: unknown = yield context.df.waitForExternalEvent("next");
  return { finishedWith: reason };
});

orchestration("failing", function* (context: OrchestrationContext) {
  yield context.df.callActivity("fail", "the activity refused");
  return "unreachable";
});

orchestration("throwing", function* (context: OrchestrationContext) {
  yield context.df.callActivity("addOne", 1);
  throw new TypeError("the orchestrator gave up");
});

orchestration("nondeterministic", function* (context: OrchestrationContext) {
  yield context.df.callActivity(probe().flip ? "square" : "addOne", 2);
  yield context.df.waitForExternalEvent("continue");
  return "done";
});

orchestration("logging", function* (context: OrchestrationContext) {
  for (let i = 1; i <= 3; i++) {
    context.log(`logging step ${i}`);
    if (!context.df.isReplaying) context.log(`logging step ${i}, once`);
    yield context.df.callActivity("addOne", i);
  }
  return "logged";
});

orchestration("napper", function* (context: OrchestrationContext) {
  const ms = context.df.getInput() as number;
  const slept: number = yield context.df.callActivity("nap", ms);
  return { slept, at: context.df.currentUtcDateTime.toISOString() };
});

orchestration("journaled", function* (context: OrchestrationContext) {
  const { steps } = context.df.getInput() as { steps: number };
  const done: string[] = [];
  for (let i = 1; i <= steps; i++)
    done.push(yield context.df.callActivity("journal", `${context.df.instanceId}:${i}`));
  const parallel: string[] = yield context.df.Task.all(
    [1, 2, 3].map((i) => context.df.callActivity("journal", `${context.df.instanceId}:p${i}`)),
  );
  return [...done, ...parallel];
});

orchestration("unsupported", function* (context: OrchestrationContext) {
  yield context.df.callHttp({ method: "GET", url: "http://127.0.0.1:1/" });
});
