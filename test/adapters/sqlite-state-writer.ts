// Run as a child process by sqlite-crash.test.ts: writes to a SQLite state file through the product's
// repositories, then dies by SIGKILL at a chosen moment, as a killed host would.
//   sqlite-state-writer.ts <file> acknowledged   accept a notice, and die once it is acknowledged
//   sqlite-state-writer.ts <file> mid-write      re-record a cluster, and die halfway through its pools
//   sqlite-state-writer.ts <file> hold-lock      hold the write lock a moment, announcing it on stdout

import type { Cluster } from "../../shared/domain/fleet/model.ts";
import type { PoolSnapshot } from "../../shared/domain/ports/inventory.ts";
import type { NoticeRecord, NoticeRejection } from "../../shared/domain/ports/notices.ts";
import { SqliteInventoryRepository } from "../../shared/sqlite/inventory-repository.ts";
import { SqliteNoticeRepository } from "../../shared/sqlite/notice-repository.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { aCluster, aPool, day, poolSnapshots } from "../support/pool-fixtures.ts";

export const SCAN = "2026-01-10";

export function aNotice(id: string): NoticeRecord {
  return {
    notice: {
      id,
      subject: { kind: "osSku", value: "AzureLinux2" },
      imageRemoval: "2026-06-30",
      sourceUrl: "https://github.com/Azure/AKS/issues/4988",
      note: "written by a process that is then killed",
      receivedAt: "2026-01-10T10:00:00Z",
    },
    origin: "operator",
    contentKey: `content-${id}`,
  };
}

/** What the lock holder writes, straight into the rejections table, while it holds the lock. */
export const HELD: NoticeRejection = {
  key: "held",
  receivedAt: "2026-01-10T10:00:00Z",
  reason: "written while holding the write lock",
  problems: [],
  bodyExcerpt: "",
};

/** A cluster with the named pools, as recordCluster takes them. */
export function clusterWithPools(poolNames: string[]): { cluster: Cluster; pools: PoolSnapshot[] } {
  const cluster = aCluster(
    { name: "prod" },
    poolNames.map((name) => aPool({ name })),
  );
  return { cluster, pools: poolSnapshots(cluster, day(SCAN)) };
}

function die(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL was sent");
}

async function main(file: string, mode: string): Promise<void> {
  const store = new SqliteStore(file);
  if (mode === "acknowledged") {
    await new SqliteNoticeRepository(store).acceptNotice(aNotice("acknowledged"));
    die();
  }
  if (mode === "mid-write") {
    const { cluster, pools } = clusterWithPools(["c", "d", "e"]);
    // The second pool is serialised inside recordCluster's transaction, after the first was written.
    Object.assign(pools[1] as PoolSnapshot, { toJSON: die });
    await new SqliteInventoryRepository(store).recordCluster(SCAN, cluster, pools);
  }
  if (mode === "hold-lock") {
    const notices = new SqliteNoticeRepository(store);
    await notices.notices();
    store.write((sql) => {
      sql.run(
        "INSERT INTO notice_rejections (rejection_key, rejection) VALUES (?, ?)",
        HELD.key,
        JSON.stringify(HELD),
      );
      process.stdout.write("holding\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    });
    store.close();
  }
}

if (import.meta.main) await main(process.argv[2] as string, process.argv[3] as string);
