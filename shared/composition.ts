// The composition root: the adapters the app uses, grouped by capability (the state store, the Azure
// clients, the fleet listing, the agent pools, the clusters' Kubernetes APIs, the alert sinks, the Entra
// token validator and its key cache), each built on first use from the validated settings and shared by
// all functions of the process. A function or activity asks for the capabilities it uses, so one that
// needs only product state builds no Service Bus sender and reads no ARM CA file. Time comes from the
// clock the local host publishes (so the simulator, the host and the product share virtual time in
// tests), else the system clock. A change of settings or clock (tests start hosts one after another in
// one process) starts afresh and closes what was built before.

import type { TokenCredential } from "@azure/identity";
import { ArmPoolOperations } from "./azure/agent-pools.ts";
import { type AzureClients, azureClientsFor } from "./azure/arm-client-factory.ts";
import { EntraTokenValidator } from "./azure/entra-tokens.ts";
import { ResourceGraphFleet } from "./azure/resource-graph.ts";
import { serviceBusClientFor } from "./azure/service-bus-client.ts";
import { TableAlertRepository } from "./azure/tables/alert-repository.ts";
import { TableAuditRepository } from "./azure/tables/audit-repository.ts";
import { TableDependencyRepository } from "./azure/tables/dependency-repository.ts";
import { TableInventoryRepository } from "./azure/tables/inventory-repository.ts";
import { TableMigrationRepository } from "./azure/tables/migration-repository.ts";
import { TableNoticeRepository } from "./azure/tables/notice-repository.ts";
import { TableRolloutRepository } from "./azure/tables/rollout-repository.ts";
import { type TableStore, tableStoreFor } from "./azure/tables/table-store.ts";
import type { PriceTable } from "./domain/cost/cost.ts";
import type { AlertSink } from "./domain/ports/alert-sinks.ts";
import type { AlertRepository } from "./domain/ports/alerts.ts";
import type { BearerTokenValidator } from "./domain/ports/bearer-tokens.ts";
import type { RetryClock } from "./domain/ports/clock.ts";
import type { DependencyRepository } from "./domain/ports/dependencies.ts";
import type { ClusterFactsSource, FleetSource } from "./domain/ports/fleet.ts";
import type { InventoryRepository } from "./domain/ports/inventory.ts";
import type { AuditRepository, MigrationRepository } from "./domain/ports/migrations.ts";
import type { NodeOperations } from "./domain/ports/node-operations.ts";
import type { NoticeRepository } from "./domain/ports/notices.ts";
import type { PoolOperations } from "./domain/ports/pool-operations.ts";
import type { RolloutRepository } from "./domain/ports/rollouts.ts";
import { KubeClusterFacts } from "./kube/cluster-facts.ts";
import { EntraKubeConnector, type KubeConnector, KubeconfigDirectory } from "./kube/kube-connection.ts";
import { DEFAULT_KUBE_REQUEST_OPTIONS, type KubeRequestOptions } from "./kube/kube-requests.ts";
import { KubeNodeOperations } from "./kube/node-operations.ts";
import type { AccessSettings } from "./settings/access.settings.ts";
import type { IdentitySettings } from "./settings/identity.settings.ts";
import type { InventorySettings } from "./settings/inventory.settings.ts";
import type { StateStoreSettings } from "./settings/state-store.settings.ts";
import { APP_SETTING_NAMES, type AppSettings, loadAppSettings } from "./settings.ts";
import { shippedPrices } from "./shipped-prices.ts";
import { alertSinksFor } from "./sinks/alert-sinks.ts";
import { SqliteAlertRepository } from "./sqlite/alert-repository.ts";
import { SqliteAuditRepository } from "./sqlite/audit-repository.ts";
import { SqliteDependencyRepository } from "./sqlite/dependency-repository.ts";
import { SqliteInventoryRepository } from "./sqlite/inventory-repository.ts";
import { SqliteMigrationRepository } from "./sqlite/migration-repository.ts";
import { SqliteNoticeRepository } from "./sqlite/notice-repository.ts";
import { SqliteRolloutRepository } from "./sqlite/rollout-repository.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

export interface StateRepositories {
  readonly inventory: InventoryRepository;
  readonly dependencies: DependencyRepository;
  readonly notices: NoticeRepository;
  readonly alerts: AlertRepository;
  readonly migrations: MigrationRepository;
  readonly audit: AuditRepository;
  readonly rollouts: RolloutRepository;
}

