// The composition root's capabilities, through the real adapters: what a function or activity asks for
// is built on first use, once per settings and clock, so one that needs only product state builds no
// Service Bus client and reads no ARM CA file; a change of settings or clock builds afresh and closes
// what was built before. Service Bus clients are the real SDK's, counted as they are made.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ServiceBusSender, ServiceBusSenderOptions } from "@azure/service-bus";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { RetryClock } from "../../shared/domain/ports/clock.ts";

const made = vi.hoisted(() => ({ clients: 0, senders: [] as ServiceBusSender[] }));

vi.mock("@azure/service-bus", async (importOriginal) => {
  const real = await importOriginal<typeof import("@azure/service-bus")>();
  class CountedServiceBusClient extends real.ServiceBusClient {
    constructor(...args: ConstructorParameters<typeof real.ServiceBusClient>) {
      super(...args);
      made.clients++;
    }
    override createSender(name: string, options?: ServiceBusSenderOptions): ServiceBusSender {
      const sender = super.createSender(name, options);
      made.senders.push(sender);
      return sender;
    }
  }
  return { ...real, ServiceBusClient: CountedServiceBusClient };
});

const { capabilities } = await import("../../shared/composition.ts");

const SCAN_ID = "2026-03-01";
const HOST_CLOCK_SLOT = Symbol.for("functions-local-host.clock");
const dataDir = mkdtempSync(join(tmpdir(), "capabilities-"));
/** Every group set; the ARM CA file does not exist and nothing listens on the Service Bus port. */
const SETTINGS = {
  STATE_SQLITE_FILE: join(dataDir, "state.sqlite"),
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=x;UseDevelopmentEmulator=true;",
  ALERT_TOPIC: "lifecycle-alerts",
  ALERT_WEBHOOK_URL: "http://127.0.0.1:1/hook",
  ARM_ENDPOINT: "https://127.0.0.1:1",
  ARM_CA_FILE: join(dataDir, "no-such-ca.pem"),
  ARM_LOCAL_TOKEN: "capabilities-test",
  KUBECONFIG_DIR: dataDir,
};
const saved = Object.fromEntries(Object.keys(SETTINGS).map((name) => [name, process.env[name]]));

function clock(at: number): RetryClock {
  return { now: () => at, sleep: async () => undefined };
}

beforeEach(() => {
  Object.assign(process.env, SETTINGS);
  (globalThis as Record<symbol, unknown>)[HOST_CLOCK_SLOT] = clock(Date.parse("2026-03-01T00:00:00Z"));
});

afterAll(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  delete (globalThis as Record<symbol, unknown>)[HOST_CLOCK_SLOT];
});

describe("capabilities", () => {
  it("builds only what is asked for: state alone makes no Service Bus client and reads no CA file", async () => {
    const { inventory } = capabilities("state");
    const scan = await inventory.beginScan(SCAN_ID, "2026-03-01T00:00:00Z");
    expect(scan).toMatchObject({ scanId: SCAN_ID, status: "running" });
    expect(made.clients).toBe(0);

    expect(() => capabilities("fleet")).toThrow(/^ARM_CA_FILE .*no-such-ca\.pem cannot be read/);
    // The agent pools reach ARM through the same clients, made at their first call.
    const { pools } = capabilities("pools");
    await expect(
      pools.readPool(
        "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c1",
        "apps",
      ),
    ).rejects.toThrow(/^ARM_CA_FILE .*no-such-ca\.pem cannot be read/);
    expect(() => capabilities("state", "kube")).not.toThrow();
    expect(made.clients).toBe(0);

    const { alertSinks } = capabilities("alertSinks");
    expect(alertSinks.map((sink) => sink.name)).toEqual(["webhook", "topic"]);
    expect(made.clients).toBe(1);
    expect(capabilities("alertSinks", "state").alertSinks).toBe(alertSinks);
    expect(made.clients).toBe(1);
  });

  it("keeps what it built while settings and clock stay; a change builds afresh and closes the old", async () => {
    const first = capabilities("state", "alertSinks", "clock");
    const again = capabilities("state", "alertSinks", "clock");
    expect(again.inventory).toBe(first.inventory);
    expect(again.alertSinks).toBe(first.alertSinks);
    const sender = made.senders.at(-1) as ServiceBusSender;
    expect(sender.isClosed).toBe(false);

    const later = clock(Date.parse("2026-03-02T00:00:00Z"));
    (globalThis as Record<symbol, unknown>)[HOST_CLOCK_SLOT] = later;
    const afterClock = capabilities("state", "clock");
    expect(afterClock.clock).toBe(later);
    expect(afterClock.inventory).not.toBe(first.inventory);
    await vi.waitFor(() => expect(sender.isClosed).toBe(true));
    await expect(first.inventory.latestScan()).rejects.toThrow("the SQLite state store is closed");
    // The same file through the new store: the scan begun earlier is there, still running.
    expect(await afterClock.inventory.beginScan(SCAN_ID, "2026-03-02T00:00:00Z")).toMatchObject({
      scanId: SCAN_ID,
      startedAt: "2026-03-01T00:00:00Z",
      status: "running",
    });

    process.env.SCAN_CONCURRENCY = "3";
    const { inventorySettings, inventory } = capabilities("inventorySettings", "state");
    expect(inventorySettings.scanConcurrency).toBe(3);
    expect(inventory).not.toBe(afterClock.inventory);
    delete process.env.SCAN_CONCURRENCY;
  });

  it("fails closed on any group's problem, whatever is asked for", () => {
    process.env.KUBE_PAGE_SIZE = "many";
    delete process.env.STATE_SQLITE_FILE;
    try {
      expect(() => capabilities("clock")).toThrow(
        expect.objectContaining({
          name: "SettingsError",
          problems: [
            "Kubernetes connection: KUBE_PAGE_SIZE: expected a whole number from 1 to 5000",
            expect.stringMatching(/^state store: set one of TABLES_CONNECTION_STRING/),
          ],
        }),
      );
    } finally {
      delete process.env.KUBE_PAGE_SIZE;
    }
  });
});
