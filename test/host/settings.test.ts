import { describe, expect, it } from "vitest";
import { resolveSettingReferences } from "../../local/host/settings.ts";

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
