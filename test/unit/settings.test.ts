import { describe, expect, it } from "vitest";
import { alertSinkSettings } from "../../shared/settings/alert-sinks.settings.ts";
import { serviceBusSettings } from "../../shared/settings/service-bus.settings.ts";
import { parseSettingsGroup, type SettingsGroup } from "../../shared/settings/settings-group.ts";
import { stateStoreSettings } from "../../shared/settings/state-store.settings.ts";
import { loadServiceBusSettings, SettingsError } from "../../shared/settings.ts";
import { alertSinksFor } from "../../shared/sinks/alert-sinks.ts";

const AZURITE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";
const SB_LOCAL =
  "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=x;UseDevelopmentEmulator=true;";

/** The problems `group` refuses `env` with. */
function problemsOf(group: SettingsGroup, env: Record<string, string>): string[] {
  try {
    parseSettingsGroup(group, env);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error(`expected the ${group.name} settings to be refused`);
}

describe("the state store's settings", () => {
  it("reads Azurite's connection string, a table endpoint with managed identity, empty values as unset", () => {
    expect(
      parseSettingsGroup(stateStoreSettings, { TABLES_CONNECTION_STRING: AZURITE, UNRELATED: "x" }),
    ).toEqual({ store: { kind: "connection-string", connectionString: AZURITE }, tablePrefix: "lifecycle" });
    expect(
      parseSettingsGroup(stateStoreSettings, {
        TABLES_ENDPOINT: "https://stlifecycle.table.core.windows.net",
        TABLES_CONNECTION_STRING: "  ",
        TABLES_PREFIX: "prod",
      }),
    ).toEqual({
      store: { kind: "identity", endpoint: "https://stlifecycle.table.core.windows.net" },
      tablePrefix: "prod",
    });
  });

  it("reads a SQLite state store for one machine, and refuses a second store or an in-memory file", () => {
    expect(
      parseSettingsGroup(stateStoreSettings, { STATE_SQLITE_FILE: " .data/state.sqlite " }).store,
    ).toEqual({
      kind: "sqlite",
      file: ".data/state.sqlite",
    });
    expect(
      problemsOf(stateStoreSettings, {
        STATE_SQLITE_FILE: "state.sqlite",
        TABLES_CONNECTION_STRING: AZURITE,
      }),
    ).toEqual([
      expect.stringMatching(/^state store: set only one of TABLES_CONNECTION_STRING .* or STATE_SQLITE_FILE/),
    ]);
    expect(problemsOf(stateStoreSettings, { STATE_SQLITE_FILE: ":memory:" })).toEqual([
      "state store: STATE_SQLITE_FILE: expected a file path: the state must outlive the process",
    ]);
  });

  it("fails closed without a state store, naming every way to set one", () => {
    expect(problemsOf(stateStoreSettings, {})).toEqual([
      "state store: set one of TABLES_CONNECTION_STRING (a storage connection string), TABLES_ENDPOINT (https://<account>.table.core.windows.net, with managed identity) or STATE_SQLITE_FILE (a SQLite file, for one machine)",
    ]);
    expect(() => parseSettingsGroup(stateStoreSettings, {})).toThrow(
      /^settings are invalid:\n- state store: set one of TABLES_CONNECTION_STRING/,
    );
  });

  it("reports malformed values and the missing store together, without echoing secrets", () => {
    const problems = problemsOf(stateStoreSettings, {
      TABLES_CONNECTION_STRING:
        "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=SECRET;TableEndpoint=http://10.0.0.5/a",
      TABLES_ENDPOINT: "http://x.table.core.windows.net",
      TABLES_PREFIX: "9lives",
    });
    expect(problems).toEqual([
      "state store: TABLES_CONNECTION_STRING: plain http is allowed only with a TableEndpoint on 127.0.0.1 (Azurite)",
      "state store: TABLES_ENDPOINT: expected an https URL (plain http only to 127.0.0.1 or localhost)",
      "state store: TABLES_PREFIX: expected 1-41 letters and digits, starting with a letter",
      expect.stringMatching(/^state store: set only one of TABLES_CONNECTION_STRING/),
    ]);
    expect(problems.join("\n")).not.toContain("SECRET");
  });
});

describe("Service Bus's settings", () => {
  it("reads a connection string or a namespace with managed identity, and the notices queue", () => {
    expect(parseSettingsGroup(serviceBusSettings, { ServiceBusConnection: SB_LOCAL })).toEqual({
      connection: { kind: "connection-string", connectionString: SB_LOCAL },
      noticesQueue: "retirement-notices",
    });
    expect(
      parseSettingsGroup(serviceBusSettings, {
        ServiceBusConnection__fullyQualifiedNamespace: "sb-lifecycle.servicebus.windows.net",
        NOTICES_QUEUE: "notices",
      }),
    ).toEqual({
      connection: { kind: "identity", fullyQualifiedNamespace: "sb-lifecycle.servicebus.windows.net" },
      noticesQueue: "notices",
    });
    expect(parseSettingsGroup(serviceBusSettings, {})).toEqual({ noticesQueue: "retirement-notices" });
  });

  it("refuses both connections at once, the emulator off this machine and bad names, all together", () => {
    const problems = problemsOf(serviceBusSettings, {
      ServiceBusConnection: "Endpoint=sb://sb.example.net;SharedAccessKey=SECRET;UseDevelopmentEmulator=true",
      ServiceBusConnection__fullyQualifiedNamespace: "x.servicebus.windows.net",
      NOTICES_QUEUE: "bad queue!",
    });
    expect(problems).toEqual([
      "Service Bus: ServiceBusConnection: UseDevelopmentEmulator (no TLS) is allowed only on 127.0.0.1",
      "Service Bus: NOTICES_QUEUE: expected a Service Bus entity name: letters, digits, '.', '-', '_' or '/', at most 260",
      "Service Bus: set only one of ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace",
    ]);
    expect(problems.join("\n")).not.toContain("SECRET");
  });
});

describe("the alert sinks' settings", () => {
  it("reads every sink", () => {
    expect(
      parseSettingsGroup(alertSinkSettings, {
        ServiceBusConnection: SB_LOCAL,
        ALERT_WEBHOOK_URL: "http://127.0.0.1:9000/hook",
        ALERT_TEAMS_WEBHOOK_URL: "https://example.webhook.office.com/webhookb2/abc",
        ALERT_TOPIC: "lifecycle-alerts",
        STATUS_BASE_URL: "http://localhost:7071",
      }),
    ).toEqual({
      webhookUrl: "http://127.0.0.1:9000/hook",
      teamsWebhookUrl: "https://example.webhook.office.com/webhookb2/abc",
      topic: "lifecycle-alerts",
      statusBaseUrl: "http://localhost:7071",
    });
    expect(parseSettingsGroup(alertSinkSettings, {})).toEqual({});
  });

  it("refuses sinks that lack what they need: a Service Bus connection, the status links' base URL", () => {
    expect(
      problemsOf(alertSinkSettings, {
        ALERT_TOPIC: "alerts",
        ALERT_TEAMS_WEBHOOK_URL: "https://example.webhook.office.com/x",
      }),
    ).toEqual([
      "alert sinks: ALERT_TOPIC needs a Service Bus connection: set ServiceBusConnection or ServiceBusConnection__fullyQualifiedNamespace",
      "alert sinks: ALERT_TEAMS_WEBHOOK_URL needs STATUS_BASE_URL: the Teams card links to the pool's status",
    ]);
    // A connection set, even one its own group refuses, is not reported missing here.
    expect(
      parseSettingsGroup(alertSinkSettings, { ALERT_TOPIC: "alerts", ServiceBusConnection: "nonsense" }),
    ).toEqual({ topic: "alerts" });
  });

  it("refuses malformed values by setting name", () => {
    expect(
      problemsOf(alertSinkSettings, {
        ALERT_WEBHOOK_URL: "http://hooks.example.com/x",
        STATUS_BASE_URL: "not a url",
        ALERT_TOPIC: "bad topic!",
        ServiceBusConnection: SB_LOCAL,
      }),
    ).toEqual([
      "alert sinks: ALERT_WEBHOOK_URL: expected an https URL (plain http only to 127.0.0.1 or localhost)",
      "alert sinks: ALERT_TOPIC: expected a Service Bus topic name: letters, digits, '.', '-', '_' or '/'",
      "alert sinks: STATUS_BASE_URL: expected an https URL (plain http only to 127.0.0.1 or localhost)",
    ]);
  });
});

describe("loadServiceBusSettings", () => {
  it("reads only what sending notices needs", () => {
    expect(loadServiceBusSettings({ ServiceBusConnection: SB_LOCAL, TABLES_PREFIX: "9bad" })).toEqual({
      serviceBus: { kind: "connection-string", connectionString: SB_LOCAL },
      noticesQueue: "retirement-notices",
    });
    expect(loadServiceBusSettings({})).toEqual({ noticesQueue: "retirement-notices" });
    expect(() => loadServiceBusSettings({ ServiceBusConnection: "nonsense" })).toThrow(
      "Service Bus: ServiceBusConnection: expected a Service Bus connection string (Endpoint=sb://…;…)",
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
