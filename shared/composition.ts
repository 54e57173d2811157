// The composition root: every adapter the app uses, built once from validated settings and shared by
// all functions of the process. Time comes from the clock the local host publishes (so the simulator,
// the host and the product share virtual time in tests), else the system clock. A change of settings or
// clock (tests start hosts one after another in one process) builds a fresh set and closes the old one.

import type { TokenCredential } from "@azure/identity";
import type { ServiceBusSender } from "@azure/service-bus";
import { alertSinksFor } from "./alerts/alert-sinks.ts";
import { azureClientsFor } from "./azure/arm-client-factory.ts";
import { ResourceGraphFleet } from "./azure/resource-graph.ts";
import { serviceBusClientFor } from "./azure/service-bus-client.ts";
import { TableAlertRepository } from "./azure/tables/alert-repository.ts";
import { TableDependencyRepository } from "./azure/tables/dependency-repository.ts";
import { TableInventoryRepository } from "./azure/tables/inventory-repository.ts";
import { TableNoticeRepository } from "./azure/tables/notice-repository.ts";
import { type TableStore, tableStoreFor } from "./azure/tables/table-store.ts";
import type {
  AlertRepository,
  AlertSink,
  DependencyRepository,
  InventoryRepository,
  NoticeRepository,
  RetryClock,
} from "./domain/ports.ts";
import { DEFAULT_FACTS_OPTIONS, type FactsOptions } from "./kube/cluster-facts.ts";
import { EntraKubeConnector, type KubeConnector, KubeconfigDirectory } from "./kube/kube-connection.ts";
import { APP_SETTING_NAMES, type AppSettings, loadAppSettings } from "./settings.ts";
import { SqliteAlertRepository } from "./sqlite/alert-repository.ts";
import { SqliteDependencyRepository } from "./sqlite/dependency-repository.ts";
import { SqliteInventoryRepository } from "./sqlite/inventory-repository.ts";
import { SqliteNoticeRepository } from "./sqlite/notice-repository.ts";
import { SqliteStore } from "./sqlite/sqlite-store.ts";

export interface Composition {
  readonly settings: AppSettings;
  readonly clock: RetryClock;
  readonly inventory: InventoryRepository;
  readonly dependencies: DependencyRepository;
  readonly notices: NoticeRepository;
  readonly alerts: AlertRepository;
  readonly fleet: ResourceGraphFleet;
  readonly kube: KubeConnector;
  readonly factsOptions: FactsOptions;
  readonly alertSinks: readonly AlertSink[];
  close(): Promise<void>;
}

/** Where the local host publishes its clock (local/clock.ts); read without importing local/. */
const HOST_CLOCK_SLOT = Symbol.for("functions-local-host.clock");

const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

export function currentClock(): RetryClock {
  return ((globalThis as Record<symbol, unknown>)[HOST_CLOCK_SLOT] as RetryClock | undefined) ?? systemClock;
}

let built: { key: string; clock: RetryClock; composition: Composition } | undefined;

/**
 * The process's adapters for `env` (the app settings); settings are checked on first use and fail closed.
 * They are parsed again only when one of them changes, not on every request and activity.
 */
export function composition(env: Readonly<Record<string, string | undefined>> = process.env): Composition {
  const key = JSON.stringify(APP_SETTING_NAMES.map((name) => env[name] ?? null));
  const clock = currentClock();
  if (built?.key === key && built.clock === clock) return built.composition;
  const previous = built?.composition;
  built = { key, clock, composition: compose(loadAppSettings(env), clock) };
  previous?.close().catch(() => undefined);
  return built.composition;
}

function compose(settings: AppSettings, clock: RetryClock): Composition {
  const { azure, kube: kubeSettings, alertSinks: sinks } = settings;
  const clients = azureClientsFor(azure);
  const { credential } = clients;
  const state = stateRepositories(settings, credential);
  const kube: KubeConnector =
    kubeSettings.connection.kind === "kubeconfig-directory"
      ? new KubeconfigDirectory(kubeSettings.connection.directory)
      : new EntraKubeConnector({ credential, arm: (id) => clients.containerService(id) });
  const serviceBus =
    sinks.topic && settings.serviceBus.connection
      ? serviceBusClientFor(settings.serviceBus.connection, credential)
      : undefined;
  const topicSender: ServiceBusSender | undefined =
    serviceBus && sinks.topic ? serviceBus.createSender(sinks.topic) : undefined;
  return {
    settings,
    clock,
    ...state.repositories,
    fleet: new ResourceGraphFleet({
      client: clients.resourceGraph(),
      scope: settings.inventory.scope,
      clock,
    }),
    kube,
    factsOptions: { ...DEFAULT_FACTS_OPTIONS, pageSize: kubeSettings.pageSize, clock },
    alertSinks: alertSinksFor(sinks, topicSender),
    async close() {
      await topicSender?.close();
      await serviceBus?.close();
      state.close();
    },
  };
}

export type StateRepositories = Pick<Composition, "inventory" | "dependencies" | "notices" | "alerts">;

export function sqliteRepositories(store: SqliteStore): StateRepositories {
  return {
    inventory: new SqliteInventoryRepository(store),
    dependencies: new SqliteDependencyRepository(store),
    notices: new SqliteNoticeRepository(store),
    alerts: new SqliteAlertRepository(store),
  };
}

export function tableRepositories(store: TableStore): StateRepositories {
  return {
    inventory: new TableInventoryRepository(store),
    dependencies: new TableDependencyRepository(store),
    notices: new TableNoticeRepository(store),
    alerts: new TableAlertRepository(store),
  };
}

/** Table Storage, or the SQLite file on this machine; close() lets go of the file. */
function stateRepositories(
  settings: AppSettings,
  credential: TokenCredential,
): { repositories: StateRepositories; close(): void } {
  const { store: location, tablePrefix } = settings.stateStore;
  if (location.kind === "sqlite") {
    const store = new SqliteStore(location.file);
    return { repositories: sqliteRepositories(store), close: () => store.close() };
  }
  const store = tableStoreFor(location, tablePrefix, credential);
  return { repositories: tableRepositories(store), close: () => undefined };
}
