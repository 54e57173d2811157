// The report command run as a user would (test/support/cli-process.ts).

import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wantsColour } from "../../bin/commands/report.command.ts";
import { URGENCY_ORDER } from "../../shared/domain/lifecycle/pool-assessment.ts";
import type { ReportJson } from "../../shared/report/fleet-report.ts";
import { cli, fixture, ROOT } from "../support/cli-process.ts";

const REPORT_KEYS = [
  "clusterId",
  "cluster",
  "pool",
  "osSku",
  "effectiveOs",
  "kubernetesVersion",
  "nodeImageVersion",
  "state",
  "endOfSupport",
  "imageRemoval",
  "daysToEndOfSupport",
  "daysToRemoval",
  "recommendedOsSku",
  "reasons",
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "fleet-report-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function writeScratch(name: string, content: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, content);
  return path;
}

describe("aks-image-lifecycle report --format json", () => {
  const formats = ["fleet-resource-graph.json", "fleet-az-graph-query.json", "fleet-az-aks-list.json"];

  it.each(formats)("reports every pool of %s in the documented shape, most urgent first", async (name) => {
    const run = await cli(["report", "--fleet", fixture(name), "--now", "2026-03-15", "--format", "json"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ReportJson;
    expect(Object.keys(report)).toEqual(["generatedAt", "pools"]);
    expect(report.generatedAt).toBe("2026-03-15T00:00:00.000Z");
    expect(report.pools).toHaveLength(8);
    for (const pool of report.pools) expect(Object.keys(pool)).toEqual(REPORT_KEYS);
    const ranks = report.pools.map((pool) => URGENCY_ORDER.indexOf(pool.state));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(report.pools[0]).toMatchObject({
      cluster: "ledger-prod-neu",
      pool: "system",
      osSku: "AzureLinux",
      effectiveOs: "AzureLinux2",
      state: "end-of-support",
      endOfSupport: "2025-11-30",
      imageRemoval: "2026-03-31",
      daysToEndOfSupport: -105,
      daysToRemoval: 16,
      recommendedOsSku: "AzureLinux3",
    });
  });

  it("gives the same report for the same fleet in all three formats", async () => {
    const reports = await Promise.all(
      formats.map(async (name) => {
        const run = await cli([
          "report",
          "--fleet",
          fixture(name),
          "--now",
          "2026-11-26",
          "--format",
          "json",
        ]);
        return JSON.parse(run.stdout) as ReportJson;
      }),
    );
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    const windows = reports[0]?.pools.find((pool) => pool.pool === "win19");
    expect(windows).toMatchObject({
      state: "end-of-support",
      daysToRemoval: 126,
      recommendedOsSku: "Windows2025",
    });
  });
});

describe("aks-image-lifecycle report (table)", () => {
  const args = ["report", "--fleet", fixture("fleet-resource-graph.json"), "--now", "2026-11-26"];

  it("prints a plain table when piped", async () => {
    const run = await cli(args);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain("\x1b[");
    const lines = run.stdout.split("\n");
    expect(lines[0]).toMatch(
      /^AKS image lifecycle report for 2026-11-26: .*fleet-resource-graph.json \(Resource Graph REST response\)$/,
    );
    expect(lines[1]).toBe(
      "8 pools in 3 clusters across 3 subscriptions: 1 images-removed, 1 end-of-support, 1 nearing-end, 3 retirement-announced, 2 supported",
    );
    expect(lines[3]).toMatch(
      /^CLUSTER +POOL +OS SKU +EFFECTIVE OS +K8S +NODE IMAGE +STATE +END OF SUPPORT +IMAGE REMOVAL +NEXT +TARGET$/,
    );
    expect(lines[4]).toMatch(
      /^ledger-prod-neu +system +AzureLinux +AzureLinux2 +1\.31\.9 +AKSAzureLinux-V2gen2-202512\.06\.0 \(355d old\) +images-removed +2025-11-30 +2026-03-31 +K8s support ends in 4 days +AzureLinux3 \(compatible\)$/,
    );
    expect(run.stdout).toContain("\nWhy\n");
  });

  it("colours states when asked to (as in a terminal), and NO_COLOR wins", async () => {
    const coloured = await cli(args, { FORCE_COLOR: "1" });
    expect(coloured.stdout).toContain("\x1b[1;31mimages-removed");
    expect(coloured.stdout).toContain("\x1b[32msupported");
    const plain = await cli(args, { FORCE_COLOR: "1", NO_COLOR: "1" });
    expect(plain.stdout).not.toContain("\x1b[");
  });
});

describe("wantsColour", () => {
  it.each([
    ["a terminal", true, {}, true],
    ["a pipe", undefined, {}, false],
    ["a terminal with NO_COLOR", true, { NO_COLOR: "1" }, false],
    ["a pipe with FORCE_COLOR", false, { FORCE_COLOR: "1" }, true],
    ["a pipe with FORCE_COLOR=0", false, { FORCE_COLOR: "0" }, false],
  ])("colours %s: %s", (_, isTTY, env, colour) => {
    const discard = { write: () => true };
    const io = { stdout: { ...discard, isTTY }, stderr: discard, env, now: () => new Date(0) };
    expect(wantsColour(io)).toBe(colour);
  });
});

describe("aks-image-lifecycle report on the demo fleet", () => {
  const DEMO = join(ROOT, "local", "scenarios", "demo-fleet.json");

  it("covers several subscriptions, Azure Linux 2 and 3, Ubuntu 22.04, Windows 2019 and 2022, several versions", async () => {
    const run = await cli(["report", "--fleet", DEMO, "--now", "2026-11-26", "--format", "json"]);
    expect(run.code).toBe(0);
    const { pools } = JSON.parse(run.stdout) as ReportJson;
    expect(pools).toHaveLength(17);
    const subscriptions = new Set(pools.map((pool) => pool.clusterId.split("/")[2]));
    expect(subscriptions.size).toBe(3);
    expect([...new Set(pools.map((pool) => pool.effectiveOs))]).toEqual(
      expect.arrayContaining(["AzureLinux2", "AzureLinux3", "Ubuntu2204", "Windows2019", "Windows2022"]),
    );
    const minors = new Set(pools.map((pool) => pool.kubernetesVersion.split(".").slice(0, 2).join(".")));
    expect(minors.size).toBeGreaterThanOrEqual(4);
  });

  it("defaults --now to the real date", async () => {
    const run = await cli(["report", "--fleet", DEMO, "--format", "json"]);
    const generatedAt = Date.parse((JSON.parse(run.stdout) as ReportJson).generatedAt);
    expect(Math.abs(generatedAt - Date.now())).toBeLessThan(5 * 60_000);
  });
});

describe("aks-image-lifecycle bad input", () => {
  it("a missing file: names it, exits 1", async () => {
    const missing = join(scratch, "nope.json");
    const run = await cli(["report", "--fleet", missing]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      `aks-image-lifecycle report: ${missing}: cannot read the fleet file: no such file\n`,
    );
  });

  it("invalid JSON: names the file, exits 1", async () => {
    const path = await writeScratch("broken.json", '{"data": [');
    const run = await cli(["report", "--fleet", path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^aks-image-lifecycle report: ${path}: not valid JSON: `));
  });

  it("a resource missing a field: names the file and the field, exits 1", async () => {
    const response = JSON.parse(await readFile(fixture("fleet-resource-graph.json"), "utf8"));
    delete response.data[1].properties.agentPoolProfiles[0].osType;
    const path = await writeScratch("missing-field.json", JSON.stringify(response));
    const run = await cli(["report", "--fleet", path, "--format", "json"]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`${path}: not a usable Resource Graph REST response:`);
    expect(run.stderr).toContain(
      "data[1].properties.agentPoolProfiles[0].osType (cluster legacy-apps-eus2): is missing",
    );
  });

  it("an az aks list cluster missing a field: named as the CLI spells it", async () => {
    const clusters = JSON.parse(await readFile(fixture("fleet-az-aks-list.json"), "utf8"));
    delete clusters[0].agentPoolProfiles[1].vmSize;
    const path = await writeScratch("aks-missing.json", JSON.stringify(clusters));
    const run = await cli(["report", "--fleet", path]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("[0].agentPoolProfiles[1].vmSize (cluster ledger-prod-neu): is missing");
  });

  it("a truncated response still reports, with a warning", async () => {
    const response = JSON.parse(await readFile(fixture("fleet-resource-graph.json"), "utf8"));
    const path = await writeScratch("paged.json", JSON.stringify({ ...response, resultTruncated: "true" }));
    const run = await cli(["report", "--fleet", path, "--format", "json", "--now", "2026-11-26"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*paged.json: the query has more pages/);
    expect((JSON.parse(run.stdout) as ReportJson).pools).toHaveLength(8);
  });

  it.each([
    [["report"], /--fleet FILE is required/],
    [
      ["report", "--fleet", "x.json", "--now", "26/11/2026"],
      /--now: expected a date YYYY-MM-DD, got "26\/11\/2026"/,
    ],
    [["report", "--fleet", "x.json", "--now", "2026-02-30"], /--now: expected a date YYYY-MM-DD/],
    [["report", "--fleet", "x.json", "--format", "xml"], /--format: expected table or json, got "xml"/],
    [["report", "--fleet", "x.json", "--colour"], /Unknown option '--colour'/],
    [["migrate"], /unknown command "migrate"/],
  ])("usage error %j exits 2 with a message", async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it("with no command prints the help and exits 2; --help exits 0", async () => {
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^Usage: aks-image-lifecycle <command>/);
    expect(bare.stdout).toContain("report --fleet FILE [--now YYYY-MM-DD] [--format table|json]");
    expect((await cli(["--help"])).code).toBe(0);
  });
});
