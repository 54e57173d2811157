// A bench's part in a Node process of its own, so its memory is its own: a function exported by a bench
// module, called with JSON arguments; the first line it prints is its answer (JSON).
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

export interface Child<T> {
  child: ChildProcess;
  answer: T;
}

export async function startChild<T>(
  module: string,
  name: string,
  args: readonly unknown[],
  nodeOptions: readonly string[] = [],
): Promise<Child<T>> {
  const call = `const m = await import(${JSON.stringify(module)}); await m[${JSON.stringify(name)}](...${JSON.stringify(args)});`;
  const child = spawn(
    process.execPath,
    [...nodeOptions, "--no-warnings", "--input-type=module", "-e", call],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before answering`)));
  });
  return { child, answer: JSON.parse(line) as T };
}

/** Asks the child to stop (SIGTERM) and waits for it to end. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
