// The migrations app (with the event probe standing in for the orchestration) in the embedded host, its
// product state in a SQLite file of its own that the test reads and writes through the product's
// repositories. ARM is an address nothing answers: these tests never reach a cluster.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HostOptions, type RunningHost, startHost } from "../../local/host/host.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";

const APP = new URL("./migrations-app.functions.ts", import.meta.url).pathname;

export interface MigrationsHost {
  host: RunningHost;
  state: ReturnType<typeof sqliteRepositories>;
  stop(): Promise<void>;
}

export async function startMigrationsHost(
  logging: Pick<HostOptions, "logLevel" | "logSink">,
): Promise<MigrationsHost> {
  const directory = mkdtempSync(join(tmpdir(), "migrations-http-"));
  const file = join(directory, "state.sqlite");
  const host = await startHost({
    app: APP,
    port: 0,
    ...logging,
    settings: {
      STATE_SQLITE_FILE: file,
      TABLES_CONNECTION_STRING: "",
      TABLES_ENDPOINT: "",
      ARM_ENDPOINT: "https://127.0.0.1:9",
      AUTH_MODE: "local",
    },
  });
  const store = new SqliteStore(file);
  return {
    host,
    state: sqliteRepositories(store),
    stop: async () => {
      await host.stop();
      store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
