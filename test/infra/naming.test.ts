// Parameters, outputs, modules and resource names of infra/, checked without Azure: every name
// main.bicep builds is filled with the longest values it can take and held to Azure's naming rules
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules).

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  allTemplates,
  INFRA,
  moduleReferences,
  outputs,
  params,
  ROOT,
  readInfra,
  stringObject,
  stringVar,
} from "./bicep-templates.ts";

const main = readInfra("main.bicep");
const abbreviations = JSON.parse(readInfra("abbreviations.json")) as Record<string, string>;
const parameterFile = JSON.parse(readInfra("main.parameters.json")) as {
  parameters: Record<string, { value: string }>;
};

/** `${name}`: a Bicep interpolation, or an azd environment reference in main.parameters.json. */
const ref = (name: string) => `\${${name}}`;

/** uniqueString() gives 13 lowercase letters and digits; a leading digit is the hard case. */
const RESOURCE_TOKENS = ["0123456789abc", "zzzzzzzzzzzzz"];
const LONGEST_ENVIRONMENT = "e".repeat(64);

function namesWith(resourceToken: string): Record<string, string> {
  const fill = (template: string) =>
    template
      .replace(/\$\{abbrs\.(\w+)\}/g, (_, key: string) => {
        const abbreviation = abbreviations[key];
        if (abbreviation === undefined) throw new Error(`no abbreviation ${key}`);
        return abbreviation;
      })
      .replace(/\$\{resourceToken\}/g, resourceToken)
      .replace(/\$\{environmentName\}/g, LONGEST_ENVIRONMENT);
  const names = Object.fromEntries(
    Object.entries(stringObject(main, "names")).map(([key, template]) => [key, fill(template)]),
  );
  for (const [key, name] of Object.entries(names))
    if (name.includes("${")) throw new Error(`names.${key} uses a value this test cannot fill: ${name}`);
  return names;
}

/** Azure's rules per resource type: length and characters. */
const RULES: Record<string, { length: [number, number]; pattern: RegExp; rule: string }> = {
  resourceGroup: {
    length: [1, 90],
    pattern: /^[-\w.()]*[-\w()]$/,
    rule: "letters, digits, _-.(), not ending in .",
  },
  identity: { length: [3, 128], pattern: /^[A-Za-z0-9][-\w]*$/, rule: "letters, digits, - and _" },
  logAnalytics: {
    length: [4, 63],
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/,
    rule: "letters, digits and -, starting and ending alphanumeric",
  },
  appInsights: {
    length: [1, 260],
    pattern: /^[^%&\\?/]*[^%&\\?/. ]$/,
    rule: "no %&\\?/, not ending in . or space",
  },
  storage: { length: [3, 24], pattern: /^[a-z0-9]+$/, rule: "lowercase letters and digits" },
  deploymentContainer: {
    length: [3, 63],
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*[a-z0-9]$/,
    rule: "lowercase letters, digits and single hyphens",
  },
  serviceBus: {
    length: [6, 50],
    pattern: /^[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]$/,
    rule: "letters, digits and -, starting with a letter",
  },
  // The pattern public templates quote for Microsoft.DurableTask/schedulers (not on the rules page).
  scheduler: { length: [3, 64], pattern: /^[A-Za-z0-9-]+$/, rule: "letters, digits and -" },
  plan: { length: [1, 60], pattern: /^[A-Za-z0-9-]+$/, rule: "letters, digits and -" },
  functionApp: {
    length: [2, 60],
    pattern: /^[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]$/,
    rule: "letters, digits and -, not starting or ending with -",
  },
  // Not an Azure rule: the app registration's unique name becomes its App ID URI (api://<name>), so it
  // is kept short and URI-safe.
  entraApp: { length: [1, 120], pattern: /^[a-z0-9-]+$/, rule: "lowercase letters, digits and -" },
};

