import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningHost, startHost } from "../../local/host/host.ts";

let host: RunningHost;

beforeAll(async () => {
  host = await startHost({ app: "test/host-app/root-routes/index.ts", port: 0, logLevel: "none" });
});

afterAll(async () => {
  await host?.stop();
});

describe("an app whose HTTP routes sit at the root (routePrefix empty)", () => {
  it("serves its routes without a prefix", async () => {
    const response = await fetch(`${host.origin}/reports/today`);
    expect(await response.json()).toEqual({ caughtBy: "anything", path: "reports/today" });
  });

  it("still serves the Durable HTTP API to the DurableClient, ahead of a catch-all route", async () => {
    const client = host.getClient();
    const id = await client.startNew("greet", { input: "root" });
    expect((await host.waitForInstance(id)).output).toBe("hello root");
    expect((await client.getStatus(id)).runtimeStatus).toBe("Completed");
  });
});
