// Product state in one SQLite file on this machine (the built-in node:sqlite), for npm start: WAL with
// synchronous=FULL, so a write acknowledged is on disk, and every multi-row write is one transaction, so
// a kill at any moment leaves it whole or absent. Other connections and processes may open the same file:
// writers queue on its lock for up to BUSY_TIMEOUT_MS. One machine only: instances of a scaled-out
// Function App share no disk, and SQLite's locks do not hold on network file shares.

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { StoreUnavailableError } from "../store-unavailable.ts";

type SqliteModule = typeof import("node:sqlite");

const BUSY_TIMEOUT_MS = 5000;

/**
 * Snapshot and outbox rows are kilobytes each: on SQLite's default 4 KB pages most spill into overflow
 * chains, and the WAL, checkpointed every 1,000 pages, is copied back four times as often. Set before
 * the file's first write; a file created with other pages keeps them.
 */
export const PAGE_SIZE_BYTES = 16384;

/**
 * SQLite result codes (the low byte of an extended code) that say the file cannot be used now: busy past
 * the timeout, read-only, I/O error, corrupt, disk full, cannot open, not a database, no permission.
 */
const UNAVAILABLE_CODES = new Set([3, 5, 8, 10, 11, 13, 14, 26]);

let loaded: SqliteModule | undefined;

/**
 * node:sqlite, loaded on first use without Node 22's "SQLite is an experimental feature" warning (a
 * static import would print it before any code runs); every other warning goes through.
 */
function sqliteModule(): SqliteModule {
  if (loaded) return loaded;
  const emitWarning = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(warning instanceof Error ? warning.message : warning).startsWith("SQLite is an experimental"))
      return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    loaded = process.getBuiltinModule("node:sqlite") as SqliteModule;
    return loaded;
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** What repositories run their SQL through: statements prepared once, parameters positional. */
export interface Sql {
  /** How many rows the statement changed. */
  run(sql: string, ...params: SQLInputValue[]): number;
  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined;
  all<T>(sql: string, ...params: SQLInputValue[]): T[];
}

export class SqliteStore {
  private readonly file: string;
  private readonly schemas: string[] = [];
  private db: DatabaseSync | undefined;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;
  private readonly sql: Sql = {
    run: (sql, ...params) => Number(this.statement(sql).run(...params).changes),
    get: <T>(sql: string, ...params: SQLInputValue[]) => this.statement(sql).get(...params) as T | undefined,
    all: <T>(sql: string, ...params: SQLInputValue[]) => this.statement(sql).all(...params) as T[],
  };

  constructor(file: string) {
    this.file = file;
  }

  /** Tables a repository needs, created when the file is opened (at once if it is open). */
  define(schema: string): void {
    this.schemas.push(schema);
    if (this.db) this.unavailableOnFailure(() => this.db?.exec(schema));
  }

  /** Runs `work` in one write transaction: all of it is committed, or none of it. */
  write<T>(work: (sql: Sql) => T): T {
    return this.inTransaction("BEGIN IMMEDIATE", work);
  }

  /** Runs `work` on one snapshot of the file, however many statements it takes. */
  read<T>(work: (sql: Sql) => T): T {
    return this.inTransaction("BEGIN", work);
  }

  close(): void {
    this.closed = true;
    this.statements.clear();
    this.db?.close();
    this.db = undefined;
  }

  private inTransaction<T>(begin: string, work: (sql: Sql) => T): T {
    const db = this.database();
    return this.unavailableOnFailure(() => {
      db.exec(begin);
      try {
        const result = work(this.sql);
        db.exec("COMMIT");
        return result;
      } catch (error) {
        // SQLite has rolled back already after some errors (a full disk, an I/O error).
        if (db.isTransaction) db.exec("ROLLBACK");
        throw error;
      }
    });
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Opened on first use, and again after a failed open: the file may be fixed meanwhile. */
  private database(): DatabaseSync {
    if (this.closed) throw new Error("the SQLite state store is closed");
    if (this.db) return this.db;
    const db = this.unavailableOnFailure(() => new (sqliteModule().DatabaseSync)(this.file));
    this.unavailableOnFailure(() => {
      try {
        db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
        db.exec(`PRAGMA page_size = ${PAGE_SIZE_BYTES}`);
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");
        for (const schema of this.schemas) db.exec(schema);
      } catch (error) {
        db.close();
        throw error;
      }
    });
    this.db = db;
    return db;
  }

  private unavailableOnFailure<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      const code = (error as { errcode?: unknown }).errcode;
      if (typeof code === "number" && UNAVAILABLE_CODES.has(code & 0xff)) {
        throw new StoreUnavailableError(`SQLite file ${this.file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
