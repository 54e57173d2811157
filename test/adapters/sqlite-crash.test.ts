// The SQLite state store when its process is killed, and with another process writing to the same file.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { SqliteInventoryRepository } from "../../shared/sqlite/inventory-repository.ts";
import { SqliteNoticeRepository } from "../../shared/sqlite/notice-repository.ts";
import { useSqliteFiles } from "../support/state-stores.ts";
import { aNotice, clusterWithPools, HELD, SCAN } from "./sqlite-state-writer.ts";

const WRITER = new URL("./sqlite-state-writer.ts", import.meta.url).pathname;
const files = useSqliteFiles();

function writer(file: string, mode: string) {
  return spawn(process.execPath, [WRITER, file, mode], { stdio: ["ignore", "pipe", "inherit"] });
}

async function exitOf(
  child: ReturnType<typeof writer>,
): Promise<{ code: number | null; signal: string | null }> {
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  return { code, signal };
}

describe("SQLite state store across processes", () => {
  it("keeps a write once it was acknowledged, though the process is killed right after", async () => {
    const file = files.newFile();
    expect(await exitOf(writer(file, "acknowledged"))).toEqual({ code: null, signal: "SIGKILL" });
    const notices = new SqliteNoticeRepository(files.open(file));
    expect(await notices.notices()).toEqual([aNotice("acknowledged")]);
  });

  it("leaves nothing half-applied when the process is killed in the middle of a write", async () => {
    const file = files.newFile();
    const inventory = new SqliteInventoryRepository(files.open(file));
    const before = clusterWithPools(["a", "b"]);
    await inventory.beginScan(SCAN, `${SCAN}T02:00:00Z`);
    await inventory.recordCluster(SCAN, before.cluster, before.pools);

    expect(await exitOf(writer(file, "mid-write"))).toEqual({ code: null, signal: "SIGKILL" });
    expect((await inventory.listPools(SCAN)).map((p) => p.ref.pool)).toEqual(["a", "b"]);
    expect((await inventory.listClusters(SCAN)).map((c) => c.poolNames)).toEqual([["a", "b"]]);
  });

  it("makes a writer wait for another process's transaction instead of failing", async () => {
    const file = files.newFile();
    const notices = new SqliteNoticeRepository(files.open(file));
    await notices.notices();
    const child = writer(file, "hold-lock");
    const exited = exitOf(child);
    const lines = createInterface({ input: child.stdout });
    for await (const line of lines) if (line === "holding") break;
    // The child holds the write lock now: this write waits for its commit.
    expect(await notices.acceptNotice(aNotice("while-locked"))).toEqual({
      kind: "accepted",
      noticeId: "while-locked",
    });
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(await notices.rejections()).toEqual([HELD]);
  });
});
