// Starts the simulated fleet in-process: the model on a Clock, ARM + Resource Graph on one HTTPS
// endpoint (as management.azure.com serves both), one Kubernetes API per cluster, the Service Bus
// namespace of the scenario and the admin API. Everything listens on 127.0.0.1 with free ports.
//
// Trust: clients verify the simulator's own CA (caPem / caPath), never skip TLS checks.
// - Azure SDK clients: pass `tlsOptions: { ca }` in the client options (azureClientOptions() does):
//   @azure/core-rest-pipeline's tlsPolicy puts it on each request and its node HTTP client builds an
//   https.Agent with it. NODE_EXTRA_CA_CERTS works too, but only if set before the process starts.
// - @kubernetes/client-node: the kubeconfig written per cluster carries certificate-authority-data.

import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TokenCredential } from "@azure/core-auth";
import { type Clock, publishedClock, RealClock, VirtualClock } from "../clock.ts";
import { startAdminServer } from "./admin/admin-server.ts";
import { type ArmServer, startArmServer } from "./arm/arm-server.ts";
import type { RunningServer } from "./http/https-server.ts";
import { startKubeServer } from "./kube/kube-server.ts";
import { kubeconfigYaml } from "./kube/kubeconfig.ts";
import { Fleet } from "./model/fleet.ts";
import type { LedgerSnapshot } from "./model/ledger.ts";
import type { PresentedCredential } from "./model/presented-credentials.ts";
import { loadScenarioFile, parseScenario } from "./scenario/load.ts";
import type { Scenario, ScenarioInput } from "./scenario/schema.ts";
import { type ServiceBusNamespace, startServiceBusNamespace } from "./servicebus/namespace.ts";
import { ensureCertificates } from "./tls/certificates.ts";

export interface SimulatorOptions {
  /** A scenario object (validated like a file); or give scenarioFile. */
  scenario?: Scenario | ScenarioInput;
  scenarioFile?: string;
  /** A shared Clock, or which kind to make. Default: the published clock if any, else real time. */
  clock?: Clock | "real" | "virtual";
  /** Where the CA, kubeconfigs and Service Bus messages live. Default: a fresh temporary directory. */
  dataDir?: string;
  /** Start the scenario's Service Bus namespace (default: when the scenario declares one). */
  serviceBus?: boolean;
}

export interface SimulatedCluster {
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  id: string;
  apiServer: string;
  kubeconfigPath: string;
}

export interface SimulatorEndpoints {
  arm: string;
  resourceGraph: string;
  admin: string;
  serviceBusConnectionString?: string;
}

export interface Simulator {
  readonly scenario: Scenario;
  readonly clock: Clock;
  readonly fleet: Fleet;
  readonly endpoints: SimulatorEndpoints;
  readonly caPem: string;
  readonly caPath: string;
  readonly dataDir: string;
  readonly clusters: readonly SimulatedCluster[];
  readonly serviceBus?: ServiceBusNamespace;
  /** A credential that returns a fixed bearer token: enough for the simulator, not for Azure. */
  readonly credential: TokenCredential;
  kubeconfigPath(cluster: string): string;
  /** TLS handshakes the cluster's API server has completed: shows whether clients reuse connections. */
  secureConnections(cluster: string): number;
  /** Options for ContainerServiceClient / ResourceGraphClient: the endpoint and trust of the CA. */
  azureClientOptions(): { endpoint: string; tlsOptions: { ca: string } };
  ledger(): LedgerSnapshot;
  /** The credentials clients presented to ARM, the clusters and Service Bus so far, each once. */
  presentedCredentials(): PresentedCredential[];
  /** The one JSON line the CLI prints. */
  summary(): Record<string, unknown>;
  close(): Promise<void>;
}

function chooseClock(option: SimulatorOptions["clock"], scenario: Scenario): Clock {
  if (option === "virtual") return new VirtualClock(Date.parse(scenario.startTime));
  if (option === "real") return new RealClock();
  return option ?? publishedClock() ?? new RealClock();
}

function scenarioOf(options: SimulatorOptions): Scenario {
  if (options.scenarioFile) return loadScenarioFile(options.scenarioFile);
  if (options.scenario) return parseScenario(options.scenario);
  throw new Error("startSimulator needs a scenario or a scenarioFile");
}

