// The product state stores a repository contract runs against: SQLite (a file per test) and Table
// Storage on a real Azurite (a table prefix per test). Each test takes a fresh, empty state; another()
// opens a second connection to the same state, as another process or instance would; unreachable() one
// that cannot be used (a file that is not a database, an endpoint where nothing listens).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { AZURITE_ACCOUNT, AZURITE_KEY } from "../../local/azurite.ts";
import { TableStore } from "../../shared/azure/tables/table-store.ts";
import { type StateRepositories, sqliteRepositories, tableRepositories } from "../../shared/composition.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { useAzuriteTables } from "./table-fixture.ts";

export interface StateConnection extends StateRepositories {
  /** A second connection to the same state: another writer. */
  another(): StateConnection;
}

export interface StateStoreUnderTest {
  readonly name: string;
  /** Table Storage holds 1 MiB an entity: larger results are summarised. SQLite keeps them whole. */
  readonly entityLimit: boolean;
  /** A connection to a fresh, empty state. */
  fresh(): StateConnection;
  /** Repositories on a store that cannot be reached or used. */
  unreachable(): Promise<StateRepositories>;
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
    {
      name: "SQLite",
      entityLimit: false,
      fresh: () => {
        const file = sqlite.newFile();
        return connection(() => sqliteRepositories(sqlite.open(file)));
      },
      unreachable: async () => {
        const file = sqlite.newFile();
        writeFileSync(file, "this file is not a SQLite database, whatever its name says".repeat(10));
        return sqliteRepositories(sqlite.open(file));
      },
    },
    {
      name: "Table Storage on Azurite",
      entityLimit: true,
      fresh: () => {
        const prefix = tables.newPrefix();
        return connection(() => tableRepositories(tables.store(prefix)));
      },
      unreachable: async () => {
        const endpoint = `http://127.0.0.1:${await closedPort()}/${AZURITE_ACCOUNT}`;
        const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=${endpoint};`;
        return tableRepositories(
          new TableStore({ kind: "connection-string", connectionString }, "unreachable"),
        );
      },
    },
  ];
  return { stores, tables };
}

/** A port nothing listens on: one the system just gave out and that was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as { port: number };
  await new Promise<void>((closed) => server.close(() => closed()));
  return port;
}

/** Repositories on a connection `open` makes, and another() on a new one to the same state. */
function connection(open: () => StateRepositories): StateConnection {
  return { ...open(), another: () => connection(open) };
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
