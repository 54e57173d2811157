// `plan`: the fleet rollout plan for a fleet file (as `report` reads it) under a policy file.

import { readFile } from "node:fs/promises";
import { BASE_CALENDAR } from "../../shared/domain/lifecycle/data/base-calendar.ts";
import { resolveCalendar } from "../../shared/domain/lifecycle/lifecycle-calendar.ts";
import { planRollout } from "../../shared/domain/rollout/rollout-plan.ts";
import {
  type PolicyResult,
  parseRolloutPolicy,
  parseRolloutPolicyText,
} from "../../shared/formats/rollout-policy.ts";
import { renderPlanTable } from "../../shared/report/rollout-plan-table.ts";
import { shippedPrices } from "../../shared/shipped-prices.ts";
import { type CliIo, type Command, EXIT_BAD_INPUT, EXIT_OK, parseCommandArgs } from "../command.ts";
import { FORMAT_NAMES } from "../report/fleet-file.ts";
import { FLEET_ARGS, fleetOptions, loadFleet, type ReportOptions } from "./report.command.ts";

export interface PlanOptions extends ReportOptions {
  policy?: string;
}

export function parsePlanArgs(args: readonly string[], io: CliIo): PlanOptions {
  const { values } = parseCommandArgs({
    args: [...args],
    options: { ...FLEET_ARGS, policy: { type: "string" } },
    strict: true,
    allowPositionals: false,
  });
  return { ...fleetOptions(values, io), ...(values.policy !== undefined && { policy: values.policy }) };
}

async function readPolicy(path: string | undefined): Promise<PolicyResult> {
  if (path === undefined) return parseRolloutPolicy({});
  try {
    return parseRolloutPolicyText(await readFile(path, "utf8"), path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (error as Error).message;
    return { ok: false, problems: [`${path}: cannot read the policy file: ${why}`] };
  }
}

export async function printPlan(options: PlanOptions, io: CliIo): Promise<number> {
  const policy = await readPolicy(options.policy);
  if (!policy.ok) {
    io.stderr.write(
      `aks-image-lifecycle plan: the policy is not usable:\n${policy.problems.map((p) => `  ${p}\n`).join("")}`,
    );
    return EXIT_BAD_INPUT;
  }
  const fleetFile = await loadFleet(options.fleet, "plan", io);
  if (!fleetFile) return EXIT_BAD_INPUT;

  const plan = planRollout({
    now: options.now,
    clusters: fleetFile.clusters,
    calendar: resolveCalendar(BASE_CALENDAR, []),
    policy: policy.policy,
    prices: shippedPrices(),
  });
  if (options.format === "json") {
    io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  } else {
    io.stdout.write(
      renderPlanTable(plan, [
        `fleet: ${options.fleet} (${FORMAT_NAMES[fleetFile.format]})`,
        `policy: ${options.policy ?? "the defaults"}`,
      ]),
    );
  }
  return EXIT_OK;
}

export const planCommand: Command = {
  name: "plan",
  usage: "plan --fleet FILE [--now YYYY-MM-DD] [--policy FILE] [--format table|json]",
  summary:
    "A fleet rollout plan for the retiring pools in FILE: waves, canary first, within the policy's limits, windows and budget; misses and their fixes; when to tell people.",
  run: (args, io) => printPlan(parsePlanArgs(args, io), io),
};
