// The Azure clients the adapters share, made from the Azure connection settings, against the simulator
// over verified HTTPS: the ARM client per subscription and the Resource Graph client trust the CA file the
// settings name, and the CA file is read only when a client needs it.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Simulator, startSimulator } from "../../local/sim/simulator.ts";
import { azureClientsFor } from "../../shared/azure/arm-client-factory.ts";

const DEMO = new URL("../../local/scenarios/demo.yaml", import.meta.url).pathname;
const PROD = "3f2b8c1e-6a4d-4e8f-9b7a-1c2d3e4f5a6b";
const NONPROD = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const LOCAL_TOKEN = { kind: "local-token", token: "factory-test" } as const;

let sim: Simulator;

beforeAll(async () => {
  sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual", serviceBus: false });
});

afterAll(async () => {
  await sim?.close();
});

describe("azureClientsFor", () => {
  it("makes one ARM client per subscription and a Resource Graph client, all on the settings' endpoint and CA", async () => {
    const azure = azureClientsFor({
      armEndpoint: sim.endpoints.arm,
      armCaFile: sim.caPath,
      credential: LOCAL_TOKEN,
    });
    expect(azure.containerService(PROD)).toBe(azure.containerService(PROD));
    expect(azure.containerService(NONPROD)).not.toBe(azure.containerService(PROD));
    const names = async (subscriptionId: string) => {
      const found: string[] = [];
      for await (const cluster of azure.containerService(subscriptionId).managedClusters.list()) {
        found.push(cluster.name as string);
      }
      return found.sort();
    };
    const [prod, nonprod] = await Promise.all([names(PROD), names(NONPROD)]);
    expect(prod.length).toBeGreaterThan(0);
    expect(nonprod.length).toBeGreaterThan(0);
    expect(prod).not.toEqual(nonprod);

    expect(azure.resourceGraph()).toBe(azure.resourceGraph());
    const graph = await azure.resourceGraph().resources({
      query: "resources | where type =~ 'microsoft.containerservice/managedclusters'",
      options: { resultFormat: "objectArray" },
    });
    expect((graph.data as { name: string }[]).map((row) => row.name).sort()).toEqual(
      [...prod, ...nonprod].sort(),
    );
  });

  it("gives the credential without reading the CA file, and names the file when a client cannot read it", async () => {
    const azure = azureClientsFor({
      armEndpoint: sim.endpoints.arm,
      armCaFile: "/no/such/ca.pem",
      credential: LOCAL_TOKEN,
    });
    expect((await azure.credential.getToken("https://management.azure.com/.default"))?.token).toBe(
      "factory-test",
    );
    expect(() => azure.containerService(PROD)).toThrow(
      /^ARM_CA_FILE \/no\/such\/ca\.pem cannot be read: ENOENT/,
    );
    expect(() => azure.resourceGraph()).toThrow(/^ARM_CA_FILE \/no\/such\/ca\.pem cannot be read/);
  });
});
