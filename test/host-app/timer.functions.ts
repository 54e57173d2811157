// Timer triggers for the conformance suite: a nightly schedule, one that runs on start-up, and one whose
// schedule names an app setting that is not set.
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

// The schedule comes from an app setting (test/host-app/local.settings.json), as %Setting% references do in Azure.
app.timer("nightly", { schedule: "%NightlySchedule%", handler: record });

app.timer("unscheduled", { schedule: "%NoSuchSchedule%", handler: record });

app.timer("onStartup", { schedule: "0 0 0 1 Jan *", runOnStartup: true, handler: record });
