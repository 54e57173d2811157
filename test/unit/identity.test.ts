import { describe, expect, it } from "vitest";
import { localClientPrincipal, parseClientPrincipal } from "../../shared/domain/access/client-principal.ts";
import { principalFromEntraClaims } from "../../shared/domain/access/entra-claims.ts";
import { identitySettings } from "../../shared/settings/identity.settings.ts";
import { parseSettingsGroup } from "../../shared/settings/settings-group.ts";

const ROLE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
const NAME = "name";

/** As App Service Authentication sets it for an Entra ID sign-in. */
const easyAuth = (claims: { typ: string; val: string }[], nameType = NAME) =>
  JSON.stringify({ auth_typ: "aad", name_typ: nameType, role_typ: ROLE, claims });
const EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";

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

  it("names a browser session without a claim of name_typ by preferred_username, else name", () => {
    const session = [
      { typ: "name", val: "Bo Berg" },
      { typ: "preferred_username", val: "bo@contoso.com" },
      { typ: "oid", val: "77" },
    ];
    expect(parseClientPrincipal(easyAuth(session, EMAIL))).toMatchObject({
      principal: { id: "77", name: "bo@contoso.com" },
    });
    const withoutUsername = session.filter((claim) => claim.typ !== "preferred_username");
    expect(parseClientPrincipal(easyAuth(withoutUsername, EMAIL))).toMatchObject({
      principal: { id: "77", name: "Bo Berg" },
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
      problem: "x-ms-client-principal names nobody: no claim of its name_typ, preferred_username or name",
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

describe("principalFromEntraClaims", () => {
  const TENANT = "8d3f7b1a-2c4e-4f60-9a1b-3c5d7e9f0a2b";
  const claims = { tid: TENANT, oid: "0f1e", roles: ["LifecycleOperator"], scp: "user_impersonation" };

  it("takes access tokens only: a person's (scp) or an app's (idtyp app, never an approver); an ID token is refused", () => {
    const { scp: _person, ...idToken } = claims;
    expect(principalFromEntraClaims(idToken, TENANT)).toEqual({
      problem: "the token is not an access token for this API: no scp (a person) and no idtyp app (an app)",
    });
    const app = principalFromEntraClaims({ ...idToken, idtyp: "app" }, TENANT);
    expect(app).toMatchObject({ principal: { id: "0f1e", application: true } });
    expect(principalFromEntraClaims(claims, TENANT)).not.toHaveProperty("principal.application");
  });

  it("names the caller by username, else upn, else name, else (an app) the object id", () => {
    const named = (extra: Record<string, unknown>) => {
      const parsed = principalFromEntraClaims({ ...claims, ...extra }, TENANT);
      return "principal" in parsed ? parsed.principal.name : parsed.problem;
    };
    expect(named({ preferred_username: "ana@contoso.com", upn: "ana@corp", name: "Ana" })).toBe(
      "ana@contoso.com",
    );
    expect(named({ upn: "ana@corp", name: "Ana" })).toBe("ana@corp");
    expect(named({ preferred_username: "", name: "Ana" })).toBe("Ana");
    expect(named({})).toBe("0f1e");
  });

  it("keeps the product's roles and the groups, each once; a role sent as a group grants nothing", () => {
    expect(
      principalFromEntraClaims(
        {
          ...claims,
          roles: ["LifecycleApprover", "LifecycleApprover", "User.Admin", 7],
          groups: ["LifecycleOperator", "5d2c", "5d2c"],
        },
        TENANT,
      ),
    ).toEqual({
      principal: {
        id: "0f1e",
        name: "0f1e",
        roles: ["LifecycleApprover"],
        groups: ["LifecycleOperator", "5d2c"],
        identityProvider: "aad",
      },
    });
  });

  it("gives no groups when the token points at Graph for them (group overage)", () => {
    const overage = {
      ...claims,
      groups: ["5d2c"],
      _claim_names: { groups: "src1" },
      _claim_sources: { src1: { endpoint: "https://graph.microsoft.com/v1.0/users/0f1e/getMemberObjects" } },
    };
    expect(principalFromEntraClaims(overage, TENANT)).toMatchObject({ principal: { groups: [] } });
  });

  it("pins the tenant (in any case) and needs an object id", () => {
    expect(principalFromEntraClaims(claims, TENANT.toUpperCase())).toHaveProperty("principal.id", "0f1e");
    expect(
      principalFromEntraClaims({ ...claims, tid: "11111111-2222-4333-8444-555555555555" }, TENANT),
    ).toEqual({
      problem: "the token is from another tenant",
    });
    expect(principalFromEntraClaims({ oid: "0f1e" }, TENANT)).toEqual({
      problem: "the token is from another tenant",
    });
    expect(principalFromEntraClaims({ tid: TENANT, scp: "user_impersonation" }, TENANT)).toEqual({
      problem: "the token names nobody: it has no oid claim",
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
      expect.objectContaining({ problems: ["identity: AUTH_MODE: expected one of easyauth, entra, local"] }),
    );
    expect(() => parseSettingsGroup(identitySettings, { AUTH_MODE: "local" })).toThrow(
      expect.objectContaining({
        problems: [
          "identity: AUTH_MODE local trusts a header anyone on the machine can send: only with an ARM_ENDPOINT on 127.0.0.1 (the simulator); in Azure use easyauth or entra",
        ],
      }),
    );
  });

  describe("with AUTH_MODE entra", () => {
    const TENANT = "8D3F7B1A-2C4E-4F60-9A1B-3C5D7E9F0A2B";
    const ENTRA = {
      AUTH_MODE: "entra",
      ENTRA_TENANT_ID: TENANT,
      ENTRA_AUDIENCE: " 5b7e2f90-1d3c-4a6b-8e0f-2a4c6e8b0d1f, api://aks-image-lifecycle ,",
    };

    it("reads the tenant, the audiences, Entra's public authority and a minute of clock skew", () => {
      expect(parseSettingsGroup(identitySettings, ENTRA)).toEqual({
        mode: "entra",
        entra: {
          tenantId: TENANT.toLowerCase(),
          audiences: ["5b7e2f90-1d3c-4a6b-8e0f-2a4c6e8b0d1f", "api://aks-image-lifecycle"],
          authority: "https://login.microsoftonline.com",
          clockSkewS: 60,
        },
      });
    });

    it("takes another authority (a sovereign cloud, or a test server with its CA) and a skew up to 5 minutes", () => {
      expect(
        parseSettingsGroup(identitySettings, {
          ...ENTRA,
          ENTRA_AUTHORITY: "https://127.0.0.1:8443/",
          ENTRA_CA_FILE: "/tmp/ca.pem",
          ENTRA_CLOCK_SKEW_S: "300",
        }),
      ).toMatchObject({
        entra: { authority: "https://127.0.0.1:8443", caFile: "/tmp/ca.pem", clockSkewS: 300 },
      });
      expect(
        parseSettingsGroup(identitySettings, {
          ...ENTRA,
          ENTRA_AUTHORITY: "https://login.microsoftonline.us",
        }),
      ).toMatchObject({ entra: { authority: "https://login.microsoftonline.us" } });
    });

    it("needs the tenant and the audience", () => {
      expect(() =>
        parseSettingsGroup(identitySettings, { AUTH_MODE: "entra", ENTRA_AUDIENCE: " , " }),
      ).toThrow(
        expect.objectContaining({
          problems: [
            "identity: AUTH_MODE entra needs ENTRA_TENANT_ID (the tenant's id)",
            "identity: AUTH_MODE entra needs ENTRA_AUDIENCE (the app's client id and/or App ID URI)",
          ],
        }),
      );
    });

    it("names every bad setting: a tenant that is not one, an audience that is neither id nor URI, plain http, a skew too large, a CA for Entra itself", () => {
      expect(() =>
        parseSettingsGroup(identitySettings, {
          AUTH_MODE: "entra",
          ENTRA_TENANT_ID: "common",
          ENTRA_AUDIENCE: "my app",
          ENTRA_AUTHORITY: "http://login.microsoftonline.com",
          ENTRA_CLOCK_SKEW_S: "600",
        }),
      ).toThrow(
        expect.objectContaining({
          problems: [
            "identity: ENTRA_TENANT_ID: expected the tenant's id, a GUID (not common or organizations: tokens are pinned to one tenant)",
            "identity: ENTRA_AUDIENCE: expected the app's client id (a GUID) and/or its App ID URI (api://...), comma-separated",
            "identity: ENTRA_AUTHORITY: expected an https URL (the keys that sign tokens must not be fetched in the clear)",
            "identity: ENTRA_CLOCK_SKEW_S: expected a whole number from 0 to 300",
          ],
        }),
      );
      expect(() => parseSettingsGroup(identitySettings, { ...ENTRA, ENTRA_CA_FILE: "/tmp/ca.pem" })).toThrow(
        expect.objectContaining({
          problems: [
            "identity: ENTRA_CA_FILE is only for an ENTRA_AUTHORITY on 127.0.0.1 (a test server); Entra's own authority chains to a public CA",
          ],
        }),
      );
    });
  });
});
