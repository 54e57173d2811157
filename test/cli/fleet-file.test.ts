import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FleetFileError, parseFleetFile } from "../../bin/report/fleet-file.ts";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");

const FORMATS = [
  ["fleet-resource-graph.json", "resource-graph"],
  ["fleet-az-graph-query.json", "az-graph-query"],
  ["fleet-az-aks-list.json", "az-aks-list"],
] as const;

function parseError(text: string, file = "fleet.json"): string {
  try {
    parseFleetFile(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(FleetFileError);
    return (error as Error).message;
  }
  throw new Error("expected the fleet file to be refused");
}

describe("parseFleetFile", () => {
  it.each(FORMATS)("recognises %s as %s", (name, format) => {
    const parsed = parseFleetFile(fixture(name), name);
    expect(parsed.format).toBe(format);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.clusters.map((c) => c.name)).toEqual([
      "ledger-prod-neu",
      "legacy-apps-eus2",
      "data-dev-wus2",
    ]);
  });

  it("reads the same fleet from all three formats", () => {
    const [resourceGraph, azGraph, azAks] = FORMATS.map(
      ([name]) => parseFleetFile(fixture(name), name).clusters,
    );
    expect(azGraph).toEqual(resourceGraph);
    // az aks list writes the resource group as ARM spells it; Resource Graph lower-cases it.
    const sameButResourceGroup = (clusters: typeof resourceGraph) =>
      clusters?.map((cluster) => ({ ...cluster, resourceGroup: cluster.resourceGroup.toLowerCase() }));
    expect(sameButResourceGroup(azAks)).toEqual(sameButResourceGroup(resourceGraph));
  });

  it("maps wire and CLI casing to the model", () => {
    const cluster = parseFleetFile(fixture("fleet-az-aks-list.json"), "aks.json").clusters[0];
    expect(cluster).toMatchObject({
      id: "/subscriptions/3f2a9c1e-7b4d-4e8a-9c61-2d5e8f0a1b34/resourceGroups/rg-ledger-prod/providers/Microsoft.ContainerService/managedClusters/ledger-prod-neu",
      subscriptionId: "3f2a9c1e-7b4d-4e8a-9c61-2d5e8f0a1b34",
      resourceGroup: "rg-ledger-prod",
      kubernetesVersion: "1.31.9",
      supportPlan: "AKSLongTermSupport",
      tags: { env: "prod", team: "ledger" },
      storageProfile: {
        diskCSIDriver: true,
        fileCSIDriver: true,
        blobCSIDriver: false,
        snapshotController: true,
      },
      networkProfile: { networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "cilium" },
    });
    expect(cluster?.autoScalerProfile["scale-down-delay-after-add"]).toBe("10m");
    expect(cluster?.nodePools[0]).toEqual({
      name: "system",
      mode: "System",
      osType: "Linux",
      osSku: "AzureLinux",
      orchestratorVersion: "1.31.9",
      currentOrchestratorVersion: "1.31.9",
      nodeImageVersion: "AKSAzureLinux-V2gen2-202512.06.0",
      count: 3,
      enableAutoScaling: false,
      vmSize: "Standard_D4ds_v5",
      availabilityZones: ["1", "2", "3"],
      nodeLabels: {},
      nodeTaints: ["CriticalAddonsOnly=true:NoSchedule"],
      upgradeSettings: {
        maxSurge: "10%",
        maxUnavailable: "0",
        drainTimeoutInMinutes: 30,
        nodeSoakDurationInMinutes: 0,
      },
      provisioningState: "Succeeded",
      powerState: "Running",
      scaleSetPriority: "Regular",
      maxPods: 30,
      vnetSubnetId:
        "/subscriptions/3f2a9c1e-7b4d-4e8a-9c61-2d5e8f0a1b34/resourceGroups/rg-ledger-prod/providers/Microsoft.Network/virtualNetworks/vnet-ledger-prod-neu/subnets/nodes",
      enableFips: false,
    });
  });

  it("takes a bare array of Resource Graph rows (older az graph query) as az graph query output", () => {
    const rows = JSON.parse(fixture("fleet-resource-graph.json")).data;
    expect(parseFleetFile(JSON.stringify(rows), "rows.json").format).toBe("az-graph-query");
  });

  it("warns when the response has more pages than the file holds", () => {
    const response = JSON.parse(fixture("fleet-resource-graph.json"));
    const paged = parseFleetFile(
      JSON.stringify({ ...response, $skipToken: "ew0KICAiJGlkIjogIjEi" }),
      "paged.json",
    );
    expect(paged.warnings).toEqual([expect.stringMatching(/^paged.json: .*more pages.*pools are missing/)]);
    const azGraph = JSON.parse(fixture("fleet-az-graph-query.json"));
    expect(parseFleetFile(JSON.stringify({ ...azGraph, skip_token: "abc" }), "g.json").warnings).toHaveLength(
      1,
    );
  });

  it("warns about a fleet with no clusters", () => {
    expect(parseFleetFile("[]", "empty.json").warnings).toEqual(["empty.json: lists no clusters"]);
  });

  it.each([
    ["invalid JSON", "{ not json", /^fleet.json: not valid JSON: /],
    ["a scalar", "42", /^fleet.json: expected a Resource Graph response .* or az aks list output/],
    [
      "table resultFormat",
      JSON.stringify({ data: { columns: [], rows: [] } }),
      /resultFormat "table".*objectArray/,
    ],
    [
      "data that is not a list",
      JSON.stringify({ totalRecords: 1, data: "x" }),
      /^fleet.json: data: expected an array/,
    ],
  ])("refuses %s", (_, text, message) => {
    expect(parseError(text)).toMatch(message);
  });

  it("names the file and every bad field, in the Resource Graph file's own terms", () => {
    const response = JSON.parse(fixture("fleet-resource-graph.json"));
    delete response.data[0].properties.agentPoolProfiles[1].orchestratorVersion;
    response.data[1].properties.agentPoolProfiles[1].osType = "Win";
    response.data[2].id = "not-an-id";
    const message = parseError(JSON.stringify(response), "rg.json");
    expect(message.split("\n")).toEqual([
      "rg.json: not a usable Resource Graph REST response:",
      "  data[0].properties.agentPoolProfiles[1].orchestratorVersion (cluster ledger-prod-neu): is missing",
      '  data[1].properties.agentPoolProfiles[1].osType (cluster legacy-apps-eus2): expected one of "Linux", "Windows", got "Win"',
      "  data[2].id (cluster data-dev-wus2): expected a managedClusters resource id",
    ]);
  });

  it("names bad fields in the CLI's terms for az aks list", () => {
    const clusters = JSON.parse(fixture("fleet-az-aks-list.json"));
    clusters[0].agentPoolProfiles[0].osSku = 7;
    delete clusters[1].kubernetesVersion;
    clusters[2].storageProfile.diskCsiDriver = { enabled: "yes" };
    const message = parseError(JSON.stringify(clusters), "aks.json");
    expect(message).toContain("aks.json: not a usable az aks list output:");
    expect(message).toContain(
      "[0].agentPoolProfiles[0].osSku (cluster ledger-prod-neu): Invalid input: expected string",
    );
    expect(message).toContain("[1].kubernetesVersion (cluster legacy-apps-eus2): is missing");
    expect(message).toContain("[2].storageProfile.diskCsiDriver.enabled (cluster data-dev-wus2):");
  });

  it("refuses rows that are not managed clusters", () => {
    const response = JSON.parse(fixture("fleet-resource-graph.json"));
    response.data[0].type = "microsoft.compute/virtualmachines";
    expect(parseError(JSON.stringify(response))).toContain(
      "data[0].type (cluster ledger-prod-neu): expected a managedClusters resource",
    );
  });

  it("lists at most ten problems and says how many more there are", () => {
    const clusters = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}` }));
    const lines = parseError(JSON.stringify(clusters)).split("\n");
    expect(lines).toHaveLength(12);
    expect(lines.at(-1)).toMatch(/^ {2}\.\.\. and \d+ more$/);
  });
});
