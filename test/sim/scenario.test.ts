import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { VirtualClock } from "../../local/clock.ts";
import { Fleet } from "../../local/sim/model/fleet.ts";
import { largeScenario } from "../../local/sim/scenario/large-scenario.ts";
import { loadScenarioFile, parseScenario, ScenarioError } from "../../local/sim/scenario/load.ts";
import { SCHEMA_PATH, scenarioJsonSchema } from "../../local/sim/scenario/write-json-schema.ts";

const demoPath = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;

// biome-ignore lint/suspicious/noExplicitAny: tests edit the parsed YAML freely to break it
function demoInput(): any {
  return parse(readFileSync(demoPath, "utf8"));
}

function problemsOf(input: unknown): string[] {
  try {
    parseScenario(input, "test.yaml");
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return [...(error as ScenarioError).problems];
  }
  throw new Error("the scenario was accepted");
}

describe("scenario files", () => {
  it("loads the demo fleet with its Service Bus entities", () => {
    const scenario = loadScenarioFile(demoPath);
    expect(scenario.subscriptions.flatMap((s) => s.clusters.map((c) => c.name))).toEqual([
      "aks-prod-weu",
      "aks-prod-eus",
      "aks-dev-weu",
      "aks-test-neu",
    ]);
    expect(scenario.serviceBus?.queues[0]).toMatchObject({
      name: "retirement-notices",
      requiresDuplicateDetection: true,
      maxDeliveryCount: 5,
    });
    expect(scenario.serviceBus?.topics[0]?.subscriptions[0]?.name).toBe("platform-team");
  });

  it("names the path of a bad field", () => {
    const input = demoInput();
    input.subscriptions[0].clusters[1].pools[0].vmSize = "Standard_Imaginary_v9";
    input.subscriptions[1].clusters[0].pools[1].count = -1;
    input.subscriptions[0].clusters[0].workloads.deployments[0].resources.requests.cpu = "lots";
    const problems = problemsOf(input);
    expect(problems.some((p) => p.startsWith("subscriptions[1].clusters[0].pools[1].count:"))).toBe(true);
    expect(
      problems.some((p) =>
        p.startsWith(
          "subscriptions[0].clusters[0].workloads.deployments[0].resources.requests.cpu: must be a Kubernetes quantity",
        ),
      ),
    ).toBe(true);
  });

  it("checks cross references once the shape is right", () => {
    const input = demoInput();
    input.subscriptions[0].clusters[1].pools[0].vmSize = "Standard_Imaginary_v9";
    input.subscriptions[0].clusters[0].pools[2].name = "windows1";
    input.faults = [
      {
        kind: "daemonset-crash",
        cluster: "aks-prod-weu",
        daemonSet: "no-such-agent",
        osSku: ["AzureLinux3"],
      },
    ];
    const problems = problemsOf(input);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^subscriptions\[0\]\.clusters\[1\]\.pools\[0\]\.vmSize: unknown VM size "Standard_Imaginary_v9"/,
        ),
        expect.stringMatching(
          /^subscriptions\[0\]\.clusters\[0\]\.pools\[2\]\.name: "windows1" is not a valid Windows pool name/,
        ),
        "faults[0].daemonSet: cluster aks-prod-weu has no daemonSet kube-system/no-such-agent",
      ]),
    );
  });

  it("rejects unknown fields by name", () => {
    const input = demoInput();
    input.subscriptions[0].clusters[0].pools[0].vmsize = "Standard_D4ds_v5";
    expect(problemsOf(input)).toContain("subscriptions[0].clusters[0].pools[0].vmsize: unknown field");
  });

  it("types the autoscaler profile as the API does", () => {
    const input = demoInput();
    input.subscriptions[0].clusters[0].autoScalerProfile = {
      "scale-down-sometimes": "1m",
      "ignore-daemonsets-utilization": "yes",
    };
    expect(problemsOf(input)).toEqual([
      "subscriptions[0].clusters[0].autoScalerProfile.ignore-daemonsets-utilization: Invalid input: expected boolean, received string",
      "subscriptions[0].clusters[0].autoScalerProfile.scale-down-sometimes: unknown field",
    ]);
  });

  it("checks quotas and VM sizes by their family", () => {
    const input = demoInput();
    input.subscriptions[0].quota = { standardDDSv5Family: 100, "standard DSv5": 10 };
    input.vmSizes = { Standard_X4s_v1: { vCPUs: 4, memoryGiB: 16 } };
    expect(problemsOf(input)).toEqual([
      "vmSizes.Standard_X4s_v1.family: Invalid input: expected string, received undefined",
      "subscriptions[0].quota.standard DSv5: must be a quota family like standardDSv5Family",
    ]);
  });

  it("keeps the published JSON schema in step with the zod schema", () => {
    expect(JSON.parse(readFileSync(SCHEMA_PATH, "utf8"))).toEqual(JSON.parse(scenarioJsonSchema()));
  });

  it("generates the large benchmark fleet deterministically, as committed", () => {
    const committed = loadScenarioFile(new URL("../../local/scenarios/large.yaml", import.meta.url).pathname);
    expect(committed).toEqual(parseScenario(largeScenario()));
    const pools = committed.subscriptions.flatMap((s) => s.clusters.flatMap((c) => c.pools));
    expect(committed.subscriptions.flatMap((s) => s.clusters)).toHaveLength(30);
    expect(pools.reduce((n, p) => n + p.count, 0)).toBeGreaterThan(1900);
  });
});

