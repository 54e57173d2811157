// Timer triggers for the conformance suite: a nightly schedule and one that runs on start-up.
import { app, type InvocationContext, type Timer } from "@azure/functions";
import { publishedClock } from "../../local/clock.ts";
import { probe } from "./probe.ts";

function record(timer: Timer, context: InvocationContext): void {
  probe().ticks.push({
    name: context.functionName,
    isPastDue: timer.isPastDue,
    at: publishedClock()?.now() ?? Number.NaN,
  });
}

app.timer("nightly", { schedule: "0 0 2 * * *", handler: record });

app.timer("onStartup", { schedule: "0 0 0 1 Jan *", runOnStartup: true, handler: record });
