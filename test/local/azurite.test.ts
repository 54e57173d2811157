import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import { describe, expect, it } from "vitest";
import { startAzurite } from "../../local/azurite.ts";
import { isRunning } from "../support/start-command.ts";

const AZURITE_MODULE = new URL("../../local/azurite.ts", import.meta.url).href;

function probeTable(connectionString: string): TableClient {
  return TableClient.fromConnectionString(connectionString, "probe", { allowInsecureConnection: true });
}

describe("startAzurite", () => {
  it("serves the Table API to the real SDK and keeps data across a restart on the same location", async () => {
    const location = await mkdtemp(join(tmpdir(), "azurite-"));
    try {
      const first = await startAzurite({ location });
      const table = probeTable(first.connectionString);
      await table.createTable();
      await table.createEntity({ partitionKey: "p", rowKey: "r", value: 42 });
      await first.close();

      const second = await startAzurite({ location });
      const entity = await probeTable(second.connectionString).getEntity<{ value: number }>("p", "r");
      expect(entity.value).toBe(42);
      await second.close();
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it("shuts down, saving what it was given, when the process that started it is killed with SIGKILL; the next one waits for it", async () => {
    const location = await mkdtemp(join(tmpdir(), "azurite-"));
    // The starter is a process of its own, killed alone (not its group), as an OOM kill of one process.
    const starter = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { startAzurite } = await import(${JSON.stringify(AZURITE_MODULE)});
         const azurite = await startAzurite({ location: ${JSON.stringify(location)} });
         console.log(JSON.stringify({ pid: azurite.pid, connectionString: azurite.connectionString }));`,
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const started = await new Promise<{ pid: number; connectionString: string }>((resolve, reject) => {
        starter.stdout.once("data", (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
        starter.once("exit", (code) => reject(new Error(`the starter exited with ${code}`)));
      });
      const table = probeTable(started.connectionString);
      await table.createTable();
      await table.createEntity({ partitionKey: "p", rowKey: "r", value: 7 });

      starter.kill("SIGKILL");
      // Started at once: it waits for the orphan to save and let go of the location, never shares it.
      const next = await startAzurite({ location });
      // It lets go of the location in its exit handler: the process itself ends a moment later.
      await expect.poll(() => isRunning(started.pid), { timeout: 5_000 }).toBe(false);
      const entity = await probeTable(next.connectionString).getEntity<{ value: number }>("p", "r");
      expect(entity.value).toBe(7);
      await next.close();
    } finally {
      starter.kill("SIGKILL");
      await rm(location, { recursive: true, force: true });
    }
  });
});
