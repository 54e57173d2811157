// App hooks, which the host runs as the Node.js worker does.
import { app } from "@azure/functions";
import { probe } from "./probe.ts";

app.hook.appStart(async () => {
  // Lets a test see what a host does when the app refuses to start.
  if (process.env.HOST_APP_REFUSE_START)
    throw new Error(`appStart refused: ${process.env.HOST_APP_REFUSE_START}`);
  // Set-up takes a moment, as real set-up does: no function may run before it is done.
  await new Promise((resolve) => setTimeout(resolve, 10));
  probe().hooks.push("appStart");
});

app.hook.preInvocation((context) => {
  probe().hooks.push(`pre:${context.invocationContext.functionName}`);
});

app.hook.postInvocation((context) => {
  probe().hooks.push(`post:${context.invocationContext.functionName}:${context.error ? "error" : "ok"}`);
});
