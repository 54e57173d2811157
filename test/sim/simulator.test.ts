import net from "node:net";
import { ContainerServiceClient } from "@azure/arm-containerservice";
import { ServiceBusClient } from "@azure/service-bus";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../local/clock.ts";
import { startSimulator } from "../../local/sim/simulator.ts";
import { DEMO, FAST, PROD_SUBSCRIPTION } from "./fixture.ts";

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startSimulator on a shared clock", () => {
  it("close() stops every listener and leaves no timer on the clock, even mid-operation", async () => {
    const clock = new VirtualClock(Date.parse("2026-03-02T08:00:00Z"));
    clock.pause();
    const sim = await startSimulator({ scenarioFile: DEMO, clock });
    const ports = [sim.endpoints.arm, sim.endpoints.admin, ...sim.clusters.map((c) => c.apiServer)].map(
      (url) => Number(new URL(url).port),
    );
    ports.push(sim.serviceBus?.port as number);
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => true));
    const arm = new ContainerServiceClient(sim.credential, PROD_SUBSCRIPTION, {
      ...sim.azureClientOptions(),
      retryOptions: { maxRetries: 0 },
    });
    const poller = arm.agentPools.createOrUpdate(
      "rg-prod-weu",
      "aks-prod-weu",
      "spare",
      { count: 1, vmSize: "Standard_D4s_v5" },
      FAST,
    );
    await poller.submitted();
    expect(clock.pendingTimers).toBeGreaterThan(0);
    await sim.close();
    expect(clock.pendingTimers).toBe(0);
    expect(await Promise.all(ports.map(accepts))).toEqual(ports.map(() => false));
    await expect(poller).rejects.toThrow();
  });
});

describe("the credentials clients present", () => {
  it("are recorded once each, per service: ARM's bearer token, a cluster's kubeconfig token, Service Bus's SAS token", async () => {
    const sim = await startSimulator({ scenarioFile: DEMO, clock: "virtual" });
    try {
      const arm = new ContainerServiceClient(sim.credential, PROD_SUBSCRIPTION, sim.azureClientOptions());
      for (let call = 0; call < 2; call++) await arm.managedClusters.get("rg-prod-weu", "aks-prod-weu");
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(sim.kubeconfigPath("aks-prod-weu"));
      await kubeConfig.makeApiClient(CoreV1Api).listNamespace();
      const serviceBus = new ServiceBusClient(sim.endpoints.serviceBusConnectionString as string);
      await serviceBus.createSender("retirement-notices").sendMessages({ body: "hello" });
      await serviceBus.close();

      const { token } = (await sim.credential.getToken("https://management.azure.com/.default")) ?? {};
      const cluster = sim.fleet.clusters.find((c) => c.name === "aks-prod-weu");
      expect(sim.presentedCredentials()).toEqual([
        { service: "arm", credential: token },
        { service: "kube:aks-prod-weu", credential: cluster?.token },
        { service: "servicebus", credential: expect.stringMatching(/^SharedAccessSignature sr=.*&sig=/) },
      ]);
    } finally {
      await sim.close();
    }
  });
});
