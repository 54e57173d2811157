// Registration with the Functions app, typed by the contracts: an orchestrator receives its input typed
// and must return its output, an activity's handler must take its input and resolve to its output. So
// orchestrator files themselves import only contracts, steps and the domain.

import type { InvocationContext } from "@azure/functions";
import type { OrchestrationContext, Task } from "durable-functions";
import * as df from "durable-functions";
import type { ActivityName, ActivityTypes, OrchestrationName, OrchestrationTypes } from "../contracts.ts";

type Orchestrator<K extends OrchestrationName> = (
  context: OrchestrationContext,
  input: OrchestrationTypes[K]["input"],
) => Generator<Task, OrchestrationTypes[K]["output"], unknown>;

type ActivityHandler<K extends ActivityName> = (
  input: ActivityTypes[K]["input"],
  context: InvocationContext,
) => Promise<ActivityTypes[K]["output"]>;

export function registerOrchestration<K extends OrchestrationName>(
  name: K,
  orchestrator: Orchestrator<K>,
): void {
  df.app.orchestration(name, function* (context: OrchestrationContext) {
    return yield* orchestrator(context, context.df.getInput() as OrchestrationTypes[K]["input"]);
  });
}

export function registerActivity<K extends ActivityName>(
  name: K,
  options: { handler: ActivityHandler<K> },
): void {
  df.app.activity(name, options);
}
