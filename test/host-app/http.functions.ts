// HTTP triggers for the host conformance suite: routes, parameters, methods, bodies and response shapes.
import { app } from "@azure/functions";

app.http("echo", {
  methods: ["GET", "POST"],
  route: "echo/{name}/{count:int?}",
  handler: async (request, context) => ({
    jsonBody: {
      functionName: context.functionName,
      method: request.method,
      name: request.params.name,
      count: request.params.count ?? null,
      query: Object.fromEntries(request.query.entries()),
      header: request.headers.get("x-test"),
      body: await request.text(),
    },
  }),
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

app.http("explode", {
  methods: ["POST"],
  route: "explode",
  handler: () => {
    throw new Error("kaboom");
  },
});
