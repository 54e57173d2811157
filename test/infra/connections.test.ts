// Every function the app registers, captured as the worker hands registrations to the host (the embedded
// host's @azure/functions-core), uses only connections the deployment defines: a trigger added on a new
// connection, or a Durable backend switched in host.json without the infra, fails here.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type FunctionRegistration, loadApp } from "../../local/host/functions-core.ts";
import { appSettings, ROOT, readInfra } from "./bicep-templates.ts";

const deployed = appSettings(readInfra("app/function-app.bicep"));
const hostJson = JSON.parse(readFileSync(join(ROOT, "host.json"), "utf8"));
const example = JSON.parse(readFileSync(join(ROOT, "local.settings.example.json"), "utf8")).Values as Record<
  string,
  string
>;

/** The host's storage: timer locks and keys; the Azure Storage Durable backend's state. */
const HOST_STORAGE = "AzureWebJobsStorage";

/** The setting Durable bindings connect through, as host.json's storageProvider says. */
function durableConnection(): string {
  const provider = hostJson.extensions?.durableTask?.storageProvider;
  if (provider === undefined) return HOST_STORAGE;
  if (provider.type === "azureManaged") return provider.connectionStringName;
  throw new Error(`host.json names a Durable backend this test does not know: ${provider.type}`);
}

const BINDINGS_WITHOUT_CONNECTION = new Set(["httpTrigger", "http"]);
const DURABLE_BINDINGS = new Set([
  "durableClient",
  "orchestrationTrigger",
  "activityTrigger",
  "entityTrigger",
]);

/** The connection (an app-setting prefix) each binding of `registration` uses. */
function connectionsOf(registration: FunctionRegistration): string[] {
  return Object.values(registration.bindings).flatMap((binding) => {
    if (BINDINGS_WITHOUT_CONNECTION.has(binding.type)) return [];
    if (DURABLE_BINDINGS.has(binding.type)) return [durableConnection()];
    if (binding.type === "timerTrigger") return [HOST_STORAGE];
    if (typeof binding.connection === "string") return [binding.connection];
    throw new Error(
      `function ${registration.name}: binding type ${binding.type} is new to this test: say which connection it uses`,
    );
  });
}

/** A connection is defined by its own setting, or by identity-based ones (<name>__accountName, ...). */
function defines(settings: { has(name: string): boolean }, connection: string): boolean {
  const identityBased = [`${connection}__accountName`, `${connection}__fullyQualifiedNamespace`];
  return settings.has(connection) || identityBased.some((name) => settings.has(name));
}

describe("connections: the functions the app registers and the settings the infra defines", () => {
  let functions: FunctionRegistration[];
  beforeAll(async () => {
    functions = (await loadApp(join(ROOT, "functions/index.ts"))).functions;
  });

  it("captures the app's triggers, orchestrations and activities", () => {
    const types = new Set(functions.flatMap((f) => Object.values(f.bindings).map((binding) => binding.type)));
    for (const type of [
      "httpTrigger",
      "timerTrigger",
      "serviceBusTrigger",
      "orchestrationTrigger",
      "activityTrigger",
    ])
      expect(types).toContain(type);
  });

  it("uses only connections the Bicep defines", () => {
    const undefinedConnections = functions.flatMap((f) =>
      connectionsOf(f)
        .filter((connection) => !defines(deployed, connection))
        .map((connection) => `${f.name}: ${connection}`),
    );
    expect(undefinedConnections).toEqual([]);
  });

  it("gives every identity-based connection the identity to use", () => {
    const connections = new Set(functions.flatMap(connectionsOf));
    const identityBased = [...connections].filter((connection) => !deployed.has(connection));
    expect(identityBased.length).toBeGreaterThan(0);
    for (const connection of identityBased) {
      expect(deployed.get(`${connection}__credential`), connection).toBe("'managedidentity'");
      expect(deployed.get(`${connection}__clientId`), connection).toBe("identityClientId");
    }
  });

  it("uses only connections local.settings.example.json defines", () => {
    const missing = [...new Set(functions.flatMap(connectionsOf))].filter(
      (connection) =>
        !defines(new Set(Object.keys(example).filter((name) => example[name] !== "")), connection),
    );
    expect(missing).toEqual([]);
  });

  it("deploys the Durable backend host.json names, and its task hub under host.json's hub name", () => {
    const main = readInfra("main.bicep");
    expect(durableConnection()).toBe("DURABLE_TASK_SCHEDULER_CONNECTION_STRING");
    expect(main).toMatch(/^param durableBackend string = 'durableTaskScheduler'$/m);
    expect(main).toContain(`var taskHubName = '${hostJson.extensions.durableTask.hubName}'`);
  });
});
