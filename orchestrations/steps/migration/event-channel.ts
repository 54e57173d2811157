// External events of one name, heard at many waits without losing one. durable-functions hands an
// event to the newest open waiter of its name (TaskOrchestrationExecutor: `taskList.pop()`), and a
// waiter yielded in two Task.any is listed twice, so a later event could land on a spent copy and
// vanish. So every wait gets a waiter of its own, and every waiter is remembered until its event is
// taken: one a wait gave up on (its timer won) still hands over the event it receives later.

import type { OrchestrationContext, Task } from "durable-functions";

export class EventChannel<T extends { at: string }> {
  private readonly context: OrchestrationContext;
  private readonly name: string;
  private readonly waiters: Task[] = [];

  constructor(context: OrchestrationContext, name: string) {
    this.context = context;
    this.name = name;
  }

  /** A new waiter, for one wait to race; yield it once only. */
  waiter(): Task {
    const waiter = this.context.df.waitForExternalEvent(this.name);
    this.waiters.push(waiter);
    return waiter;
  }

  /** The earliest event received and not yet taken (events reach waiters newest first). */
  take(): T | undefined {
    let earliest: { index: number; event: T } | undefined;
    this.waiters.forEach((waiter, index) => {
      if (!waiter.isCompleted) return;
      const event = waiter.result as T;
      if (earliest === undefined || event.at < earliest.event.at) earliest = { index, event };
    });
    if (earliest === undefined) return undefined;
    this.waiters.splice(earliest.index, 1);
    return earliest.event;
  }
}
