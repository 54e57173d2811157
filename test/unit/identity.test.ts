import { describe, expect, it } from "vitest";
import { localClientPrincipal, parseClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { identitySettings } from "../../shared/settings/identity.settings.ts";
import { parseSettingsGroup } from "../../shared/settings/settings-group.ts";

const ROLE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
const NAME = "name";

/** As App Service Authentication sets it for an Entra ID sign-in. */
const easyAuth = (claims: { typ: string; val: string }[]) =>
  JSON.stringify({ auth_typ: "aad", name_typ: NAME, role_typ: ROLE, claims });

describe("parseClientPrincipal", () => {
  it("reads the object id, the name, the product's roles and the groups from the claims", () => {
    const parsed = parseClientPrincipal(
      easyAuth([
        { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: "0f1e" },
        { typ: NAME, val: "ana@contoso.com" },
        { typ: ROLE, val: "LifecycleApprover" },
        { typ: ROLE, val: "SomeoneElsesRole" },
        { typ: "groups", val: "LifecycleOperator" },
        { typ: "groups", val: "5d2c" },
      ]),
    );
    // A group named like a role grants no role.
    expect(parsed).toEqual({
      principal: {
        id: "0f1e",
        name: "ana@contoso.com",
        roles: ["LifecycleApprover"],
        groups: ["LifecycleOperator", "5d2c"],
        identityProvider: "aad",
      },
    });
  });

  it("takes the short oid claim, else the name, as the id", () => {
    const withOid = parseClientPrincipal(
      easyAuth([
        { typ: NAME, val: "bo" },
        { typ: "oid", val: "77" },
      ]),
    );
    expect(withOid).toMatchObject({ principal: { id: "77", name: "bo", roles: [] } });
    expect(parseClientPrincipal(easyAuth([{ typ: NAME, val: "bo" }]))).toMatchObject({
      principal: { id: "bo", name: "bo" },
    });
  });

  it("names what is wrong with a malformed principal", () => {
    expect(parseClientPrincipal("not json")).toEqual({
      problem: "x-ms-client-principal is not base64 of JSON",
    });
    expect(parseClientPrincipal("[]")).toEqual({ problem: "x-ms-client-principal is not a JSON object" });
    expect(parseClientPrincipal(JSON.stringify({ auth_typ: "aad", name_typ: NAME, claims: [] }))).toEqual({
      problem: "x-ms-client-principal has no role_typ",
    });
    expect(
      parseClientPrincipal(JSON.stringify({ auth_typ: "aad", name_typ: NAME, role_typ: ROLE, claims: [{}] })),
    ).toEqual({ problem: "x-ms-client-principal's claims are not a list of {typ, val} strings" });
    expect(parseClientPrincipal(easyAuth([{ typ: ROLE, val: "LifecycleApprover" }]))).toEqual({
      problem: "x-ms-client-principal names nobody: no claim of its name_typ",
    });
  });

  it("reads back the principal the CLI builds for a person at a terminal", () => {
    const header = localClientPrincipal("ana@example.com", ["LifecycleApprover", "LifecycleOperator"]);
    expect(parseClientPrincipal(header)).toEqual({
      principal: {
        id: "ana@example.com",
        name: "ana@example.com",
        roles: ["LifecycleApprover", "LifecycleOperator"],
        groups: [],
        identityProvider: "local",
      },
    });
  });
});

describe("identity settings", () => {
  const SIMULATOR = { ARM_ENDPOINT: "https://127.0.0.1:40443" };

  it("leaves the mode unset (every write refused) unless one is named", () => {
    expect(parseSettingsGroup(identitySettings, {})).toEqual({ mode: undefined });
    const appServiceAuthentication = { WEBSITE_AUTH_ENABLED: "True" };
    expect(
      parseSettingsGroup(identitySettings, { ...appServiceAuthentication, AUTH_MODE: " easyauth " }),
    ).toEqual({ mode: "easyauth" });
    expect(parseSettingsGroup(identitySettings, { ...SIMULATOR, AUTH_MODE: "local" })).toEqual({
      mode: "local",
    });
  });

  it("refuses easyauth on an app whose App Service Authentication is off: anyone could send the header", () => {
    const problem =
      "identity: AUTH_MODE easyauth trusts x-ms-client-principal, which only App Service Authentication may set: WEBSITE_AUTH_ENABLED is not True, so Authentication is off on this app and anyone could send the header";
    for (const enabled of [{}, { WEBSITE_AUTH_ENABLED: "False" }]) {
      expect(() => parseSettingsGroup(identitySettings, { ...enabled, AUTH_MODE: "easyauth" })).toThrow(
        expect.objectContaining({ problems: [problem] }),
      );
    }
  });

  it("refuses an unknown mode, and local mode against a real ARM", () => {
    expect(() => parseSettingsGroup(identitySettings, { AUTH_MODE: "trust-me" })).toThrow(
      expect.objectContaining({ problems: ["identity: AUTH_MODE: expected one of easyauth, local"] }),
    );
    expect(() => parseSettingsGroup(identitySettings, { AUTH_MODE: "local" })).toThrow(
      expect.objectContaining({
        problems: [
          "identity: AUTH_MODE local trusts a header anyone on the machine can send: only with an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure use easyauth",
        ],
      }),
    );
  });
});
