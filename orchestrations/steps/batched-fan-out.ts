// Fan-out with at most `limit` activities in flight: items go in batches awaited with Task.all. (A sliding
// window of repeated Task.any over running tasks would schedule them again in durable-functions JS:
// Azure/azure-functions-durable-js#574.) The activities called here report failures as outcomes; should
// one still throw, Task.all fails at once, so the batch's other tasks are awaited one by one (yielding an
// already scheduled activity does not schedule it again) and each item is settled on its own.

import type { OrchestrationContext, Task } from "durable-functions";
import { errorMessage, type TypedTask } from "./call-activity.ts";

export type Settled<Item, Result> =
  | { item: Item; ok: true; result: Result }
  | { item: Item; ok: false; error: string };

export function* batchedFanOut<Item, Result>(
  context: OrchestrationContext,
  items: readonly Item[],
  limit: number,
  start: (item: Item) => TypedTask<Result>,
): Generator<Task, Settled<Item, Result>[], unknown> {
  const settled: Settled<Item, Result>[] = [];
  for (let offset = 0; offset < items.length; offset += limit) {
    const batch = items.slice(offset, offset + limit).map((item) => ({ item, task: start(item) }));
    try {
      yield context.df.Task.all(batch.map(({ task }) => task));
    } catch {
      for (const { task } of batch) {
        if (task.isCompleted) continue;
        try {
          yield task;
        } catch {
          // Settled below from the task itself.
        }
      }
    }
    for (const { item, task } of batch) {
      settled.push(
        task.isFaulted
          ? { item, ok: false, error: errorMessage(task.result) }
          : { item, ok: true, result: task.result as Result },
      );
    }
  }
  return settled;
}
