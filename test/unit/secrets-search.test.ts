// The search secrets.e2e relies on: it finds a secret in the forms written text holds it in, and anything
// shaped like a credential, and names what and where without ever repeating the secret.

import { describe, expect, it } from "vitest";
import { describeLeaks, findLeaks, headerSecrets, settingSecrets } from "../support/secrets.ts";

const ACCOUNT_KEY = "c2VjcmV0LWFjY291bnQta2V5+/==";
const TABLES = `DefaultEndpointsProtocol=http;AccountName=dev;AccountKey=${ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:1/dev;`;

describe("the secrets of a run", () => {
  it("are the settings named for one (not an identity connection's namespace), their connection strings' keys and webhook URLs' query values", () => {
    const secrets = settingSecrets({
      TABLES_CONNECTION_STRING: TABLES,
      ARM_LOCAL_TOKEN: "a-token-long-enough",
      ServiceBusConnection__fullyQualifiedNamespace: "lifecycle.servicebus.windows.net",
      ServiceBusConnection__clientSecret: "a-client-secret-value",
      ALERT_WEBHOOK_URL: "https://hooks.example.test/post?sig=signature-of-the-hook",
      STATUS_BASE_URL: "https://lifecycle.example.test",
      KUBECONFIG_DIR: "/var/kubeconfigs-directory",
    });
    expect(secrets).toEqual([
      { kind: "setting TABLES_CONNECTION_STRING", value: TABLES },
      { kind: "setting TABLES_CONNECTION_STRING's AccountKey", value: ACCOUNT_KEY },
      { kind: "setting ARM_LOCAL_TOKEN", value: "a-token-long-enough" },
      { kind: "setting ServiceBusConnection__clientSecret", value: "a-client-secret-value" },
      { kind: "setting ALERT_WEBHOOK_URL's query parameter sig", value: "signature-of-the-hook" },
    ]);
  });

  it("refuse a value too short to search for", () => {
    expect(() => settingSecrets({ ARM_LOCAL_TOKEN: "simulator" })).toThrow(
      "setting ARM_LOCAL_TOKEN is 9 characters: too short to search for",
    );
  });

  it("include the token of an Authorization header a test sent, without its scheme, once", () => {
    const sent = [1, 2].map(() => new Headers({ authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.e30.sig" }));
    expect(headerSecrets(sent)).toEqual([
      { kind: "Authorization token header the test sent", value: "eyJhbGciOiJSUzI1NiJ9.e30.sig" },
    ]);
  });
});

describe("the search", () => {
  const token = 'token/with"quote';
  const secrets = settingSecrets({ ARM_LOCAL_TOKEN: token });

  it("finds a secret as is, inside JSON and URL-encoded, naming its kind and where but not the secret", () => {
    const leaks = findLeaks(secrets, [
      { where: "log line 1", text: `calling with ${token}` },
      { where: "history", text: JSON.stringify({ result: JSON.stringify({ token }) }) },
      {
        where: "custom status",
        text: JSON.stringify({ link: `https://x.test/?t=${encodeURIComponent(token)}` }),
      },
      { where: "audit record", text: "nothing to see" },
    ]);
    expect(leaks.map((leak) => leak.where)).toEqual(["log line 1", "history", "custom status"]);
    const description = describeLeaks(leaks);
    expect(description).toContain("setting ARM_LOCAL_TOKEN found in history");
    expect(description).not.toContain("quote");
  });

  it("finds anything shaped like a credential, whoever's it is, and not ordinary words", () => {
    const shapes = [
      "-----BEGIN RSA PRIVATE KEY-----",
      "Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc",
      "AccountName=a;AccountKey=xyz",
      "SharedAccessSignature sr=sb%3A%2F%2Fx&sig=abc&se=1&skn=root",
      "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
      "Authorization: Bearer abcdefgh12345678",
    ];
    const leaks = findLeaks(
      [],
      shapes.map((text, index) => ({ where: `line ${index + 1}`, text })),
    );
    expect(leaks.map((leak) => leak.where)).toEqual(shapes.map((_, index) => `line ${index + 1}`));
    const ordinary = "4 nodes drained; SharedAccessKeyName=root names a policy, not its key; tokens: 0";
    expect(findLeaks([], [{ where: "a log line", text: ordinary }])).toEqual([]);
  });
});
