// One real Azurite per test file; each test gets its own table prefix, so tests never see each other's rows.
import { afterAll, beforeAll } from "vitest";
import { type Azurite, startAzurite } from "../../local/azurite.ts";
import { TableStore } from "../../shared/azure/tables/table-store.ts";

export function useAzuriteTables(): {
  store: (prefix?: string) => TableStore;
  newPrefix: () => string;
  connectionString: () => string;
} {
  let azurite: Azurite | undefined;
  let count = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.close();
  });
  const connectionString = () => {
    if (!azurite)
      throw new Error("Azurite is not running yet: call store() from a test or hook, after beforeAll");
    return azurite.connectionString;
  };
  const newPrefix = () => `t${process.pid}n${++count}`;
  return {
    connectionString,
    newPrefix,
    /** A store on fresh tables, or on those of `prefix` (another client of the same state). */
    store: (prefix = newPrefix()) =>
      new TableStore({ kind: "connection-string", connectionString: connectionString() }, prefix),
  };
}
