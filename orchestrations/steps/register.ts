// Registration of an orchestrator with the Functions app, so orchestrator files themselves import only
// contracts, steps and the domain.
import type { OrchestrationHandler } from "durable-functions";
import * as df from "durable-functions";

export function registerOrchestration(name: string, handler: OrchestrationHandler): void {
  df.app.orchestration(name, handler);
}
