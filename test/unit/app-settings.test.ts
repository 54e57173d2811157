import { describe, expect, it } from "vitest";
import { azureSettings } from "../../shared/settings/azure.settings.ts";
import { inventorySettings } from "../../shared/settings/inventory.settings.ts";
import { kubeSettings } from "../../shared/settings/kube.settings.ts";
import { parseSettingsGroup } from "../../shared/settings/settings-group.ts";
import { loadAppSettings, loadInventorySchedule } from "../../shared/settings.ts";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
const SUB_A = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";
const SUB_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/** The settings are refused with exactly these problems. */
function expectRefused(load: () => unknown, problems: unknown[]): void {
  expect(load).toThrow(expect.objectContaining({ name: "SettingsError", problems }));
}

describe("loadAppSettings: every group", () => {
  it("reads a local setup against the simulator", () => {
    const settings = loadAppSettings({
      TABLES_CONNECTION_STRING: AZURITE,
      ARM_ENDPOINT: "https://127.0.0.1:40443",
      ARM_CA_FILE: "/tmp/sim/ca.pem",
      ARM_LOCAL_TOKEN: "simulator",
      KUBECONFIG_DIR: "/tmp/sim/kubeconfigs",
      SCAN_CONCURRENCY: "2",
    });
    expect(settings).toEqual({
      azure: {
        armEndpoint: "https://127.0.0.1:40443",
        armCaFile: "/tmp/sim/ca.pem",
        credential: { kind: "local-token", token: "simulator" },
      },
      kube: {
        connection: { kind: "kubeconfig-directory", directory: "/tmp/sim/kubeconfigs" },
        pageSize: 500,
      },
      stateStore: {
        store: { kind: "connection-string", connectionString: AZURITE },
        tablePrefix: "lifecycle",
      },
      serviceBus: { noticesQueue: "retirement-notices" },
      alertSinks: {},
      inventory: {
        scope: { subscriptions: [], managementGroups: [] },
        schedule: "0 0 2 * * *",
        scanConcurrency: 2,
        dependencyRotationNights: 1,
      },
      identity: { mode: undefined },
      access: { twoApproversWhere: [] },
    });
  });

  it("defaults to Azure: management.azure.com, managed identity, Entra tokens for the clusters", () => {
    const settings = loadAppSettings({
      TABLES_ENDPOINT: "https://stlifecycle.table.core.windows.net",
      INVENTORY_SUBSCRIPTIONS: `${SUB_A}, ${SUB_B}\n`,
      INVENTORY_MANAGEMENT_GROUPS: "platform-mg",
      INVENTORY_SCHEDULE: "0 30 1 * * Mon-Fri",
    });
    expect(settings.azure).toEqual({
      armEndpoint: "https://management.azure.com",
      credential: { kind: "managed-identity" },
    });
    expect(settings.kube).toEqual({ connection: { kind: "entra" }, pageSize: 500 });
    expect(settings.inventory).toEqual({
      scope: { subscriptions: [SUB_A, SUB_B], managementGroups: ["platform-mg"] },
      schedule: "0 30 1 * * Mon-Fri",
      scanConcurrency: 8,
      dependencyRotationNights: 1,
    });
  });

  it("names every problem of every group together, each with its group", () => {
    expectRefused(
      () =>
        loadAppSettings({
          ARM_ENDPOINT: "http://127.0.0.1:8080",
          INVENTORY_SUBSCRIPTIONS: `${SUB_A},not-a-guid`,
          INVENTORY_MANAGEMENT_GROUPS: "bad group!",
          INVENTORY_SCHEDULE: "0 2 * * *",
          SCAN_CONCURRENCY: "0",
          KUBE_PAGE_SIZE: "many",
          ALERT_TOPIC: "alerts",
          TWO_APPROVERS_WHERE: "environment=production, production",
        }),
      [
        "Azure connection: ARM_ENDPOINT: expected an https URL (ARM refuses bearer tokens over plain http)",
        "Kubernetes connection: KUBE_PAGE_SIZE: expected a whole number from 1 to 5000",
        expect.stringMatching(/^state store: set one of TABLES_CONNECTION_STRING/),
        "alert sinks: ALERT_TOPIC needs a Service Bus connection: set ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace",
        "inventory: INVENTORY_SUBSCRIPTIONS: expected subscription ids (GUIDs), got not-a-guid",
        "inventory: INVENTORY_MANAGEMENT_GROUPS: expected management group ids, got group!",
        'inventory: INVENTORY_SCHEDULE: expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
        "inventory: SCAN_CONCURRENCY: expected a whole number from 1 to 64",
        'access: TWO_APPROVERS_WHERE: expected tag=value pairs separated by commas: "production" is not tag=value',
      ],
    );
  });
});

