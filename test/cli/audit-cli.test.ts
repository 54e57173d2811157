// `audit verify` against a SQLite state store named the way the app names it (STATE_SQLITE_FILE).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../bin/cli.ts";
import { sqliteRepositories } from "../../shared/composition.ts";
import { SqliteStore } from "../../shared/sqlite/sqlite-store.ts";
import { aMigrationRecord, anAuditRecord } from "../support/migration-fixtures.ts";

const directory = mkdtempSync(join(tmpdir(), "audit-cli-"));
const file = join(directory, "state.sqlite");
const saved = process.env.STATE_SQLITE_FILE;
const store = new SqliteStore(file);

beforeAll(() => {
  process.env.STATE_SQLITE_FILE = file;
});

afterAll(() => {
  if (saved === undefined) delete process.env.STATE_SQLITE_FILE;
  else process.env.STATE_SQLITE_FILE = saved;
  store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function verify(): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["audit", "verify"], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: process.env,
    now: () => new Date("2026-01-10T12:00:00Z"),
  });
  return { code, stdout, stderr };
}

describe("audit verify", () => {
  it("passes intact chains, then exits 1 naming the first record edited in storage", async () => {
    const { migrations, audit } = sqliteRepositories(store);
    for (const id of ["migration:a", "migration:b"]) {
      await migrations.save(aMigrationRecord({ id }));
      for (const step of ["create-pool", "cordon-node", "drain-node"]) {
        await audit.append(anAuditRecord({ id: `${id}|${step}`, migrationId: id, action: step }));
      }
    }
    expect(await verify()).toEqual({
      code: 0,
      stdout: "2 migration chains, 6 records: all verify\n",
      stderr: "",
    });

    store.write((sql) =>
      sql.run(
        "UPDATE migration_audit SET record = json_set(record, '$.actor', 'nobody') WHERE migration_id = ? AND seq = 2",
        "migration:b",
      ),
    );
    const failed = await verify();
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^migration migration:b: record 2 \(migration:b\|cordon-node\): hash mismatch: /,
    );
    // Deleting the last record of a chain is found too: the chain's head still names it.
    store.write((sql) =>
      sql.run("DELETE FROM migration_audit WHERE migration_id = ? AND seq = 3", "migration:a"),
    );
    expect((await verify()).stderr).toMatch(
      /^migration migration:a: after record 2: missing records: the chain's head is record 3 /,
    );
  });

  it("refuses an action other than verify as a usage error", async () => {
    const code = await runCli(["audit", "rewrite"], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: process.env,
      now: () => new Date(),
    });
    expect(code).toBe(2);
  });
});
