import { describe, expect, it } from "vitest";
import { alertSinksFor } from "../../shared/alerts/alert-sinks.ts";
import { loadProductSettings, loadServiceBusSettings, SettingsError } from "../../shared/settings.ts";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
const SB_LOCAL =
  "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=x;UseDevelopmentEmulator=true;";

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadProductSettings(env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error("expected the settings to be refused");
}

describe("loadProductSettings", () => {
  it("reads a local setup: Azurite, the local Service Bus, every sink", () => {
    const settings = loadProductSettings({
      TABLES_CONNECTION_STRING: AZURITE,
      ServiceBusConnection: SB_LOCAL,
      ALERT_WEBHOOK_URL: "http://127.0.0.1:9000/hook",
      ALERT_TEAMS_WEBHOOK_URL: "https://example.webhook.office.com/webhookb2/abc",
      ALERT_TOPIC: "lifecycle-alerts",
      STATUS_BASE_URL: "http://localhost:7071",
      UNRELATED: "ignored",
    });
    expect(settings).toEqual({
      stateStore: { kind: "connection-string", connectionString: AZURITE },
      tablePrefix: "lifecycle",
      serviceBus: { kind: "connection-string", connectionString: SB_LOCAL },
      noticesQueue: "retirement-notices",
      alerts: {
        webhookUrl: "http://127.0.0.1:9000/hook",
        teamsWebhookUrl: "https://example.webhook.office.com/webhookb2/abc",
        topic: "lifecycle-alerts",
        statusBaseUrl: "http://localhost:7071",
      },
    });
  });

  it("reads an Azure setup: managed identity for tables and Service Bus, empty values as unset", () => {
    const settings = loadProductSettings({
      TABLES_ENDPOINT: "https://stlifecycle.table.core.windows.net",
      TABLES_CONNECTION_STRING: "  ",
      ServiceBusConnection__fullyQualifiedNamespace: "sb-lifecycle.servicebus.windows.net",
      TABLES_PREFIX: "prod",
      NOTICES_QUEUE: "notices",
    });
    expect(settings).toMatchObject({
      stateStore: { kind: "identity", endpoint: "https://stlifecycle.table.core.windows.net" },
      tablePrefix: "prod",
      serviceBus: { kind: "identity", fullyQualifiedNamespace: "sb-lifecycle.servicebus.windows.net" },
      noticesQueue: "notices",
      alerts: {},
    });
  });

  it("reads a SQLite state store for one machine, and refuses a second store or an in-memory file", () => {
    expect(loadProductSettings({ STATE_SQLITE_FILE: " .data/state.sqlite " }).stateStore).toEqual({
      kind: "sqlite",
      file: ".data/state.sqlite",
    });
    expect(problemsOf({ STATE_SQLITE_FILE: "state.sqlite", TABLES_CONNECTION_STRING: AZURITE })).toEqual([
      expect.stringMatching(/^set only one of TABLES_CONNECTION_STRING .* or STATE_SQLITE_FILE/),
    ]);
    expect(problemsOf({ STATE_SQLITE_FILE: ":memory:" })).toEqual([
      "STATE_SQLITE_FILE: expected a file path: the state must outlive the process",
    ]);
  });

  it("fails closed without a state store, naming every way to set one", () => {
    expect(problemsOf({})).toEqual([
      "set one of TABLES_CONNECTION_STRING (a storage connection string), TABLES_ENDPOINT (https://<account>.table.core.windows.net, with managed identity) or STATE_SQLITE_FILE (a SQLite file, for one machine)",
    ]);
  });

  it("refuses contradictions and sinks that lack what they need", () => {
    expect(
      problemsOf({
        TABLES_CONNECTION_STRING: AZURITE,
        TABLES_ENDPOINT: "https://x.table.core.windows.net",
        ServiceBusConnection: SB_LOCAL,
        ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net",
        ALERT_TEAMS_WEBHOOK_URL: "https://example.webhook.office.com/x",
      }),
    ).toEqual([
      expect.stringMatching(/^set only one of TABLES_CONNECTION_STRING/),
      "set only one of ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace",
      "ALERT_TEAMS_WEBHOOK_URL needs STATUS_BASE_URL: the Teams card links to the pool's status",
    ]);
    expect(problemsOf({ TABLES_CONNECTION_STRING: AZURITE, ALERT_TOPIC: "alerts" })).toEqual([
      "ALERT_TOPIC needs a Service Bus connection: set ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace",
    ]);
  });

  it("refuses unsafe or malformed values by setting name, without echoing secrets", () => {
    const problems = problemsOf({
      TABLES_CONNECTION_STRING:
        "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=SECRET;TableEndpoint=http://10.0.0.5/a",
      ServiceBusConnection: "Endpoint=sb://sb.example.net;SharedAccessKey=SECRET;UseDevelopmentEmulator=true",
      ALERT_WEBHOOK_URL: "http://hooks.example.com/x",
      STATUS_BASE_URL: "not a url",
      TABLES_PREFIX: "9lives",
      ALERT_TOPIC: "bad topic!",
    });
    expect(problems).toEqual([
      "TABLES_CONNECTION_STRING: plain http is allowed only with a TableEndpoint on 127.0.0.1 (Azurite)",
      "TABLES_PREFIX: expected 1-41 letters and digits, starting with a letter",
      "ServiceBusConnection: UseDevelopmentEmulator (no TLS) is allowed only on 127.0.0.1",
      "ALERT_WEBHOOK_URL: expected an https URL (plain http only to 127.0.0.1 or localhost)",
      "ALERT_TOPIC: expected a Service Bus topic name: letters, digits, '.', '-', '_' or '/'",
      "STATUS_BASE_URL: expected an https URL (plain http only to 127.0.0.1 or localhost)",
    ]);
    expect(problems.join("\n")).not.toContain("SECRET");
    expect(() => loadProductSettings({})).toThrow(
      /^settings are invalid:\n- set one of TABLES_CONNECTION_STRING/,
    );
  });
});

describe("loadServiceBusSettings", () => {
  it("reads only what sending notices needs", () => {
    expect(loadServiceBusSettings({ ServiceBusConnection: SB_LOCAL })).toEqual({
      serviceBus: { kind: "connection-string", connectionString: SB_LOCAL },
      noticesQueue: "retirement-notices",
    });
    expect(loadServiceBusSettings({})).toEqual({ noticesQueue: "retirement-notices" });
    expect(() => loadServiceBusSettings({ ServiceBusConnection: "nonsense" })).toThrow(
      "ServiceBusConnection: expected a Service Bus connection string (Endpoint=sb://…;…)",
    );
  });
});

describe("alertSinksFor", () => {
  it("builds the configured sinks in order and refuses a topic without its sender", () => {
    const sinks = alertSinksFor({
      webhookUrl: "https://hooks.example.com/x",
      teamsWebhookUrl: "https://example.webhook.office.com/x",
      statusBaseUrl: "https://lifecycle.example.com",
    });
    expect(sinks.map((sink) => sink.name)).toEqual(["webhook", "teams"]);
    expect(() => alertSinksFor({ topic: "lifecycle-alerts" })).toThrow(
      "alert topic lifecycle-alerts is configured but no Service Bus sender was given",
    );
  });
});
