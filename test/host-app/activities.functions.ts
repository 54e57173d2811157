// Activities for the conformance orchestrations.
import { appendFileSync } from "node:fs";
import * as df from "durable-functions";
import { publishedClock } from "../../local/clock.ts";
import { probe } from "./probe.ts";

df.app.activity("addOne", { handler: (value: number) => value + 1 });

df.app.activity("square", { handler: (value: number) => value * value });

df.app.activity("echoInput", { handler: (input: unknown) => ({ received: input, type: typeof input }) });

/** Fails `failures` times per key, then succeeds; reports which attempt succeeded. */
df.app.activity("flaky", {
  handler: (input: { key: string; failures: number }) => {
    const calls = (probe().calls.get(input.key) ?? 0) + 1;
    probe().calls.set(input.key, calls);
    if (calls <= input.failures) throw new Error(`flaky failure ${calls} of ${input.key}`);
    return { attempt: calls };
  },
});

df.app.activity("fail", {
  handler: (message: string) => {
    throw new RangeError(message);
  },
});

/** Measures how many activities run at once. */
df.app.activity("gauge", {
  handler: async (ms: number) => {
    const state = probe();
    state.running++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.running);
    await new Promise((resolve) => setTimeout(resolve, ms));
    state.running--;
    return ms;
  },
});

/** Waits on the host's clock: virtual time moves while it sleeps. */
df.app.activity("nap", {
  handler: async (ms: number) => {
    const clock = publishedClock();
    if (!clock) throw new Error("The host published no clock.");
    const before = clock.now();
    await clock.sleep(ms);
    return clock.now() - before;
  },
});

/** Appends a line to the journal file named by HOST_APP_JOURNAL (the kill-and-restart test counts them). */
df.app.activity("journal", {
  handler: async (entry: string) => {
    const path = process.env.HOST_APP_JOURNAL;
    if (!path) throw new Error("HOST_APP_JOURNAL is not set.");
    await new Promise((resolve) => setTimeout(resolve, 25));
    appendFileSync(path, `${entry}\n`);
    return entry;
  },
});
