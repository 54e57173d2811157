// The batched fan-out step through the embedded host's real durable-functions replay: at most `limit`
// activities at once, and a batch where one activity throws still settles every item on its own (the
// others are awaited, not scheduled again: the host fails an instance whose replay differs).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventType } from "../../local/host/durable-history.ts";
import { type RunningHost, startHost } from "../../local/host/host.ts";

let host: RunningHost;

beforeAll(async () => {
  host = await startHost({
    app: new URL("./fan-out-app/index.ts", import.meta.url).pathname,
    port: 0,
    clock: "virtual",
    logLevel: "none",
  });
});

afterAll(() => host?.stop());

async function run(input: { count: number; limit: number; failAt: number }) {
  const id = await host.getClient().startNew("fan-out", { input });
  const status = await host.waitForInstance(id);
  // The stored history: the status URL folds each TaskScheduled into its completion, as Azure's does.
  const scheduled = host.history(id).filter((e) => e.EventType === EventType.TaskScheduled).length;
  return { status, scheduled };
}

describe("batchedFanOut", () => {
  it("settles every item when one activity of a batch throws", async () => {
    const { status, scheduled } = await run({ count: 5, limit: 2, failAt: 1 });
    expect(status.runtimeStatus).toBe("Completed");
    expect(status.output).toEqual([
      { item: 0, ok: true, result: 0 },
      { item: 1, ok: false, error: expect.stringContaining("item 1 failed") },
      { item: 2, ok: true, result: 20 },
      { item: 3, ok: true, result: 30 },
      { item: 4, ok: true, result: 40 },
    ]);
    // Each activity was scheduled once, the one awaited after the failure included.
    expect(scheduled).toBe(5);
  });

  it("runs every item when none fails", async () => {
    const { status, scheduled } = await run({ count: 7, limit: 3, failAt: -1 });
    expect(status.output).toEqual(
      Array.from({ length: 7 }, (_, n) => ({ item: n, ok: true, result: n * 10 })),
    );
    expect(scheduled).toBe(7);
  });
});