/** What each capability gives; capabilities(...) merges the ones asked for. */
export interface CapabilityMap {
  clock: { readonly clock: RetryClock };
  /** The inventory's own settings (scope, schedule, concurrency): not the whole bag of every group. */
  inventorySettings: { readonly inventorySettings: InventorySettings };
  /** How HTTP callers are identified. */
  identitySettings: { readonly identitySettings: IdentitySettings };
  /** The app's approval policy (clusters add theirs in tags). */
  accessSettings: { readonly accessSettings: AccessSettings };
  /** Entra ID bearer tokens checked against the tenant's keys (AUTH_MODE entra only). */
  bearerTokens: { readonly bearerTokens: BearerTokenValidator };
  state: StateRepositories;
  azure: { readonly azure: AzureClients };
  fleet: { readonly fleet: FleetSource };
  /** Agent pools through ARM: read, create, update, delete, and the capacity for a new pool. */
  pools: { readonly pools: PoolOperations };
  kube: { readonly clusterFacts: ClusterFactsSource };
  /** The clusters' nodes and pods as a pool migration acts on them (taints, evictions, scaling). */
  nodes: { readonly nodes: NodeOperations };
  alertSinks: { readonly alertSinks: readonly AlertSink[] };
  /** VM prices per node-hour, for cost estimates and accounting (the shipped table). */
  prices: { readonly prices: PriceTable };
}

export type CapabilityName = keyof CapabilityMap;

type Intersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

export type Capabilities<K extends CapabilityName> = Intersection<CapabilityMap[K]>;

/**
 * The named capabilities, merged: `const { inventory, clock } = capabilities("state", "clock")`. The
 * settings are all checked on first use (every problem named) and fail closed; they are parsed again
 * only when one of them changes, not on every request and activity.
 */
export function capabilities<K extends CapabilityName>(...names: K[]): Capabilities<K> {
  const generation = generationFor(process.env);
  return Object.assign({}, ...names.map((name) => generation.get(name)));
}

/** Where the local host publishes its clock (local/clock.ts); read without importing local/. */
const HOST_CLOCK_SLOT = Symbol.for("functions-local-host.clock");

const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

function currentClock(): RetryClock {
  return ((globalThis as Record<symbol, unknown>)[HOST_CLOCK_SLOT] as RetryClock | undefined) ?? systemClock;
}

/** What one set of settings and one clock have built so far. */
class Generation {
  readonly settings: AppSettings;
  readonly clock: RetryClock;
  private readonly built = new Map<CapabilityName, unknown>();
  private readonly closers: (() => unknown)[] = [];

  constructor(settings: AppSettings, clock: RetryClock) {
    this.settings = settings;
    this.clock = clock;
  }

  get<K extends CapabilityName>(name: K): CapabilityMap[K] {
    let capability = this.built.get(name) as CapabilityMap[K] | undefined;
    if (capability === undefined) {
      capability = (BUILDERS[name] as (generation: Generation) => CapabilityMap[K])(this);
      this.built.set(name, capability);
    }
    return capability;
  }

  onClose(close: () => unknown): void {
    this.closers.push(close);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.closers.map(async (close) => close()));
  }
}

