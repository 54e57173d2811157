// One clock per process, shared by the embedded host, the simulator and (through the global slot) the app.
// Virtual time only moves when nothing holds the clock, so a month of timers replays in seconds, always alike.
import { AsyncLocalStorage } from "node:async_hooks";

export interface SleepOptions {
  /**
   * A passive sleep never pulls virtual time forward by itself: it wakes when other work moves time past it
   * (recurring schedules use this, so an idle host does not race through empty days).
   */
  readonly passive?: boolean;
}

export interface Clock {
  readonly kind: "real" | "scaled" | "virtual";
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once `ms` of this clock's time has passed; rejects with the signal's reason on abort. */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void>;
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

/** A unit of work that holds a clock; its own clock.sleep calls hand the hold back while they wait. */
interface HeldWork {
  readonly clock: Clock;
  release: () => void;
  sleeping: number;
  done: boolean;
}

const heldWork = new AsyncLocalStorage<HeldWork>();

/**
 * Runs `work` holding `clock` (an activity or a trigger in flight). A `clock.sleep` awaited inside it
 * releases the hold until it wakes, so code that waits on time lets time move instead of freezing it.
 */
export async function runHeld<T>(clock: Clock, work: () => Promise<T> | T): Promise<T> {
  const held: HeldWork = { clock, release: clock.hold(), sleeping: 0, done: false };
  try {
    return await heldWork.run(held, work);
  } finally {
    held.done = true;
    held.release();
  }
}

/** Runs `work` outside any held work, for background loops started from inside a request or an activity. */
export function outsideHeldWork<T>(work: () => T): T {
  return heldWork.exit(work);
}

/**
 * Awaits `waiting` without holding `clock` meanwhile, as a clock.sleep inside held work does: for work that
 * waits on other work (a request waiting for an instance to end), which may need virtual time to move.
 */
export async function awaitWithoutHold<T>(clock: Clock, waiting: Promise<T>): Promise<T> {
  const resumeHold = yieldHoldWhileSleeping(clock);
  try {
    return await waiting;
  } finally {
    resumeHold();
  }
}

/** Called by a clock when a sleep starts; returns what to call when it ends. */
function yieldHoldWhileSleeping(clock: Clock): () => void {
  const held = heldWork.getStore();
  if (!held || held.clock !== clock || held.done) return () => {};
  if (held.sleeping++ === 0) held.release();
  return () => {
    if (--held.sleeping === 0 && !held.done) held.release = clock.hold();
  };
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The operation was aborted", "AbortError");
}

/** setTimeout overflows above 2^31-1 ms (about 24.8 days) and would fire at once: wait in chunks. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export class RealClock implements Clock {
  readonly kind = "real";

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const dueAt = Date.now() + Math.max(0, ms);
      let timer: ReturnType<typeof setTimeout>;
      const onAbort = () => {
        clearTimeout(timer);
        reject(abortReason(signal as AbortSignal));
      };
      const wait = () => {
        const remaining = dueAt - Date.now();
        if (remaining <= 0) {
          signal?.removeEventListener("abort", onAbort);
          resolve();
          return;
        }
        timer = setTimeout(wait, Math.min(remaining, MAX_TIMEOUT_MS));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      timer = setTimeout(wait, Math.min(Math.max(0, ms), MAX_TIMEOUT_MS));
    });
  }

  hold(): () => void {
    return () => {};
  }
}

/**
 * Real time run `speed` times faster from `start` (a demo watched in minutes: timers, polls and the
 * simulator's startup delays all shrink alike, while gates still wait for people). Reads and sleeps on
 * `base`, the real clock unless a test gives another. It reads `start` when `base` reads `baseStart`
 * (now unless given), so a clock made in another process, or after a restart, goes on with the same time.
 */
export class ScaledClock implements Clock {
  readonly kind = "scaled";
  readonly speed: number;
  private readonly start: number;
  private readonly base: Clock;
  private readonly baseStart: number;

  constructor(start: number, speed: number, base: Clock = new RealClock(), baseStart = base.now()) {
    if (!Number.isFinite(speed) || speed <= 0)
      throw new Error(`a clock's speed is a positive number, not ${speed}`);
    this.start = start;
    this.speed = speed;
    this.base = base;
    this.baseStart = baseStart;
  }

  now(): number {
    return this.start + Math.floor((this.base.now() - this.baseStart) * this.speed);
  }

  /** Rounded up, so a sleeper never wakes before its time on this clock. */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void> {
    return this.base.sleep(Math.ceil(Math.max(0, ms) / this.speed), signal, options);
  }

  hold(): () => void {
    return this.base.hold();
  }
}

interface PendingTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly passive: boolean;
  readonly fire: () => void;
}

/**
 * Virtual time: starts at `start`, and whenever no hold is open and the event loop has settled,
 * jumps to the earliest pending sleep and wakes it. Timers due at the same instant wake in creation order.
 * Passive sleeps wake on the way but are never jumped to.
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

  /** When the next sleep that can pull time forward is due, if any. */
  get nextDueAt(): number | undefined {
    return this.timers.find((t) => !t.passive)?.dueAt;
  }

  sleep(ms: number, signal?: AbortSignal, options: SleepOptions = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortReason(signal));
      const resumeHold = yieldHoldWhileSleeping(this);
      const timer: PendingTimer = {
        dueAt: this.current + Math.max(0, ms),
        seq: this.seq++,
        passive: options.passive === true,
        fire: () => {
          signal?.removeEventListener("abort", onAbort);
          resumeHold();
          resolve();
        },
      };
      const onAbort = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        resumeHold();
        reject(abortReason(signal as AbortSignal));
        this.scheduleAdvance();
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

  /** Moves time forward to `target`, waking every sleep due on the way (passive ones too), in order. */
  async advanceTo(target: number): Promise<void> {
    while (this.timers.length > 0 && (this.timers[0] as PendingTimer).dueAt <= target) {
      this.fireDue();
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

  /**
   * Wakes every sleep due at the earliest instant together: waking them one settle apart would cost real
   * time for each (a fleet's drains retry on the same instants), and they are simultaneous anyway.
   */
  private fireDue(): void {
    const first = this.timers[0];
    if (!first) return;
    const end = this.timers.findIndex((t) => t.dueAt !== first.dueAt);
    const due = this.timers.splice(0, end === -1 ? this.timers.length : end);
    if (first.dueAt > this.current) this.current = first.dueAt;
    for (const timer of due) timer.fire();
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled || !this.autoAdvance) return;
    this.advanceScheduled = true;
    void settle(this.settleTurns).then(() => {
      this.advanceScheduled = false;
      if (!this.autoAdvance || this.holds > 0 || this.nextDueAt === undefined) return;
      this.fireDue();
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
