// A second app for the host: HTTP routes at the root (routePrefix ""), one of them a catch-all, beside a
// durable orchestration that the DurableClient must still reach under /runtime/webhooks/durabletask.
import { app } from "@azure/functions";
import * as df from "durable-functions";

df.app.activity("greeting", { handler: (name: string) => `hello ${name}` });

df.app.orchestration("greet", function* (context) {
  const greeting: string = yield context.df.callActivity("greeting", context.df.getInput());
  return greeting;
});

app.http("anything", {
  methods: ["GET", "POST"],
  route: "{*path}",
  handler: (request) => ({ jsonBody: { caughtBy: "anything", path: request.params.path ?? "" } }),
});
