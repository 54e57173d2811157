// `start` (npm start): the main job on the bundled demo fleet. Until the embedded host exists, that is the
// fleet report.

import { fileURLToPath } from "node:url";
import type { Command } from "../command.ts";
import { parseReportArgs, printReport } from "./report.command.ts";

export const DEMO_FLEET = fileURLToPath(new URL("../../local/scenarios/demo-fleet.json", import.meta.url));

export const startCommand: Command = {
  name: "start",
  usage: "start [--now YYYY-MM-DD] [--format table|json] [--fleet FILE]",
  summary: "The fleet report on the demo fleet in local/scenarios/demo-fleet.json (or --fleet FILE).",
  run: (args, io) => printReport(parseReportArgs(args, io, { fleet: DEMO_FLEET }), io),
};
