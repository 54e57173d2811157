// HTTP triggers for the host conformance suite: routes, parameters, methods, bodies and response shapes.
import { app } from "@azure/functions";
import * as df from "durable-functions";

app.http("echo", {
  methods: ["GET", "POST"],
  route: "echo/{name}/{count:int?}",
  handler: async (request, context) => ({
    jsonBody: {
      functionName: context.functionName,
      method: request.method,
      url: request.url,
      name: request.params.name,
      count: request.params.count ?? null,
      query: Object.fromEntries(request.query.entries()),
      header: request.headers.get("x-test"),
      body: await request.text(),
    },
  }),
});

/** Function and admin levels: the host asks for keys as the Functions host does. */
app.http("guarded", {
  methods: ["GET"],
  route: "guarded",
  authLevel: "function",
  handler: () => ({ jsonBody: { opened: "guarded" } }),
});

app.http("adminOnly", {
  methods: ["GET"],
  route: "admin-only",
  authLevel: "admin",
  handler: () => ({ jsonBody: { opened: "admin-only" } }),
});

app.http("teapot", {
  methods: ["GET"],
  route: "teapot",
  handler: () => ({
    status: 418,
    body: "short and stout",
    headers: { "x-kind": "teapot" },
    cookies: [{ name: "brew", value: "earl-grey", httpOnly: true }],
  }),
});

/** A route constraint the host does not know: this function is skipped, the others still served. */
app.http("badRoute", {
  methods: ["GET"],
  route: "things/{id:colour}",
  handler: () => ({ body: "unreachable" }),
});

app.http("explode", {
  methods: ["POST"],
  route: "explode",
  handler: () => {
    throw new Error("kaboom");
  },
});

/** Starts any orchestration the way a real HTTP starter does, answering with createCheckStatusResponse. */
app.http("startOrchestration", {
  methods: ["POST"],
  route: "start/{name}/{instanceId?}",
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const body = await request.text();
    const instanceId = await client.startNew(request.params.name as string, {
      ...(body ? { input: JSON.parse(body) } : {}),
      ...(request.params.instanceId ? { instanceId: request.params.instanceId } : {}),
    });
    return client.createCheckStatusResponse(request, instanceId);
  },
});
