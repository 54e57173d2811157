// SQLite for local/ (the built-in node:sqlite): opening a database without Node's "SQLite is an experimental
// feature" warning on every start, and the transaction and statement-cache helpers every store uses.
// Load node:sqlite only through this module: a static `import ... from "node:sqlite"` anywhere in the module
// graph loads it at link time, before this module can quiet the warning (type-only imports are fine).
import type { DatabaseSync as Database, StatementSync } from "node:sqlite";

type SqliteModule = typeof import("node:sqlite");

/** Loads node:sqlite, dropping only its own ExperimentalWarning; every other warning goes through. */
function loadQuietly(): SqliteModule {
  const emitWarning = process.emitWarning;
  process.emitWarning = function withoutSqliteNotice(
    this: unknown,
    warning: string | Error,
    ...rest: unknown[]
  ) {
    const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    const text = typeof warning === "string" ? warning : warning.message;
    if (type === "ExperimentalWarning" && text.startsWith("SQLite is an experimental feature")) return;
    return (emitWarning as (...args: unknown[]) => void).call(this, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    return process.getBuiltinModule("node:sqlite") as SqliteModule;
  } finally {
    process.emitWarning = emitWarning;
  }
}

const sqlite = loadQuietly();

export type { Database };

/** Opens (or creates) the database at `path`; ":memory:" keeps it in memory. */
export function openDatabase(path: string, options: { readOnly?: boolean } = {}): Database {
  return new sqlite.DatabaseSync(path, options);
}

/**
 * Runs `work` in one transaction: all of it is committed, or none of it. A call inside another transaction
 * joins it (the outer one decides).
 */
export function transaction<T>(db: Database, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/** Prepares each SQL text once per database; later calls with the same text reuse the statement. */
export function statementCache(db: Database): (sql: string) => StatementSync {
  const statements = new Map<string, StatementSync>();
  return (sql) => {
    let statement = statements.get(sql);
    if (!statement) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
}
