// `aks-image-lifecycle start` run as a newcomer or an operator runs it: a child process in a process
// group of its own, so a test can signal it alone or kill the whole group (as an OOM kill does).

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Printed once the start-up scan is shown and the API serves. */
export const READY = /Ctrl-C stops everything/;
/** Real time a start may take to print what a test waits for. */
const WAIT_MS = 60_000;

export interface StartedCommand {
  readonly child: ChildProcess;
  /** The exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with standard output once it matches `pattern`; rejects if the command ends first. */
  waitFor(pattern: RegExp): Promise<string>;
}

export function startCommand(data: string, options: readonly string[] = []): StartedCommand {
  const child = spawn(
    process.execPath,
    ["bin/aks-image-lifecycle.ts", "start", "--port", "0", "--data", data, ...options],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const failure = (why: string) =>
          new Error(`start ${why} before printing ${pattern}:\n${stdout}\n${stderr}`);
        const timer = setTimeout(() => reject(failure(`took ${WAIT_MS} ms`)), WAIT_MS);
        const check = () => {
          if (!pattern.test(stdout)) return;
          child.stdout?.off("data", check);
          clearTimeout(timer);
          resolve(stdout);
        };
        child.stdout?.on("data", check);
        check();
        exited.then((code) => {
          clearTimeout(timer);
          reject(failure(`exited with ${code}`));
        });
      }),
  };
}

/** SIGKILL to the command's whole process group. */
export function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), "SIGKILL");
  } catch {
    // Gone already.
  }
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
