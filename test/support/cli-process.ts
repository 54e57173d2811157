// Runs the real CLI as a user would: a child process of this Node with the bin entry point.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIN = join(ROOT, "bin", "aks-image-lifecycle.ts");

export const fixture = (name: string) => join(ROOT, "test", "fixtures", name);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Colour settings of the test's own environment are left out: `env` states them when it matters. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => key !== "FORCE_COLOR" && key !== "NO_COLOR"),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: ROOT, env: { ...baseEnv, ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
