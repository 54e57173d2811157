// A file that appears whole or not at all: written aside and flushed, then linked into place, so a
// process killed while writing leaves no half file, and of two processes creating it at once one wins.

import { closeSync, fsyncSync, linkSync, openSync, rmSync, writeSync } from "node:fs";

/** Creates `file` with `content`; false, changing nothing, when it exists already. */
export function createWholeFile(file: string, content: string, mode = 0o644): boolean {
  const aside = `${file}.${process.pid}.new`;
  const fd = openSync(aside, "w", mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    return tryLink(aside, file);
  } finally {
    rmSync(aside, { force: true });
  }
}

/** Links `from` to `to`; false when `to` exists. */
export function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}
