// Registration with the Functions app, typed by the contracts: an orchestrator receives its input typed
// and must return its output, an activity's handler must take its input and resolve to its output. So
// orchestrator files themselves import only contracts, steps and the domain.

import type { InvocationContext } from "@azure/functions";
import type { OrchestrationContext, Task } from "durable-functions";
import * as df from "durable-functions";
import type {
  ActivityInput,
  ActivityName,
  ActivityOutput,
  OrchestrationInput,
  OrchestrationName,
  OrchestrationOutput,
} from "../contracts.ts";

export function registerOrchestration<K extends OrchestrationName>(
  name: K,
  orchestrator: (
    context: OrchestrationContext,
    input: OrchestrationInput<K>,
  ) => Generator<Task, OrchestrationOutput<K>, unknown>,
): void {
  df.app.orchestration(name, function* (context: OrchestrationContext) {
    return yield* orchestrator(context, context.df.getInput() as OrchestrationInput<K>);
  });
}

export function registerActivity<K extends ActivityName>(
  name: K,
  options: {
    handler: (input: ActivityInput<K>, context: InvocationContext) => Promise<ActivityOutput<K>>;
  },
): void {
  df.app.activity(name, options);
}
