import { describe, expect, it, vi } from "vitest";
import {
  awaitWithoutHold,
  publishClock,
  publishedClock,
  RealClock,
  runHeld,
  ScaledClock,
  VirtualClock,
} from "../../local/clock.ts";

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

describe("VirtualClock with passive sleeps and held work", () => {
  it("never jumps to a passive sleep alone, but wakes it when other work moves time past it", async () => {
    const clock = new VirtualClock(0);
    const woke: string[] = [];
    const nightly = clock
      .sleep(1000, undefined, { passive: true })
      .then(() => woke.push(`nightly@${clock.now()}`));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woke).toEqual([]);
    expect(clock.now()).toBe(0);
    await clock.sleep(5000).then(() => woke.push(`durable@${clock.now()}`));
    await nightly;
    expect(woke).toEqual(["nightly@1000", "durable@5000"]);
  });

  it("lets time move while held work sleeps on the clock, and stands still while it computes", async () => {
    const clock = new VirtualClock(0);
    const steps: number[] = [];
    let otherWoke = -1;
    const other = clock.sleep(100).then(() => {
      otherWoke = clock.now();
    });
    await runHeld(clock, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      steps.push(clock.now());
      expect(otherWoke).toBe(-1);
      await clock.sleep(1000);
      steps.push(clock.now());
      await new Promise((resolve) => setTimeout(resolve, 20));
      steps.push(clock.now());
    });
    await other;
    expect(steps).toEqual([0, 1000, 1000]);
    expect(otherWoke).toBe(100);
    expect(clock.openHolds).toBe(0);
  });
});

describe("awaitWithoutHold", () => {
  it("lets time move while held work waits on other work, and holds again once that is done", async () => {
    const clock = new VirtualClock(0);
    const elsewhere = clock.sleep(5_000).then(() => clock.now());
    const seen = await runHeld(clock, async () => {
      const woke = await awaitWithoutHold(clock, elsewhere);
      return { woke, holds: clock.openHolds };
    });
    expect(seen).toEqual({ woke: 5_000, holds: 1 });
    expect(clock.openHolds).toBe(0);
  });
});

describe("RealClock long sleeps", () => {
  it("waits past setTimeout's 24.8-day limit instead of firing at once", async () => {
    vi.useFakeTimers();
    try {
      const clock = new RealClock();
      let woke = false;
      const sleeping = clock.sleep(30 * 86_400_000).then(() => {
        woke = true;
      });
      await vi.advanceTimersByTimeAsync(25 * 86_400_000);
      expect(woke).toBe(false);
      await vi.advanceTimersByTimeAsync(5 * 86_400_000);
      await sleeping;
      expect(woke).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("ScaledClock", () => {
  const START = Date.UTC(2026, 11, 2, 9);

  it("runs its base's time speed times faster from its start", async () => {
    const base = new VirtualClock(1_000_000);
    base.pause();
    const clock = new ScaledClock(START, 60, base);
    expect(clock.now()).toBe(START);
    await base.advanceBy(1_000);
    expect(clock.now()).toBe(START + 60_000);
    await base.advanceBy(60_000);
    expect(clock.now()).toBe(START + 61 * 60_000);
  });

  it("made later with the base time it started at, reads what the first one reads", async () => {
    const base = new VirtualClock(1_000_000);
    base.pause();
    const first = new ScaledClock(START, 60, base);
    await base.advanceBy(5_000);
    const restarted = new ScaledClock(START, 60, base, 1_000_000);
    expect(restarted.now()).toBe(START + 300_000);
    expect(restarted.now()).toBe(first.now());
  });

  it("sleeps a scaled time on its base, never waking early", async () => {
    const base = new VirtualClock(0);
    const clock = new ScaledClock(START, 60, base);
    await clock.sleep(3_600_000);
    expect(base.now()).toBe(60_000);
    expect(clock.now()).toBe(START + 3_600_000);
    // 100 ms at 60x is 1.67 ms of the base: rounded up to 2, so the sleeper sees at least its 100 ms.
    await clock.sleep(100);
    expect(base.now()).toBe(60_002);
    expect(clock.now() - (START + 3_600_000)).toBeGreaterThanOrEqual(100);
  });

  it("refuses a speed that is not a positive number", () => {
    expect(() => new ScaledClock(START, 0)).toThrow("a clock's speed is a positive number, not 0");
    expect(() => new ScaledClock(START, Number.NaN)).toThrow("a clock's speed is a positive number, not NaN");
  });
});
