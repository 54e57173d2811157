// One clock per process, shared by the embedded host, the simulator and (through the global slot) the app.
// Virtual time only moves when nothing holds the clock, so a month of timers replays in seconds, always alike.

export interface Clock {
  readonly kind: "real" | "virtual";
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once `ms` of this clock's time has passed; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Marks work in progress: virtual time stands still until every hold is released. */
  hold(): () => void;
}

/** Where a host publishes its clock for code it hosts (the app's composition looks here). */
export const SHARED_CLOCK_SLOT = Symbol.for("functions-local-host.clock");

export function publishClock(clock: Clock): void {
  (globalThis as Record<symbol, unknown>)[SHARED_CLOCK_SLOT] = clock;
}

export function publishedClock(): Clock | undefined {
  return (globalThis as Record<symbol, unknown>)[SHARED_CLOCK_SLOT] as Clock | undefined;
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

export class RealClock implements Clock {
  readonly kind = "real";

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  hold(): () => void {
    return () => {};
  }
}

interface PendingTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly fire: () => void;
}

/**
 * Virtual time: starts at `start`, and whenever no hold is open and the event loop has settled,
 * jumps to the earliest pending sleep and wakes it. Timers due at the same instant wake in creation order.
 */
export class VirtualClock implements Clock {
  readonly kind = "virtual";
  private current: number;
  private holds = 0;
  private seq = 0;
  private timers: PendingTimer[] = [];
  private advanceScheduled = false;
  private autoAdvance = true;
  private readonly settleTurns: number;

  constructor(start: number, options: { settleTurns?: number } = {}) {
    this.current = start;
    this.settleTurns = options.settleTurns ?? 3;
  }

  now(): number {
    return this.current;
  }

  get pendingTimers(): number {
    return this.timers.length;
  }

  get openHolds(): number {
    return this.holds;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const timer: PendingTimer = {
        dueAt: this.current + Math.max(0, ms),
        seq: this.seq++,
        fire: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        reject(abortReason(signal as AbortSignal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.insert(timer);
      this.scheduleAdvance();
    });
  }

  hold(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      this.scheduleAdvance();
    };
  }

  /** Stops automatic jumps (tests that step time by hand). */
  pause(): void {
    this.autoAdvance = false;
  }

  resume(): void {
    this.autoAdvance = true;
    this.scheduleAdvance();
  }

  /** Moves time forward to `target`, waking every sleep due on the way, in order. */
  async advanceTo(target: number): Promise<void> {
    while (this.timers.length > 0 && (this.timers[0] as PendingTimer).dueAt <= target) {
      this.fireNext();
      await settle(this.settleTurns);
    }
    if (target > this.current) this.current = target;
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  private insert(timer: PendingTimer): void {
    const index = this.timers.findIndex(
      (t) => t.dueAt > timer.dueAt || (t.dueAt === timer.dueAt && t.seq > timer.seq),
    );
    if (index === -1) this.timers.push(timer);
    else this.timers.splice(index, 0, timer);
  }

  private fireNext(): void {
    const next = this.timers.shift();
    if (!next) return;
    if (next.dueAt > this.current) this.current = next.dueAt;
    next.fire();
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled || !this.autoAdvance) return;
    this.advanceScheduled = true;
    void settle(this.settleTurns).then(() => {
      this.advanceScheduled = false;
      if (!this.autoAdvance || this.holds > 0 || this.timers.length === 0) return;
      this.fireNext();
      this.scheduleAdvance();
    });
  }
}

/** Lets pending I/O callbacks and promise chains run before deciding the process is idle. */
async function settle(turns: number): Promise<void> {
  for (let i = 0; i < turns; i++) {
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
