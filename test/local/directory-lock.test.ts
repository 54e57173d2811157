import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DirectoryInUseError, lockDirectory, lockDirectoryWhenFree } from "../../local/directory-lock.ts";

const NOW = new Date("2026-12-02T09:00:00Z");
let directory: string;

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "lock-"));
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

function holdAs(pid: number, host = hostname()): void {
  writeFileSync(
    join(directory, "test.lock"),
    JSON.stringify({ pid, host, startedAt: "2026-12-01T08:00:00.000Z" }),
  );
}

/** A PID that was a process a moment ago and is none now. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid as number;
}

describe("lockDirectory", () => {
  it("writes the holder into the lock and deletes it on release, leaving nothing else behind", () => {
    const lock = lockDirectory(directory, "test.lock", NOW);
    expect(JSON.parse(readFileSync(lock.file, "utf8"))).toEqual({
      pid: process.pid,
      host: hostname(),
      startedAt: "2026-12-02T09:00:00.000Z",
    });
    lock.release();
    expect(existsSync(lock.file)).toBe(false);
    expect(lockDirectory(directory, "test.lock", NOW).file).toBe(join(directory, "test.lock"));
  });

  it("refuses while the holder runs, naming the directory, the PID, its start and the lock file", () => {
    holdAs(process.ppid);
    const attempt = () => lockDirectory(directory, "test.lock", NOW);
    expect(attempt).toThrow(DirectoryInUseError);
    expect(attempt).toThrow(
      `data directory ${directory} is in use by PID ${process.ppid} (started 2026-12-01T08:00:00.000Z); ` +
        `if no such process is running, delete ${join(directory, "test.lock")}`,
    );
  });

  it("takes over a lock whose process is gone, or that is not a whole lock", () => {
    holdAs(deadPid());
    const lock = lockDirectory(directory, "test.lock", NOW);
    expect(JSON.parse(readFileSync(lock.file, "utf8")).pid).toBe(process.pid);
    writeFileSync(lock.file, "");
    expect(JSON.parse(readFileSync(lockDirectory(directory, "test.lock", NOW).file, "utf8")).pid).toBe(
      process.pid,
    );
  });

  it("counts a holder on another machine as alive: its PID cannot be checked from here", () => {
    holdAs(deadPid(), "another-machine");
    expect(() => lockDirectory(directory, "test.lock", NOW)).toThrow(/in use by PID \d+ on another-machine/);
  });

  it("release leaves a lock that is no longer its own", () => {
    const lock = lockDirectory(directory, "test.lock", NOW);
    holdAs(process.ppid);
    lock.release();
    expect(JSON.parse(readFileSync(lock.file, "utf8")).pid).toBe(process.ppid);
  });
});

describe("lockDirectoryWhenFree", () => {
  it("waits for a live holder to let go, and gives up after the wait", async () => {
    holdAs(process.ppid);
    await expect(lockDirectoryWhenFree(directory, "test.lock", () => NOW, 300)).rejects.toThrow(
      DirectoryInUseError,
    );
    const waiting = lockDirectoryWhenFree(directory, "test.lock", () => NOW, 10_000);
    setTimeout(() => rmSync(join(directory, "test.lock")), 200);
    expect(JSON.parse(readFileSync((await waiting).file, "utf8")).pid).toBe(process.pid);
  });
});
