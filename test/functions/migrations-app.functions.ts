// The app with a stand-in orchestration: an instance that waits for the one event its input names and
// ends with it, so tests see exactly what the migrations API raised through the Durable client, with no
// workflow (and no cluster) behind it.

import type { OrchestrationContext } from "durable-functions";
import * as df from "durable-functions";
import "../../functions/index.ts";
import { EVENT_PROBE } from "./event-probe.ts";

function* awaitOneEvent(context: OrchestrationContext) {
  const input = context.df.getInput();
  const eventName = typeof input === "string" ? input : "control";
  const event: unknown = yield context.df.waitForExternalEvent(eventName);
  return { eventName, event };
}

df.app.orchestration(EVENT_PROBE, awaitOneEvent);
