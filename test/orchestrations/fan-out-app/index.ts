// A small app for the batched fan-out step: an activity that fails for one item at once while the others
// of its batch still run.
import type { OrchestrationContext } from "durable-functions";
import * as df from "durable-functions";
import { publishedClock } from "../../../local/clock.ts";
import { batchedFanOut } from "../../../orchestrations/steps/batched-fan-out.ts";

interface Item {
  n: number;
  failAt: number;
}

df.app.activity("tenfold", {
  handler: async ({ n, failAt }: Item) => {
    if (n === failAt) throw new Error(`item ${n} failed`);
    // The others finish later, so Task.all has failed before they complete.
    await publishedClock()?.sleep(1_000);
    return n * 10;
  },
});

df.app.orchestration("fan-out", function* (context: OrchestrationContext) {
  const { count, limit, failAt } = context.df.getInput() as { count: number; limit: number; failAt: number };
  const items = Array.from({ length: count }, (_, n) => n);
  return yield* batchedFanOut<number, number>(context, items, limit, (n) =>
    context.df.callActivity("tenfold", { n, failAt }),
  );
});
