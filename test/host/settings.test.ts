import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHostJson, resolveSettingReferences } from "../../local/host/settings.ts";

describe("%Setting% references in binding properties", () => {
  const env = { Queue: "notices", Env: "prod", Empty: "" };

  it("replaces every reference, leaving the text around them", () => {
    expect(resolveSettingReferences("%Queue%", env, "its queueName")).toBe("notices");
    expect(resolveSettingReferences("%Env%-%Queue%-v2", env, "its queueName")).toBe("prod-notices-v2");
    expect(resolveSettingReferences("x%Empty%y", env, "its queueName")).toBe("xy");
    expect(resolveSettingReferences("plain", env, "its queueName")).toBe("plain");
  });

  it("refuses a setting that is not set, and a % without its closing one, as the host's resolver does", () => {
    expect(() => resolveSettingReferences("%Missing%", env, "its queueName")).toThrow(
      'its queueName refers to app setting "Missing", which is not set',
    );
    expect(() => resolveSettingReferences("100%", env, "its schedule")).toThrow(
      'its schedule "100%" has a "%" without its closing "%"',
    );
  });
});

describe("host.json", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function appWith(hostJson: unknown): string {
    const dir = mkdtempSync(join(tmpdir(), "host-json-"));
    dirs.push(dir);
    writeFileSync(join(dir, "host.json"), JSON.stringify(hostJson));
    return dir;
  }

  it("reads a hub name given as %Setting%, as the Durable extension does", () => {
    const root = appWith({ version: "2.0", extensions: { durableTask: { hubName: "%TaskHub%" } } });
    expect(readHostJson(root, { TaskHub: "Staging2" }).hubName).toBe("Staging2");
    expect(() => readHostJson(root, {})).toThrow('refers to app setting "TaskHub", which is not set');
    expect(() => readHostJson(root, { TaskHub: "no-dashes" })).toThrow(
      'hubName must be 3-50 letters and digits, starting with a letter, not "no-dashes"',
    );
  });

  it("reads the Durable backend's type (Azure Storage when none is named), and refuses a provider without one", () => {
    expect(readHostJson(appWith({ version: "2.0" }), {}).durableBackend).toBe("azureStorage");
    const scheduler = { type: "azureManaged", connectionStringName: "DTS_CONNECTION" };
    expect(
      readHostJson(appWith({ extensions: { durableTask: { storageProvider: scheduler } } }), {})
        .durableBackend,
    ).toBe("azureManaged");
    const untyped = appWith({
      extensions: { durableTask: { storageProvider: { connectionStringName: "X" } } },
    });
    expect(() => readHostJson(untyped, {})).toThrow(
      "extensions.durableTask.storageProvider.type must be a backend's name",
    );
  });
});
