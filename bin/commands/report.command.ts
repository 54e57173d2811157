// `report`: the fleet report from a file the user already has (Resource Graph, az graph query, az aks list).

import { isIsoDate, utcMidnight } from "../../shared/domain/lifecycle/calendar-date.ts";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { assessFleet } from "../../shared/domain/lifecycle/pool-assessment.ts";
import { renderTable, toReportJson } from "../../shared/report/fleet-report.ts";
import {
  type CliIo,
  type Command,
  EXIT_BAD_INPUT,
  EXIT_OK,
  parseCommandArgs,
  UsageError,
} from "../command.ts";
import { type FleetFile, FleetFileError, FORMAT_NAMES, readFleetFile } from "../report/fleet-file.ts";

const FORMATS = ["table", "json"] as const;
type OutputFormat = (typeof FORMATS)[number];

export interface ReportOptions {
  fleet: string;
  now: Date;
  format: OutputFormat;
}

/** Colour only for a terminal; NO_COLOR turns it off, FORCE_COLOR on (https://no-color.org). */
export function wantsColour(io: CliIo): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0") return true;
  return io.stdout.isTTY === true;
}

/** --fleet, --now and --format as report and plan read them. */
export function fleetOptions(
  values: { fleet?: string | undefined; now?: string | undefined; format?: string | undefined },
  io: CliIo,
  defaults: { fleet?: string } = {},
): ReportOptions {
  const fleet = values.fleet ?? defaults.fleet;
  if (!fleet) throw new UsageError("--fleet FILE is required");
  if (values.now !== undefined && !isIsoDate(values.now)) {
    throw new UsageError(`--now: expected a date YYYY-MM-DD, got "${values.now}"`);
  }
  const format = values.format ?? "table";
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format: expected table or json, got "${format}"`);
  }
  return {
    fleet,
    now: values.now === undefined ? io.now() : new Date(utcMidnight(values.now)),
    format: format as OutputFormat,
  };
}

export const FLEET_ARGS = {
  fleet: { type: "string" },
  now: { type: "string" },
  format: { type: "string" },
} as const;

export function parseReportArgs(
  args: readonly string[],
  io: CliIo,
  defaults: { fleet?: string } = {},
): ReportOptions {
  const { values } = parseCommandArgs({
    args: [...args],
    options: FLEET_ARGS,
    strict: true,
    allowPositionals: false,
  });
  return fleetOptions(values, io, defaults);
}

/** The fleet file with its warnings printed, or undefined once its error is. */
export async function loadFleet(path: string, command: string, io: CliIo): Promise<FleetFile | undefined> {
  try {
    const fleetFile = await readFleetFile(path);
    for (const warning of fleetFile.warnings) io.stderr.write(`warning: ${warning}\n`);
    return fleetFile;
  } catch (error) {
    if (!(error instanceof FleetFileError)) throw error;
    io.stderr.write(`aks-image-lifecycle ${command}: ${error.message}\n`);
    return undefined;
  }
}

export async function printReport(options: ReportOptions, io: CliIo): Promise<number> {
  const fleetFile = await loadFleet(options.fleet, "report", io);
  if (!fleetFile) return EXIT_BAD_INPUT;

  const calendar = resolveCalendar(BASE_CALENDAR, []);
  const pools = assessFleet(fleetFile.clusters, calendar, options.now);
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(toReportJson(pools, options.now), null, 2)}\n`);
  } else {
    const source = `${options.fleet} (${FORMAT_NAMES[fleetFile.format]})`;
    io.stdout.write(renderTable(pools, { colour: wantsColour(io), now: options.now, source }));
  }
  return EXIT_OK;
}

export const reportCommand: Command = {
  name: "report",
  usage: "report --fleet FILE [--now YYYY-MM-DD] [--format table|json]",
  summary:
    "Lifecycle of every node pool in FILE (Resource Graph response, az graph query -o json or az aks list -o json), most urgent first.",
  run: (args, io) => printReport(parseReportArgs(args, io), io),
};
