// The dependency rules hold for every source file of the tree, and each rule fails on a file that breaks
// it (samples below), so a wrong-way import added later fails this test.

import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { importsOf, type SourceFile, violations } from "./import-rules.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CHECKED_FOLDERS = ["functions", "orchestrations", "shared", "local", "bin", "bench"];

async function sourceFiles(): Promise<SourceFile[]> {
  const paths = (
    await Promise.all(
      CHECKED_FOLDERS.map(async (folder) =>
        (
          await readdir(`${ROOT}${folder}`, { recursive: true })
        )
          .filter((name) => name.endsWith(".ts"))
          .map((name) => `${folder}/${name.replaceAll("\\", "/")}`),
      ),
    )
  ).flat();
  return Promise.all(paths.map(async (path) => ({ path, text: await readFile(`${ROOT}${path}`, "utf8") })));
}

function sample(path: string, ...lines: string[]): SourceFile {
  return { path, text: lines.join("\n") };
}

describe("the tree", () => {
  it("keeps every dependency rule", async () => {
    const files = await sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((file) => file.path)).toContain("shared/domain/ports/inventory.ts");
    expect(violations(files)).toEqual([]);
  });
});

describe("reading imports", () => {
  it("finds static, multi-line, type-only, re-exported, side-effect and dynamic imports, resolved from the root", () => {
    const file = sample(
      "orchestrations/steps/x.ts",
      'import * as df from "durable-functions";',
      "import {",
      "  a,",
      "  type B,",
      '} from "../contracts.ts";',
      'import type { C } from "../../shared/domain/ports/inventory.ts";',
      'export { d } from "./d.ts";',
      'import "../activities/e.activity.ts";',
      'type Sqlite = typeof import("node:sqlite");',
    );
    expect(importsOf(file).sort()).toEqual(
      [
        "durable-functions",
        "orchestrations/contracts.ts",
        "shared/domain/ports/inventory.ts",
        "orchestrations/steps/d.ts",
        "orchestrations/activities/e.activity.ts",
        "node:sqlite",
      ].sort(),
    );
  });

  it("does not take an import in a comment or a string for one", () => {
    const file = sample(
      "shared/domain/x.ts",
      '// import { y } from "../azure/y.ts";',
      ' * then import("../kube/z.ts") is called',
      'export const text = "it is imported from the state";',
    );
    expect(importsOf(file)).toEqual([]);
  });
});

describe("each rule fails on a file that breaks it", () => {
  const cases: [string, SourceFile, RegExp][] = [
    [
      "shared/ imports orchestrations/",
      sample("shared/inventory/x.ts", 'import type { A } from "../../orchestrations/contracts.ts";'),
      /^functions\/ -> orchestrations\/ -> shared\//,
    ],
    [
      "orchestrations/ imports functions/",
      sample(
        "orchestrations/activities/x.activity.ts",
        'import { s } from "../../functions/scan-starter.ts";',
      ),
      /^functions\/ -> orchestrations\/ -> shared\//,
    ],
    [
      "the domain imports an adapter",
      sample("shared/domain/x.ts", 'import type { A } from "../azure/resource-graph.ts";'),
      /^shared\/domain\/ imports only/,
    ],
    [
      "the domain imports a node: module",
      sample("shared/domain/x.ts", 'import { createHash } from "node:crypto";'),
      /^shared\/domain\/ imports only/,
    ],
    [
      "a drain rule imports the migration risk",
      sample("shared/domain/drain/x.ts", 'import { RISK_RULES } from "../risk/migration-risk.ts";'),
      /^the drain rules .* do not import the migration risk/,
    ],
    [
      "a Kubernetes fact imports the migration risk",
      sample("shared/domain/workloads/x.ts", 'import type { RiskCode } from "../risk/migration-risk.ts";'),
      /^the drain rules .* do not import the migration risk/,
    ],
    [
      "a contract imports a use case",
      sample(
        "orchestrations/contracts/x.contract.ts",
        'import type { L } from "../../shared/inventory/list-fleet.ts";',
      ),
      /^contracts import only the domain/,
    ],
    [
      "an orchestrator imports the composition root",
      sample("orchestrations/x.orchestrator.ts", 'import { capabilities } from "../shared/composition.ts";'),
      /^orchestrators and steps import only/,
    ],
    [
      "a use case imports an adapter",
      sample(
        "shared/inventory/list-fleet.ts",
        'import type { ResourceGraphFleet } from "../azure/resource-graph.ts";',
      ),
      /^adapters at the edge/,
    ],
    [
      "an adapter imports a use case",
      sample("shared/sinks/teams.sink.ts", 'import { deliverAlerts } from "../alerts/deliver-alerts.ts";'),
      /^adapters import no use case/,
    ],
    [
      "a use case imports an alert sink",
      sample("shared/alerts/deliver-alerts.ts", 'import { webhookSink } from "../sinks/webhook.sink.ts";'),
      /^adapters at the edge/,
    ],
    [
      "a use case imports an Azure SDK",
      sample("shared/notices/x.ts", 'import { ServiceBusClient } from "@azure/service-bus";'),
      /^use cases reach the outside world only through ports/,
    ],
    [
      "a use case imports a Node module",
      sample("shared/report/x.ts", 'import { readFileSync } from "node:fs";'),
      /^use cases reach the outside world only through ports/,
    ],
    [
      "product code imports local/",
      sample("functions/x.http.ts", 'import { publishedClock } from "../local/clock.ts";'),
      /^product code never imports local\//,
    ],
    [
      "the simulator imports product code",
      sample("local/sim/x.ts", 'import type { Cluster } from "../../shared/domain/fleet/model.ts";'),
      /^local\/host and local\/sim never import product code/,
    ],
  ];

  it.each(cases)("%s", (_what, file, rule) => {
    const found = violations([file]);
    expect(found.map((violation) => violation.rule)).toContainEqual(expect.stringMatching(rule));
  });

  it("lets the composition root and an adapter's own family import the adapter, and the risk read the drain rules", () => {
    expect(
      violations([
        sample("shared/composition.ts", 'import { ResourceGraphFleet } from "./azure/resource-graph.ts";'),
        sample(
          "shared/azure/resource-graph.ts",
          'import { readClusterResource } from "../formats/managed-cluster.ts";',
        ),
        sample("shared/kube/cluster-facts.ts", 'import { clusterTarget } from "./kube-connection.ts";'),
        sample(
          "orchestrations/contracts/x.contract.ts",
          'import type { S } from "../../shared/domain/ports/inventory.ts";',
        ),
        sample("shared/domain/risk/x.ts", 'import { assessDrain } from "../drain/pod-filters.ts";'),
      ]),
    ).toEqual([]);
  });
});
