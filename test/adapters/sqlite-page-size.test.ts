// The SQLite state store's page size: large pages for a new file, and a file made before keeps its own.
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../local/sqlite.ts";
import { SqliteNoticeRepository } from "../../shared/sqlite/notice-repository.ts";
import { PAGE_SIZE_BYTES } from "../../shared/sqlite/sqlite-store.ts";
import { useSqliteFiles } from "../support/state-stores.ts";
import { aNotice } from "./sqlite-state-writer.ts";

const files = useSqliteFiles();

function pageSizeOf(file: string): number {
  const db = openDatabase(file, { readOnly: true });
  try {
    return Number((db.prepare("PRAGMA page_size").get() as { page_size: number }).page_size);
  } finally {
    db.close();
  }
}

describe("SQLite state store pages", () => {
  it("creates a new file with large pages", async () => {
    const file = files.newFile();
    await new SqliteNoticeRepository(files.open(file)).acceptNotice(aNotice("new file"));
    expect(PAGE_SIZE_BYTES).toBeGreaterThan(4096);
    expect(pageSizeOf(file)).toBe(PAGE_SIZE_BYTES);
  });

  it("opens a file made with SQLite's default pages as it is, and writes to it", async () => {
    const file = files.newFile();
    const older = openDatabase(file);
    older.exec("PRAGMA journal_mode = WAL; CREATE TABLE made_before (id INTEGER) STRICT");
    older.close();
    const notices = new SqliteNoticeRepository(files.open(file));
    await notices.acceptNotice(aNotice("older file"));
    expect(await notices.notices()).toEqual([aNotice("older file")]);
    expect(pageSizeOf(file)).toBe(4096);
  });
});