describe("the Azure and Kubernetes connections' settings", () => {
  it("keep stored tokens and kubeconfigs to the simulator on this machine", () => {
    const env = { ARM_LOCAL_TOKEN: "t", KUBECONFIG_DIR: "/home/me/.kube" };
    expectRefused(
      () => parseSettingsGroup(azureSettings, env),
      [
        "Azure connection: ARM_LOCAL_TOKEN is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure the managed identity is used",
      ],
    );
    expectRefused(
      () => parseSettingsGroup(kubeSettings, env),
      [
        "Kubernetes connection: KUBECONFIG_DIR is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure clusters are reached with Entra tokens, never a stored kubeconfig",
      ],
    );
    const local = { ...env, ARM_ENDPOINT: "https://127.0.0.1:40443" };
    expect(parseSettingsGroup(azureSettings, local).credential).toEqual({ kind: "local-token", token: "t" });
    expect(parseSettingsGroup(kubeSettings, local).connection).toEqual({
      kind: "kubeconfig-directory",
      directory: "/home/me/.kube",
    });
  });

  it("leave a malformed ARM_ENDPOINT to the Azure connection to report, once", () => {
    const env = { ARM_ENDPOINT: "not a url", KUBECONFIG_DIR: "/tmp/sim" };
    expect(parseSettingsGroup(kubeSettings, env).connection.kind).toBe("kubeconfig-directory");
    expectRefused(
      () => loadAppSettings({ ...env, STATE_SQLITE_FILE: "state.sqlite" }),
      ["Azure connection: ARM_ENDPOINT: expected an https URL (ARM refuses bearer tokens over plain http)"],
    );
  });
});

describe("the inventory's settings", () => {
  it("need no other group's", () => {
    expect(parseSettingsGroup(inventorySettings, { SCAN_CONCURRENCY: "64" })).toEqual({
      scope: { subscriptions: [], managementGroups: [] },
      schedule: "0 0 2 * * *",
      scanConcurrency: 64,
      dependencyRotationNights: 1,
    });
  });

  it("spread the clusters' workload scans over SCAN_DEPENDENCIES_EVERY nights, at most 90", () => {
    expect(
      parseSettingsGroup(inventorySettings, { SCAN_DEPENDENCIES_EVERY: "7" }).dependencyRotationNights,
    ).toBe(7);
    expectRefused(
      () => parseSettingsGroup(inventorySettings, { SCAN_DEPENDENCIES_EVERY: "91" }),
      ["inventory: SCAN_DEPENDENCIES_EVERY: expected a whole number from 1 to 90"],
    );
  });
});

describe("loadInventorySchedule", () => {
  it("reads only the schedule, nightly at 02:00 UTC unless set", () => {
    expect(loadInventorySchedule({})).toBe("0 0 2 * * *");
    expect(loadInventorySchedule({ INVENTORY_SCHEDULE: "01:00:00", TABLES_PREFIX: "9bad" })).toBe("01:00:00");
    expect(() => loadInventorySchedule({ INVENTORY_SCHEDULE: "nightly" })).toThrow(
      'inventory: INVENTORY_SCHEDULE: expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
    );
  });
});
