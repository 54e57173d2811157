import { describe, expect, it } from "vitest";
import { publishClock, publishedClock, RealClock, VirtualClock } from "../../local/clock.ts";

describe("VirtualClock", () => {
  it("jumps to the earliest sleep when nothing holds it, waking sleeps in due order", async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 1));
    const woke: string[] = [];
    const week = clock.sleep(7 * 86_400_000).then(() => woke.push(`week@${clock.now()}`));
    const hour = clock.sleep(3_600_000).then(() => woke.push(`hour@${clock.now()}`));
    await Promise.all([week, hour]);
    expect(woke).toEqual([`hour@${Date.UTC(2026, 0, 1, 1)}`, `week@${Date.UTC(2026, 0, 8)}`]);
  });

  it("stands still while a hold is open", async () => {
    const clock = new VirtualClock(0);
    const release = clock.hold();
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => {
      woke = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woke).toBe(false);
    expect(clock.now()).toBe(0);
    release();
    await sleeping;
    expect(clock.now()).toBe(1000);
  });

  it("advances by hand when paused, and an aborted sleep never fires", async () => {
    const clock = new VirtualClock(0);
    clock.pause();
    const controller = new AbortController();
    const aborted = clock.sleep(50, controller.signal).catch((error: unknown) => error);
    const kept = clock.sleep(100);
    controller.abort(new Error("cancelled"));
    expect(((await aborted) as Error).message).toBe("cancelled");
    await clock.advanceBy(100);
    await kept;
    expect(clock.now()).toBe(100);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("RealClock and the shared slot", () => {
  it("sleeps in real time and is found where a host publishes it", async () => {
    const clock = new RealClock();
    const before = clock.now();
    await clock.sleep(5);
    expect(clock.now()).toBeGreaterThanOrEqual(before + 4);
    publishClock(clock);
    expect(publishedClock()).toBe(clock);
  });
});
