// The app settings the code reads (APP_SETTING_NAMES), the ones the deployment sets (the Function App's
// Bicep) and local.settings.example.json agree: a setting added to the code without a place in Azure, or
// left in the Bicep after the code stopped reading it, fails here.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { APP_SETTING_NAMES, loadAppSettings, loadServiceBusSettings } from "../../shared/settings.ts";
import { appSettings, ROOT, readInfra, stringVar } from "./bicep-templates.ts";

/** Read by the code but deliberately not deployed, each with the reason (also in docs/deploy.md). */
const NOT_DEPLOYED: Record<string, string> = {
  ARM_LOCAL_TOKEN: "local only: a fixed token for the simulator; the code refuses it off 127.0.0.1",
  ARM_CA_FILE: "local only: the simulator's CA; Azure Resource Manager chains to a public CA",
  KUBECONFIG_DIR: "local only: the simulator's kubeconfigs; in Azure clusters are reached with Entra tokens",
  STATE_SQLITE_FILE: "local only: one machine's SQLite file; Functions instances share no disk",
  ENTRA_CA_FILE: "tests only: a local token authority's CA; Entra ID chains to a public CA",
  TABLES_CONNECTION_STRING:
    "key-based alternative to TABLES_ENDPOINT; the storage account has shared keys off",
  ServiceBusConnection:
    "key-based alternative to ServiceBusConnection__fullyQualifiedNamespace; local auth is off",
};

/** Set in the Bicep for the Functions host, its extensions and SDKs, not read through APP_SETTING_NAMES. */
const HOST_AND_SDK_SETTINGS = [
  "AzureWebJobsStorage__accountName",
  "AzureWebJobsStorage__credential",
  "AzureWebJobsStorage__clientId",
  "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
  "ServiceBusConnection__credential",
  "ServiceBusConnection__clientId",
  "AZURE_CLIENT_ID",
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
];

const deployed = appSettings(readInfra("app/function-app.bicep"));
const example = (
  JSON.parse(readFileSync(join(ROOT, "local.settings.example.json"), "utf8")) as {
    Values: Record<string, string>;
  }
).Values;

describe("app settings: the code, the Bicep and local.settings.example.json", () => {
  it("deploys every setting the code reads, except the documented local-only and key-based ones", () => {
    const missing = APP_SETTING_NAMES.filter((name) => !(name in NOT_DEPLOYED) && !deployed.has(name));
    expect(missing).toEqual([]);
  });

  it("deploys none of the local-only or key-based ones, and every exception is a setting the code reads", () => {
    expect(Object.keys(NOT_DEPLOYED).filter((name) => deployed.has(name))).toEqual([]);
    expect(Object.keys(NOT_DEPLOYED).filter((name) => !APP_SETTING_NAMES.includes(name))).toEqual([]);
  });

  it("deploys nothing the code, the host or an SDK does not read", () => {
    const unknown = [...deployed.keys()].filter(
      (name) => !APP_SETTING_NAMES.includes(name) && !HOST_AND_SDK_SETTINGS.includes(name),
    );
    expect(unknown).toEqual([]);
    expect(HOST_AND_SDK_SETTINGS.filter((name) => !deployed.has(name))).toEqual([]);
  });

  it("lists every setting the code reads in local.settings.example.json, and nothing unknown", () => {
    expect(APP_SETTING_NAMES.filter((name) => !(name in example))).toEqual([]);
    const unknown = Object.keys(example).filter(
      (name) =>
        !APP_SETTING_NAMES.includes(name) &&
        !deployed.has(name) &&
        name !== "FUNCTIONS_WORKER_RUNTIME" /* Core Tools; Flex Consumption sets the runtime itself */,
    );
    expect(unknown).toEqual([]);
  });

  it("leaves the local-only and key-based settings blank in the example, so a copy of it uses identities", () => {
    expect(Object.keys(NOT_DEPLOYED).filter((name) => example[name] !== "")).toEqual([]);
  });

  it("has an example the code accepts as a whole configuration", () => {
    const settings = loadAppSettings(example);
    expect(settings.stateStore.store).toEqual({
      kind: "identity",
      endpoint: "https://YOURSTORAGEACCOUNT.table.core.windows.net",
    });
    expect(settings.serviceBus.connection?.kind).toBe("identity");
    expect(settings.identity.mode).toBe("entra");
  });

  it("names the queue and tables the code defaults to, in the Bicep and in the example", () => {
    const main = readInfra("main.bicep");
    const defaults = loadAppSettings({ STATE_SQLITE_FILE: "state.sqlite" });
    const queue = loadServiceBusSettings({}).noticesQueue;
    expect(stringVar(main, "noticesQueueName")).toBe(queue);
    expect(example.NOTICES_QUEUE).toBe(queue);
    expect(stringVar(main, "tablesPrefix")).toBe(defaults.stateStore.tablePrefix);
    expect(example.TABLES_PREFIX).toBe(defaults.stateStore.tablePrefix);
    expect(stringVar(main, "alertTopicName")).toBe(example.ALERT_TOPIC);
  });

  it("uses identities for the connections it deploys: no connection string, no key", () => {
    expect(deployed.get("AzureWebJobsStorage__credential")).toBe("'managedidentity'");
    expect(deployed.get("ServiceBusConnection__credential")).toBe("'managedidentity'");
    expect(deployed.get("DURABLE_TASK_SCHEDULER_CONNECTION_STRING")).toContain(
      "Authentication=ManagedIdentity",
    );
    expect(
      [...deployed.values()].filter((value) => /AccountKey|SharedAccessKey|listKeys/i.test(value)),
    ).toEqual([]);
  });
});
