// What every subcommand of the CLI is given and returns.

import { type ParseArgsConfig, parseArgs } from "node:util";

export interface CliOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliOutput;
  stderr: CliOutput;
  env: Readonly<Record<string, string | undefined>>;
  /** The real date unless a command is told otherwise. */
  now(): Date;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  /** Resolves to the process exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Thrown for wrong arguments: the dispatcher prints it with the usage and exits 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** node:util parseArgs, whose refusals (an unknown option, a missing value) are usage errors. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T) {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_USAGE = 2;
