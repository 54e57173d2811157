import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";
import { probe } from "../host-app/probe.ts";

let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ app: "test/host-app/index.ts", port: 0, logLevel: "none" });
});

afterAll(async () => {
  await host?.stop();
});

describe("HTTP triggers", () => {
  it("passes route parameters, query, headers and body through the app's own HttpRequest", async () => {
    const response = await fetch(`${host.origin}/api/echo/widget/42?color=blue`, {
      method: "POST",
      headers: { "x-test": "yes" },
      body: "hello",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual({
      functionName: "echo",
      method: "POST",
      url: `${host.origin}/api/echo/widget/42?color=blue`,
      name: "widget",
      count: "42",
      query: { color: "blue" },
      header: "yes",
      body: "hello",
    });
  });

  it("treats an optional parameter as optional and enforces constraints", async () => {
    const without = await fetch(`${host.origin}/api/echo/widget`);
    expect(((await without.json()) as { count: unknown }).count).toBeNull();
    const notAnInt = await fetch(`${host.origin}/api/echo/widget/many`);
    expect(notAnInt.status).toBe(404);
  });

  it("returns status, headers, cookies and body from an HttpResponseInit", async () => {
    const response = await fetch(`${host.origin}/api/teapot`);
    expect(response.status).toBe(418);
    expect(response.headers.get("x-kind")).toBe("teapot");
    expect(response.headers.get("set-cookie")).toBe("brew=earl-grey; HttpOnly");
    expect(await response.text()).toBe("short and stout");
  });

  it("answers 500 when the function throws", async () => {
    const response = await fetch(`${host.origin}/api/explode`, { method: "POST" });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: { status: 500, reason: `Function "explode" failed; see the host's log.` },
    });
  });

  it("answers an unknown route with 404 and a wrong method with 405 and Allow, in the error shape", async () => {
    const unknown = await fetch(`${host.origin}/api/nowhere`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      error: { status: 404, reason: "No HTTP-triggered function matches GET /api/nowhere." },
    });
    const wrongMethod = await fetch(`${host.origin}/api/teapot`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expect(await wrongMethod.json()).toEqual({
      error: { status: 405, reason: "/api/teapot does not accept DELETE; it accepts GET." },
    });
  });

  it("runs the app's hooks around invocations, and appStart once", async () => {
    const hooks = probe().hooks;
    expect(hooks).toContain("appStart");
    hooks.length = 0;
    await fetch(`${host.origin}/api/teapot`);
    await fetch(`${host.origin}/api/explode`, { method: "POST" });
    expect(hooks).toEqual(["pre:teapot", "post:teapot:ok", "pre:explode", "post:explode:error"]);
  });

  it("skips a function whose route it cannot read, says why, and serves the rest", async () => {
    expect(host.skipped).toContainEqual({
      function: "badRoute",
      reason: 'Route "things/{id:colour}" uses the constraint "colour", which the local host does not know.',
    });
    expect((await fetch(`${host.origin}/api/things/red`)).status).toBe(404);
    expect((await fetch(`${host.origin}/api/teapot`)).status).toBe(418);
  });

  it("lists the functions it discovered", () => {
    expect(host.functions).toEqual(expect.arrayContaining(["echo", "teapot", "explode"]));
  });
});
