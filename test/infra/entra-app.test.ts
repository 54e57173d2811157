// The app registration issues what shared/domain/access reads: the product's role values, app-only
// tokens only for operators (people approve), and the idtyp claim that tells an app's token from a person's.

import { describe, expect, it } from "vitest";
import { ROLES } from "../../shared/domain/access/principal.ts";
import { block, readInfra, stringList } from "./bicep-templates.ts";

const template = readInfra("app/entra-app.bicep");

/** Each entry of the appRoles variable, by its value, with the member types it allows. */
function appRoles(): Map<string, string[]> {
  const entries = block(template, "var appRoles = [")
    .split(/\n {2}\{\n/)
    .slice(1);
  return new Map(
    entries.map((entry) => [
      /value: '([^']+)'/.exec(entry)?.[1] ?? "",
      stringList(entry, "allowedMemberTypes"),
    ]),
  );
}

describe("the Entra app registration", () => {
  it("defines exactly the product's roles", () => {
    expect([...appRoles().keys()].sort()).toEqual(Object.values(ROLES).sort());
  });

  it("lets apps hold the operator role but only people the approver role", () => {
    expect(appRoles().get(ROLES.operator)?.sort()).toEqual(["Application", "User"]);
    expect(appRoles().get(ROLES.approver)).toEqual(["User"]);
  });

  it("asks for the idtyp and groups claims in access tokens", () => {
    const claims = [...block(template, "accessToken: [").matchAll(/name: '([^']+)'/g)].map(
      (match) => match[1],
    );
    expect(claims).toEqual(expect.arrayContaining(["idtyp", "groups"]));
  });
});
