// One owner per directory: a lock file naming its holder (PID, host, start time), created atomically, so
// a second process on the same files is refused and told who holds them. A lock left by a process that is
// gone (killed, crashed, the machine restarted) is taken over.

import { readFileSync, renameSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createWholeFile, tryLink } from "./whole-file.ts";

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
}

export class DirectoryInUseError extends Error {
  override name = "DirectoryInUseError";
  constructor(directory: string, holder: LockHolder, lockFile: string) {
    const where = holder.host === hostname() ? "" : ` on ${holder.host}`;
    super(
      `data directory ${directory} is in use by PID ${holder.pid}${where} (started ${holder.startedAt}); ` +
        `if no such process is running, delete ${lockFile}`,
    );
  }
}

export interface DirectoryLock {
  readonly file: string;
  /** Deletes the lock file if it is still this lock's; synchronous, so it may run in an exit handler. */
  release(): void;
}

/** Lock files this process holds: a lock naming this PID is ours only if it is one of them. */
const heldHere = new Set<string>();

/** Takes the lock `name` in `directory` for this process, or throws DirectoryInUseError. */
export function lockDirectory(directory: string, name: string, now: Date): DirectoryLock {
  const file = join(directory, name);
  const content = JSON.stringify({ pid: process.pid, host: hostname(), startedAt: now.toISOString() });
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createWholeFile(file, content)) {
      heldHere.add(file);
      return {
        file,
        release: () => {
          heldHere.delete(file);
          releaseIfOurs(file, content);
        },
      };
    }
    const held = readLock(file);
    if (held === undefined) continue; // released meanwhile
    const holder = parseHolder(held);
    if (holder && isAlive(holder, file)) throw new DirectoryInUseError(directory, holder, file);
    removeStale(file, held);
  }
  throw new Error(`could not take ${file}: other processes keep taking it over`);
}

/** lockDirectory, waiting up to `waitMs` for a live holder to let go (one that is shutting down). */
export async function lockDirectoryWhenFree(
  directory: string,
  name: string,
  now: () => Date,
  waitMs: number,
): Promise<DirectoryLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return lockDirectory(directory, name, now());
    } catch (error) {
      if (!(error instanceof DirectoryInUseError) || Date.now() >= deadline) throw error;
      await sleep(100);
    }
  }
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (
      Number.isInteger(value.pid) &&
      typeof value.host === "string" &&
      typeof value.startedAt === "string"
    ) {
      return value as LockHolder;
    }
  } catch {
    // Not a lock this code wrote whole: nobody holds it.
  }
  return undefined;
}

/** A holder on another machine (a shared disk) cannot be checked, so it counts as alive. */
function isAlive(holder: LockHolder, file: string): boolean {
  if (holder.host !== hostname()) return true;
  // Our PID on a lock we do not hold: a PID reused after a restart.
  if (holder.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Moves the stale lock aside, then checks that what it moved is the lock judged stale: a process that took
 * it over in between gets its lock back (linked, so nothing newer is overwritten).
 */
function removeStale(file: string, stale: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (readFileSync(aside, "utf8") !== stale) tryLink(aside, file);
  unlinkSync(aside);
}

function releaseIfOurs(file: string, content: string): void {
  if (readLock(file) === content) unlinkSync(file);
}
