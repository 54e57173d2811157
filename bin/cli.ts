// The command-line dispatcher: `aks-image-lifecycle <command> [options]`. Commands get their arguments
// and an Io, so tests and later commands (the embedded host) run them the same way.

import { type CliIo, type Command, EXIT_OK, EXIT_USAGE, UsageError } from "./command.ts";
import { auditCommand } from "./commands/audit.command.ts";
import { migrationsCommand } from "./commands/migrations.command.ts";
import { noticesCommand } from "./commands/notices.command.ts";
import { planCommand } from "./commands/plan.command.ts";
import { reportCommand } from "./commands/report.command.ts";
import { startCommand } from "./commands/start.command.ts";

const COMMANDS: readonly Command[] = [
  reportCommand,
  planCommand,
  startCommand,
  noticesCommand,
  migrationsCommand,
  auditCommand,
];

function help(): string {
  const lines = COMMANDS.map((command) => `  ${command.usage}\n      ${command.summary}`);
  return ["Usage: aks-image-lifecycle <command> [options]", "", "Commands:", ...lines, ""].join("\n");
}

export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout.write(help());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`aks-image-lifecycle: unknown command "${name}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(
      `aks-image-lifecycle ${command.name}: ${error.message}\nUsage: aks-image-lifecycle ${command.usage}\n`,
    );
    return EXIT_USAGE;
  }
}
