// Simulated-time scheduling for the whole twin. Events live in one heap and the Clock sees a single
// sleep (the earliest due event), so thousands of pod timers cost one clock timer and virtual time
// jumps straight from one event to the next.

import type { Clock } from "../../clock.ts";

interface ScheduledEvent {
  dueAt: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export interface TimerHandle {
  cancel(): void;
}

export class Timeline {
  readonly clock: Clock;
  private readonly heap: ScheduledEvent[] = [];
  private seq = 0;
  private armedFor = Number.POSITIVE_INFINITY;
  private armed?: AbortController;
  private closed = false;
  private readonly afterTick: Array<() => void> = [];

  constructor(clock: Clock) {
    this.clock = clock;
  }

  now(): number {
    return this.clock.now();
  }

  /** Runs `run` once simulated time reaches `dueAt` (at once, on the next tick, if already due). */
  at(dueAt: number, run: () => void): TimerHandle {
    const event: ScheduledEvent = { dueAt, seq: this.seq++, run, cancelled: false };
    this.push(event);
    this.arm();
    return {
      cancel: () => {
        event.cancelled = true;
      },
    };
  }

  after(ms: number, run: () => void): TimerHandle {
    return this.at(this.now() + Math.max(0, ms), run);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Called after every batch of due events (controllers reconcile here). */
  onTick(listener: () => void): void {
    this.afterTick.push(listener);
  }

  close(): void {
    this.closed = true;
    this.armed?.abort();
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.closed) return;
    while (this.heap.length > 0 && (this.heap[0] as ScheduledEvent).cancelled) this.pop();
    const next = this.heap[0];
    if (!next) return;
    if (next.dueAt >= this.armedFor && this.armed) return;
    this.armed?.abort();
    const controller = new AbortController();
    this.armed = controller;
    this.armedFor = next.dueAt;
    this.clock.sleep(Math.max(0, next.dueAt - this.now()), controller.signal).then(
      () => {
        if (this.armed !== controller) return;
        this.armed = undefined;
        this.armedFor = Number.POSITIVE_INFINITY;
        this.fireDue();
      },
      () => {},
    );
  }

  private fireDue(): void {
    if (this.closed) return;
    const now = this.now();
    while (this.heap.length > 0 && (this.heap[0] as ScheduledEvent).dueAt <= now) {
      const event = this.pop() as ScheduledEvent;
      if (!event.cancelled) event.run();
    }
    for (const listener of this.afterTick) listener();
    this.arm();
  }

  private push(event: ScheduledEvent): void {
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as ScheduledEvent, heap[parent] as ScheduledEvent)) break;
      [heap[i], heap[parent]] = [heap[parent] as ScheduledEvent, heap[i] as ScheduledEvent];
      i = parent;
    }
  }

  private pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left] as ScheduledEvent, heap[smallest] as ScheduledEvent))
          smallest = left;
        if (right < heap.length && before(heap[right] as ScheduledEvent, heap[smallest] as ScheduledEvent))
          smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest] as ScheduledEvent, heap[i] as ScheduledEvent];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.seq < b.seq);
}