describe("the fleet a scenario describes", () => {
  const scenario = loadScenarioFile(demoPath);
  const fleet = new Fleet(scenario, new VirtualClock(Date.parse(scenario.startTime)));
  const prod = fleet.cluster("aks-prod-weu");
  if (!prod) throw new Error("demo has aks-prod-weu");

  it("runs every pool's machines as Ready nodes with the labels and nodeInfo AKS gives them", () => {
    const nodes = prod.store.list("nodes");
    expect(nodes).toHaveLength(11);
    const apps = nodes.find((n) => n.metadata.labels?.agentpool === "apps");
    expect(apps?.metadata.name).toMatch(/^aks-apps-\d{8}-vmss00000[0-9a-z]$/);
    expect(apps?.metadata.labels).toMatchObject({
      "kubernetes.azure.com/agentpool": "apps",
      "kubernetes.azure.com/mode": "user",
      "kubernetes.azure.com/os-sku": "AzureLinux",
      "kubernetes.azure.com/os-sku-effective": "AzureLinux2",
      "kubernetes.azure.com/node-image-version": "AKSAzureLinux-V2gen2-202512.06.0",
    });
    expect(apps?.status.nodeInfo).toMatchObject({ osImage: "CBL-Mariner/Linux", kubeletVersion: "v1.31.8" });
    expect(apps?.status.nodeInfo.kernelVersion).toMatch(/\.cm2$/);
    const win = nodes.find((n) => n.metadata.labels?.agentpool === "win");
    expect(win?.metadata.name).toMatch(/^akswin00000[0-9a-z]$/);
    expect(win?.status.nodeInfo).toMatchObject({
      osImage: "Windows Server 2022 Datacenter",
      operatingSystem: "windows",
    });
    const dev = fleet.cluster("aks-dev-weu")?.store.list("nodes") ?? [];
    expect(new Set(dev.map((n) => n.metadata.labels?.["kubernetes.azure.com/os-sku-effective"]))).toEqual(
      new Set(["AzureLinux3", "Ubuntu2204"]),
    );
    expect(dev.find((n) => n.metadata.labels?.agentpool === "system")?.status.nodeInfo.osImage).toBe(
      "Microsoft Azure Linux 3.0",
    );
    for (const node of nodes)
      expect(node.status.conditions.find((c: { type: string }) => c.type === "Ready")?.status).toBe("True");
  });

  it("starts every pod where it fits, and budgets report live status", () => {
    const pods = prod.store.list("pods");
    expect(pods.every((p) => p.status.phase === "Running")).toBe(true);
    const portal = pods.filter((p) => p.metadata.namespace === "portal");
    expect(portal.every((p) => p.spec.nodeName.startsWith("akswin"))).toBe(true);
    const storefront = prod.store.get("poddisruptionbudgets", "shop", "storefront");
    expect(storefront?.status).toMatchObject({
      currentHealthy: 6,
      desiredHealthy: 5,
      expectedPods: 6,
      disruptionsAllowed: 1,
    });
  });
});