export const fixedTokenCredential: TokenCredential = {
  getToken: async () => ({ token: "simulator-token", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const scenario = scenarioOf(options);
  const dataDir = resolve(options.dataDir ?? mkdtempSync(join(tmpdir(), "aks-sim-")));
  mkdirSync(join(dataDir, "kubeconfigs"), { recursive: true });
  const tls = await ensureCertificates(dataDir);
  const clock = chooseClock(options.clock, scenario);
  const fleet = new Fleet(scenario, clock);
  const servers: RunningServer[] = [];
  let serviceBus: ServiceBusNamespace | undefined;
  const closeAll = async () => {
    fleet.close();
    await Promise.all(servers.map((s) => s.close()));
    await serviceBus?.close();
  };
  try {
    const arm: ArmServer = await startArmServer({ fleet, tls });
    servers.push(arm);
    const admin = await startAdminServer(fleet);
    servers.push(admin);
    const clusters: SimulatedCluster[] = [];
    const kubeServers = new Map<string, RunningServer>();
    for (const cluster of fleet.clusters) {
      const server = await startKubeServer({ cluster, tls });
      servers.push(server);
      kubeServers.set(cluster.name, server);
      const kubeconfigPath = join(dataDir, "kubeconfigs", `${cluster.name}.yaml`);
      // Written aside and renamed: the product, reading it meanwhile, sees the old file or the new one whole.
      const written = `${kubeconfigPath}.new`;
      writeFileSync(written, kubeconfigYaml(cluster, server.url, tls.caPem, { kind: "token" }), {
        mode: 0o600,
      });
      renameSync(written, kubeconfigPath);
      clusters.push({
        name: cluster.name,
        subscriptionId: cluster.subscriptionId,
        resourceGroup: cluster.resourceGroup,
        id: cluster.id,
        apiServer: server.url,
        kubeconfigPath,
      });
    }
    if (scenario.serviceBus && options.serviceBus !== false) {
      serviceBus = await startServiceBusNamespace({
        clock,
        dataFile: join(dataDir, "servicebus.sqlite"),
        queues: scenario.serviceBus.queues,
        topics: scenario.serviceBus.topics,
        acceptDelayMs: (entityPath) =>
          fleet.faults.take(
            "servicebus-slow-send",
            (fault) => fault.entity.toLowerCase() === entityPath.toLowerCase(),
          )?.delayMs ?? 0,
        onToken: (token) => fleet.credentials.record("servicebus", token),
      });
    }
    const endpoints: SimulatorEndpoints = {
      arm: arm.url,
      resourceGraph: arm.url,
      admin: admin.url,
      ...(serviceBus ? { serviceBusConnectionString: serviceBus.connectionString } : {}),
    };
    return {
      scenario,
      clock,
      fleet,
      endpoints,
      caPem: tls.caPem,
      caPath: tls.caPath,
      dataDir,
      clusters,
      ...(serviceBus ? { serviceBus } : {}),
      credential: fixedTokenCredential,
      kubeconfigPath(name: string) {
        const found = clusters.find((c) => c.name === name);
        if (!found) throw new Error(`no simulated cluster named "${name}"`);
        return found.kubeconfigPath;
      },
      secureConnections(name: string) {
        const server = kubeServers.get(name);
        if (!server) throw new Error(`no simulated cluster named "${name}"`);
        return server.secureConnections;
      },
      azureClientOptions: () => ({ endpoint: arm.url, tlsOptions: { ca: tls.caPem } }),
      ledger: () => fleet.ledger.snapshot(clock.now()),
      presentedCredentials: () => fleet.credentials.list(),
      summary: () => ({
        arm: endpoints.arm,
        resourceGraph: endpoints.resourceGraph,
        admin: endpoints.admin,
        caPath: tls.caPath,
        clock: clock.kind,
        ...(endpoints.serviceBusConnectionString
          ? { serviceBusConnectionString: endpoints.serviceBusConnectionString }
          : {}),
        clusters: Object.fromEntries(
          clusters.map((c) => [c.name, { kubeconfig: c.kubeconfigPath, apiServer: c.apiServer, id: c.id }]),
        ),
      }),
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
