import { describe, expect, it } from "vitest";
import { loadAppSettings, loadInventorySchedule } from "../../shared/settings.ts";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
const SUB_A = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";
const SUB_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

/** The settings are refused with exactly these problems. */
function expectRefused(env: Record<string, string>, problems: unknown[]): void {
  expect(() => loadAppSettings(env)).toThrow(expect.objectContaining({ name: "SettingsError", problems }));
}

describe("loadAppSettings: the inventory's settings", () => {
  it("reads a local setup against the simulator", () => {
    const settings = loadAppSettings({
      TABLES_CONNECTION_STRING: AZURITE,
      ARM_ENDPOINT: "https://127.0.0.1:40443",
      ARM_CA_FILE: "/tmp/sim/ca.pem",
      ARM_LOCAL_TOKEN: "simulator",
      KUBECONFIG_DIR: "/tmp/sim/kubeconfigs",
      SCAN_CONCURRENCY: "2",
    });
    expect(settings.inventory).toEqual({
      armEndpoint: "https://127.0.0.1:40443",
      armCaFile: "/tmp/sim/ca.pem",
      credential: { kind: "local-token", token: "simulator" },
      scope: { subscriptions: [], managementGroups: [] },
      kube: { kind: "kubeconfig-directory", directory: "/tmp/sim/kubeconfigs" },
      schedule: "0 0 2 * * *",
      scanConcurrency: 2,
      kubePageSize: 500,
    });
    expect(settings.stateStore).toEqual({ kind: "connection-string", connectionString: AZURITE });
  });

  it("defaults to Azure: management.azure.com, managed identity, Entra tokens for the clusters", () => {
    const settings = loadAppSettings({
      TABLES_ENDPOINT: "https://stlifecycle.table.core.windows.net",
      INVENTORY_SUBSCRIPTIONS: `${SUB_A}, ${SUB_B}\n`,
      INVENTORY_MANAGEMENT_GROUPS: "platform-mg",
      INVENTORY_SCHEDULE: "0 30 1 * * Mon-Fri",
    });
    expect(settings.inventory).toEqual({
      armEndpoint: "https://management.azure.com",
      credential: { kind: "managed-identity" },
      scope: { subscriptions: [SUB_A, SUB_B], managementGroups: ["platform-mg"] },
      kube: { kind: "entra" },
      schedule: "0 30 1 * * Mon-Fri",
      scanConcurrency: 8,
      kubePageSize: 500,
    });
  });

  it("keeps stored tokens and kubeconfigs to the simulator on this machine", () => {
    expectRefused(
      {
        TABLES_CONNECTION_STRING: AZURITE,
        ARM_LOCAL_TOKEN: "t",
        KUBECONFIG_DIR: "/home/me/.kube",
      },
      [
        "ARM_LOCAL_TOKEN is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure the managed identity is used",
        "KUBECONFIG_DIR is only for an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure clusters are reached with Entra tokens, never a stored kubeconfig",
      ],
    );
  });

  it("names every malformed setting at once, with the product's own problems", () => {
    expectRefused(
      {
        ARM_ENDPOINT: "http://127.0.0.1:8080",
        INVENTORY_SUBSCRIPTIONS: `${SUB_A},not-a-guid`,
        INVENTORY_MANAGEMENT_GROUPS: "bad group!",
        INVENTORY_SCHEDULE: "0 2 * * *",
        SCAN_CONCURRENCY: "0",
        KUBE_PAGE_SIZE: "many",
      },
      [
        "ARM_ENDPOINT: expected an https URL (ARM refuses bearer tokens over plain http)",
        "INVENTORY_SUBSCRIPTIONS: expected subscription ids (GUIDs), got not-a-guid",
        "INVENTORY_MANAGEMENT_GROUPS: expected management group ids, got group!",
        'INVENTORY_SCHEDULE: expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
        "SCAN_CONCURRENCY: expected a whole number from 1 to 64",
        "KUBE_PAGE_SIZE: expected a whole number from 1 to 5000",
      ],
    );
    expectRefused({ ARM_ENDPOINT: "https://management.azure.com" }, [
      expect.stringMatching(/^set one of TABLES_CONNECTION_STRING/),
    ]);
  });
});

describe("loadInventorySchedule", () => {
  it("reads only the schedule, nightly at 02:00 UTC unless set", () => {
    expect(loadInventorySchedule({})).toBe("0 0 2 * * *");
    expect(loadInventorySchedule({ INVENTORY_SCHEDULE: "01:00:00", TABLES_PREFIX: "9bad" })).toBe("01:00:00");
    expect(() => loadInventorySchedule({ INVENTORY_SCHEDULE: "nightly" })).toThrow(
      'INVENTORY_SCHEDULE: expected an NCRONTAB expression with six fields, e.g. "0 0 2 * * *"',
    );
  });
});
