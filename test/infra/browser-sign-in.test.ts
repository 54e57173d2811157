// A browser can sign in to the app in Azure: App Service Authentication keeps answering API callers 401
// but lets the web page's own files through, and the app registration lets the platform sign a person in
// without a client secret (the implicit flow, ID tokens only) and come back to its callback.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readHostJson } from "../../local/host/settings.ts";
import { block, ROOT, readInfra, stringList } from "./bicep-templates.ts";

const functionApp = readInfra("app/function-app.bicep");
const registration = block(
  readInfra("app/entra-app.bicep"),
  "resource app 'Microsoft.Graph/applications@v1.0' = {",
);
const authentication = block(functionApp, "name: 'authsettingsV2'\n  properties: {");

/** `key: value` written on one line inside `text`. */
function scalar(text: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}: (.+)$`, "m").exec(text)?.[1]?.trim();
}

/** The page's route as the host serves it: the route prefix and the folder of functions/ui.http.ts. */
function pagePath(): string {
  const source = readFileSync(join(ROOT, "functions/ui.http.ts"), "utf8");
  const folder = /readEndpoint\("ui", "([\w-]+)\/\{\*file\}"/.exec(source)?.[1];
  if (!folder) throw new Error("functions/ui.http.ts registers no ui/{*file} route");
  return `/${readHostJson(ROOT, {}).routePrefix}/${folder}`;
}

describe("App Service Authentication in front of the app", () => {
  const validation = block(authentication, "globalValidation: {");

  it("requires authentication and answers an unauthenticated API caller 401, not a redirect", () => {
    expect(scalar(validation, "requireAuthentication")).toBe("true");
    expect(scalar(validation, "unauthenticatedClientAction")).toBe("'Return401'");
  });

  it("lets through only the web page's own files, which hold no data", () => {
    const page = pagePath();
    expect(stringList(validation, "excludedPaths").sort()).toEqual([page, `${page}/`, `${page}/*`].sort());
  });

  it("signs people in with Entra ID, with no client secret to keep", () => {
    const provider = block(authentication, "azureActiveDirectory: {");
    expect(scalar(provider, "enabled")).toBe("true");
    expect(provider).not.toMatch(/clientSecret/);
  });
});

describe("the app registration, for the platform's sign-in", () => {
  const web = block(registration, "web: {");

  it("takes the browser back to App Service Authentication's callback", () => {
    expect(stringList(web, "redirectUris")).toEqual([
      `https://\${functionAppHostName}/.auth/login/aad/callback`,
    ]);
  });

  it("issues ID tokens by the implicit flow, and no access tokens that way", () => {
    const implicit = block(web, "implicitGrantSettings: {");
    expect(scalar(implicit, "enableIdTokenIssuance")).toBe("true");
    expect(scalar(implicit, "enableAccessTokenIssuance")).toBe("false");
  });

  it("has no client secret or certificate", () => {
    expect(registration).not.toMatch(/passwordCredentials|keyCredentials/);
  });
});