const BUILDERS: { [K in CapabilityName]: (generation: Generation) => CapabilityMap[K] } = {
  clock: ({ clock }) => ({ clock }),
  prices: () => ({ prices: shippedPrices() }),
  inventorySettings: ({ settings }) => ({ inventorySettings: settings.inventory }),
  identitySettings: ({ settings }) => ({ identitySettings: settings.identity }),
  accessSettings: ({ settings }) => ({ accessSettings: settings.access }),
  bearerTokens: ({ settings }) => {
    const { identity } = settings;
    if (identity.mode !== "entra") throw new Error("bearer tokens are only validated with AUTH_MODE entra");
    // Entra issues tokens in real time, as CAs issue certificates: the host's virtual clock (tests, demos)
    // would take them for expired or not yet valid.
    return { bearerTokens: new EntraTokenValidator({ ...identity.entra, clock: systemClock }) };
  },
  azure: ({ settings }) => ({ azure: azureClientsFor(settings.azure) }),
  state(generation) {
    const state = stateRepositories(
      generation.settings.stateStore,
      () => generation.get("azure").azure.credential,
    );
    generation.onClose(state.close);
    return state.repositories;
  },
  fleet: (generation) => ({
    fleet: new ResourceGraphFleet({
      client: generation.get("azure").azure.resourceGraph(),
      scope: generation.settings.inventory.scope,
      clock: generation.clock,
    }),
  }),
  pools: (generation) => {
    const { azure } = generation.get("azure");
    return {
      pools: new ArmPoolOperations({
        arm: (subscriptionId) => azure.containerService(subscriptionId),
        endpoint: generation.settings.azure.armEndpoint,
      }),
    };
  },
  kube: (generation) => ({
    clusterFacts: new KubeClusterFacts(kubeConnector(generation), kubeRequestOptions(generation)),
  }),
  nodes: (generation) => ({
    nodes: new KubeNodeOperations(kubeConnector(generation), kubeRequestOptions(generation)),
  }),
  alertSinks(generation) {
    const { alertSinks, serviceBus } = generation.settings;
    if (!alertSinks.topic || !serviceBus.connection) return { alertSinks: alertSinksFor(alertSinks) };
    const client = serviceBusClientFor(serviceBus.connection, generation.get("azure").azure.credential);
    const topicSender = client.createSender(alertSinks.topic);
    generation.onClose(async () => {
      await topicSender.close();
      await client.close();
    });
    return { alertSinks: alertSinksFor(alertSinks, topicSender) };
  },
};

let current: { key: string; clock: RetryClock; generation: Generation } | undefined;

function generationFor(env: Readonly<Record<string, string | undefined>>): Generation {
  const key = JSON.stringify(APP_SETTING_NAMES.map((name) => env[name] ?? null));
  const clock = currentClock();
  if (current?.key === key && current.clock === clock) return current.generation;
  const previous = current?.generation;
  current = { key, clock, generation: new Generation(loadAppSettings(env), clock) };
  void previous?.close();
  return current.generation;
}

/** The simulator's kubeconfigs locally, Entra and ARM in Azure. */
function kubeConnector(generation: Generation): KubeConnector {
  const { connection } = generation.settings.kube;
  const connector =
    connection.kind === "kubeconfig-directory"
      ? new KubeconfigDirectory(connection.directory)
      : entraKubeConnector(generation.get("azure").azure, generation.clock);
  // Its idle keep-alive connections go with the generation.
  generation.onClose(() => connector.close());
  return connector;
}

function entraKubeConnector(azure: AzureClients, clock: RetryClock): EntraKubeConnector {
  return new EntraKubeConnector({
    credential: azure.credential,
    arm: (subscriptionId) => azure.containerService(subscriptionId),
    clock,
  });
}

function kubeRequestOptions({ settings, clock }: Generation): KubeRequestOptions {
  return { ...DEFAULT_KUBE_REQUEST_OPTIONS, pageSize: settings.kube.pageSize, clock };
}

export function sqliteRepositories(store: SqliteStore): StateRepositories {
  return {
    inventory: new SqliteInventoryRepository(store),
    dependencies: new SqliteDependencyRepository(store),
    notices: new SqliteNoticeRepository(store),
    alerts: new SqliteAlertRepository(store),
    migrations: new SqliteMigrationRepository(store),
    audit: new SqliteAuditRepository(store),
    rollouts: new SqliteRolloutRepository(store),
  };
}

export function tableRepositories(store: TableStore): StateRepositories {
  return {
    inventory: new TableInventoryRepository(store),
    dependencies: new TableDependencyRepository(store),
    notices: new TableNoticeRepository(store),
    alerts: new TableAlertRepository(store),
    migrations: new TableMigrationRepository(store),
    audit: new TableAuditRepository(store),
    rollouts: new TableRolloutRepository(store),
  };
}

/** Table Storage, or the SQLite file on this machine; close() lets go of the file. */
function stateRepositories(
  { store, tablePrefix }: StateStoreSettings,
  credential: () => TokenCredential,
): { repositories: StateRepositories; close(): void } {
  if (store.kind === "sqlite") {
    const sqlite = new SqliteStore(store.file);
    return { repositories: sqliteRepositories(sqlite), close: () => sqlite.close() };
  }
  const tables = tableStoreFor(store, tablePrefix, store.kind === "identity" ? credential() : undefined);
  return { repositories: tableRepositories(tables), close: () => undefined };
}