describe("resource names", () => {
  it("has a rule for every name main.bicep builds", () => {
    expect(Object.keys(namesWith(RESOURCE_TOKENS[0] as string)).sort()).toEqual(Object.keys(RULES).sort());
  });

  for (const token of RESOURCE_TOKENS) {
    it(`follows Azure's naming rules with resource token ${token} and the longest environment name`, () => {
      const broken = Object.entries(namesWith(token)).flatMap(([key, name]) => {
        const rule = RULES[key];
        if (!rule) return [`${key}: no rule`];
        const [min, max] = rule.length;
        return name.length < min || name.length > max || !rule.pattern.test(name)
          ? [`${key} "${name}" (${name.length}): ${min}-${max}, ${rule.rule}`]
          : [];
      });
      expect(broken).toEqual([]);
    });
  }

  it("names Service Bus entities as Service Bus allows, and the task hub as host.json does", () => {
    const entity = /^[A-Za-z0-9]([A-Za-z0-9._\-/]*[A-Za-z0-9])?$/;
    expect(stringVar(main, "noticesQueueName")).toMatch(entity);
    expect(stringVar(main, "alertTopicName")).toMatch(entity);
    const hostJson = JSON.parse(readFileSync(join(ROOT, "host.json"), "utf8"));
    expect(stringVar(main, "taskHubName")).toBe(hostJson.extensions.durableTask.hubName);
  });

  it("seeds every generated name with the resource token, so two environments never collide", () => {
    expect(main).toContain(
      "var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))",
    );
    const unseeded = Object.entries(stringObject(main, "names")).filter(
      ([, template]) =>
        !template.includes(ref("resourceToken")) && !template.includes(ref("environmentName")),
    );
    expect(unseeded).toEqual([]);
  });
});

describe("parameters and outputs", () => {
  const declared = params(main);

  it("gives main.parameters.json only parameters main.bicep declares, and every required one", () => {
    const names = declared.map((param) => param.name);
    expect(Object.keys(parameterFile.parameters).filter((name) => !names.includes(name))).toEqual([]);
    const required = declared.filter((param) => param.default === undefined).map((param) => param.name);
    expect(required.filter((name) => !(name in parameterFile.parameters))).toEqual([]);
    expect(parameterFile.parameters.environmentName?.value).toBe(ref("AZURE_ENV_NAME"));
    expect(parameterFile.parameters.location?.value).toBe(ref("AZURE_LOCATION"));
  });

  it("keeps every parameter's default within its own @allowed list", () => {
    const outside = declared.flatMap((param) => {
      const allowed = param.decorators.join("\n").match(/@allowed\(\[([\s\S]*?)\]\)/)?.[1];
      if (allowed === undefined || param.default === undefined) return [];
      const values = [...allowed.matchAll(/'([^']*)'/g)].map((match) => `'${match[1]}'`);
      return values.includes(param.default) ? [] : [`${param.name} = ${param.default}`];
    });
    expect(outside).toEqual([]);
  });

  it("describes every parameter, and marks the webhook URLs secure", () => {
    expect(declared.filter((param) => !param.decorators.some((d) => d.startsWith("@description")))).toEqual(
      [],
    );
    for (const name of ["alertWebhookUrl", "alertTeamsWebhookUrl"])
      expect(declared.find((param) => param.name === name)?.decorators).toContain("@secure()");
  });

  it("outputs what azd and the guide use, and no secret", () => {
    const names = outputs(main).map((output) => output.name);
    for (const name of [
      "AZURE_LOCATION",
      "AZURE_TENANT_ID",
      "AZURE_RESOURCE_GROUP",
      "SERVICE_API_NAME",
      "SERVICE_API_URI",
      "AZURE_IDENTITY_PRINCIPAL_ID",
      "ENTRA_APP_CLIENT_ID",
      "ENTRA_APP_ID_URI",
      "FLEET_ROLE_DEFINITION_ID",
      "NOTICES_QUEUE_ID",
    ])
      expect(names).toContain(name);
    expect(names.filter((name) => /KEY|SECRET|PASSWORD|WEBHOOK/.test(name))).toEqual([]);
  });
});

describe("modules", () => {
  it("references local modules that exist and registry modules pinned to a version", () => {
    const problems = [...allTemplates()].flatMap(([path, text]) =>
      moduleReferences(text).flatMap((reference) => {
        if (reference.startsWith("br/public:"))
          return /^br\/public:avm\/(res|ptn)\/[a-z0-9-]+\/[a-z0-9-]+:\d+\.\d+\.\d+$/.test(reference)
            ? []
            : [`${path}: ${reference} is not a pinned AVM module`];
        return existsSync(join(INFRA, dirname(path), reference))
          ? []
          : [`${path}: ${reference} does not exist`];
      }),
    );
    expect(problems).toEqual([]);
  });

  it("tags the Function App as azure.yaml's service, so azd deploys the app there", () => {
    const azureYaml = readFileSync(join(ROOT, "azure.yaml"), "utf8");
    expect(azureYaml).toMatch(/^ {2}api:\n {4}project: \.\n {4}language: ts\n {4}host: function$/m);
    expect(readInfra("app/function-app.bicep")).toContain("'azd-service-name': 'api'");
  });
});
