import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { startAzurite } from "../../local/azurite.ts";

describe("startAzurite", () => {
  it("serves the Table API to the real SDK and keeps data across a restart on the same location", async () => {
    const location = await mkdtemp(join(tmpdir(), "azurite-"));
    try {
      const first = await startAzurite({ location });
      const table = TableClient.fromConnectionString(first.connectionString, "probe", {
        allowInsecureConnection: true,
      });
      await table.createTable();
      await table.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
      await first.close();

      const second = await startAzurite({ location });
      const again = TableClient.fromConnectionString(second.connectionString, "probe", {
        allowInsecureConnection: true,
      });
      const entity = await again.getEntity<{ value: number }>("p", "r");
      expect(entity.value).toBe(42);
      await second.close();
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });
});
