import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { openDatabase, transaction } from "../../local/sqlite.ts";

function count(db: ReturnType<typeof openDatabase>): number {
  return Number(db.prepare("SELECT COUNT(*) AS n FROM t").get()?.n);
}

describe("local/sqlite", () => {
  it("keeps Node's SQLite notice out of stderr for both stores, and lets other warnings through", () => {
    // Static imports, as the host and the simulator load the stores.
    const script = [
      'import "./local/host/durable-store.ts";',
      'import "./local/sim/servicebus/message-store.ts";',
      'process.emitWarning("another experiment", "ExperimentalWarning");',
    ].join("\n");
    const result = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain("SQLite");
    expect(result.stderr).toContain("ExperimentalWarning: another experiment");
  });

  it("commits a transaction's work whole, or rolls all of it back", () => {
    const db = openDatabase(":memory:");
    db.exec("CREATE TABLE t (v INTEGER)");
    transaction(db, () => {
      db.exec("INSERT INTO t VALUES (1)");
      db.exec("INSERT INTO t VALUES (2)");
    });
    expect(count(db)).toBe(2);
    expect(() =>
      transaction(db, () => {
        db.exec("INSERT INTO t VALUES (3)");
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    expect(count(db)).toBe(2);
    expect(db.isTransaction).toBe(false);
    db.close();
  });

  it("joins an inner transaction to the outer one, which decides", () => {
    const db = openDatabase(":memory:");
    db.exec("CREATE TABLE t (v INTEGER)");
    expect(() =>
      transaction(db, () => {
        transaction(db, () => db.exec("INSERT INTO t VALUES (1)"));
        throw new Error("outer failed");
      }),
    ).toThrow("outer failed");
    expect(count(db)).toBe(0);
    expect(transaction(db, () => transaction(db, () => "inner result"))).toBe("inner result");
    db.close();
  });
});
