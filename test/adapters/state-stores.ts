// The product state stores a repository contract runs against: SQLite (a file per test) and Table
// Storage on a real Azurite (a table prefix per test). Each test takes a fresh, empty state; another()
// opens a second connection to the same state, as another process or instance would.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { TableAlertRepository } from "../../shared/azure/tables/alert-repository.ts";
import { TableDependencyRepository } from "../../shared/azure/tables/dependency-repository.ts";
import { TableInventoryRepository } from "../../shared/azure/tables/inventory-repository.ts";
import { TableNoticeRepository } from "../../shared/azure/tables/notice-repository.ts";
import type { TableStore } from "../../shared/azure/tables/table-store.ts";
import type {
  AlertRepository,
  DependencyRepository,
  InventoryRepository,
  NoticeRepository,
} from "../../shared/domain/ports.ts";
import { SqliteAlertRepository } from "../../shared/sqlite/alert-repository.ts";
import { SqliteDependencyRepository } from "../../shared/sqlite/dependency-repository.ts";
import { SqliteInventoryRepository } from "../../shared/sqlite/inventory-repository.ts";
import { SqliteNoticeRepository } from "../../shared/sqlite/notice-repository.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { useAzuriteTables } from "./table-fixture.ts";

export interface StateConnection {
  readonly inventory: InventoryRepository;
  readonly dependencies: DependencyRepository;
  readonly notices: NoticeRepository;
  readonly alerts: AlertRepository;
  /** A second connection to the same state: another writer. */
  another(): StateConnection;
}

export interface StateStoreUnderTest {
  readonly name: string;
  /** Table Storage holds 1 MiB an entity: larger results are summarised. SQLite keeps them whole. */
  readonly entityLimit: boolean;
  /** A connection to a fresh, empty state. */
  fresh(): StateConnection;
}

/**
 * Registers the stores' hooks for this test file; call at its top level. `tables` is the Azurite behind
 * the Tables store, for checks of how that adapter lays its rows out.
 */
export function useStateStores(): {
  stores: StateStoreUnderTest[];
  tables: ReturnType<typeof useAzuriteTables>;
} {
  const tables = useAzuriteTables();
  const sqlite = useSqliteFiles();
  const stores: StateStoreUnderTest[] = [
    { name: "SQLite", entityLimit: false, fresh: () => sqliteConnection(sqlite, sqlite.newFile()) },
    {
      name: "Table Storage on Azurite",
      entityLimit: true,
      fresh: () => tablesConnection(tables, tables.newPrefix()),
    },
  ];
  return { stores, tables };
}

function sqliteConnection(files: SqliteFiles, file: string): StateConnection {
  const store = files.open(file);
  return {
    inventory: new SqliteInventoryRepository(store),
    dependencies: new SqliteDependencyRepository(store),
    notices: new SqliteNoticeRepository(store),
    alerts: new SqliteAlertRepository(store),
    another: () => sqliteConnection(files, file),
  };
}

function tablesConnection(
  tables: { store: (prefix: string) => TableStore },
  prefix: string,
): StateConnection {
  const store = tables.store(prefix);
  return {
    inventory: new TableInventoryRepository(store),
    dependencies: new TableDependencyRepository(store),
    notices: new TableNoticeRepository(store),
    alerts: new TableAlertRepository(store),
    another: () => tablesConnection(tables, prefix),
  };
}

interface SqliteFiles {
  newFile(): string;
  open(file: string): SqliteStore;
}

/** SQLite files in a temporary directory, every connection closed and the directory removed at the end. */
export function useSqliteFiles(): SqliteFiles {
  const directory = mkdtempSync(join(tmpdir(), "state-sqlite-"));
  const opened: SqliteStore[] = [];
  let count = 0;
  afterAll(() => {
    for (const store of opened) store.close();
    rmSync(directory, { recursive: true, force: true });
  });
  return {
    newFile: () => join(directory, `state-${++count}.sqlite`),
    open(file) {
      const store = new SqliteStore(file);
      opened.push(store);
      return store;
    },
  };
}
