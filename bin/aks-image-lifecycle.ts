#!/usr/bin/env node
// Entry point of the `aks-image-lifecycle` command (package.json "bin").

import { runCli } from "./cli.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
});
