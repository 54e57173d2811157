// App hooks, which the host runs as the Node.js worker does.
import { app } from "@azure/functions";
import { probe } from "./probe.ts";

app.hook.appStart(() => {
  probe().hooks.push("appStart");
});

app.hook.preInvocation((context) => {
  probe().hooks.push(`pre:${context.invocationContext.functionName}`);
});

app.hook.postInvocation((context) => {
  probe().hooks.push(`post:${context.invocationContext.functionName}:${context.error ? "error" : "ok"}`);
});
