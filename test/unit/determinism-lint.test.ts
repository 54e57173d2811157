// The determinism rule (biome.json overrides, lint/orchestrator-determinism.grit) run by the real Biome
// on sample files in a scratch copy of the config, so other work in the tree never sees the samples.

import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BIOME = fileURLToPath(import.meta.resolve("@biomejs/biome/bin/biome"));

const SAMPLE = [
  'import { readFileSync } from "node:fs";',
  "export const a = Date.now();",
  "export const b = new Date();",
  "export const c = new Date;",
  "export const d = Date.now;",
  "export const e = globalThis.Date.now();",
  "export const f = new globalThis.Date();",
  "export const g = Math.random();",
  "export const h = globalThis.Math.random();",
  'export const i = () => import("node:os");',
  "export const j = process.env.SCAN_CONCURRENCY;",
  'export const k = () => fetch("https://management.azure.com", { method: "POST" });',
  "export const l = setTimeout(() => undefined, 1_000);",
  "export const m = crypto.randomUUID();",
  "export const n = globalThis.process.env;",
  "export const o = performance.now();",
  'export const fine = [new Date(0), new Date("2026-03-15"), Date.UTC(2026, 2, 15), Math.max(1, 2), readFileSync];',
  'export const alsoFine = (context: { df: { callActivity(name: string): unknown } }) => context.df.callActivity("fetch");',
  "",
].join("\n");
const FORBIDDEN_LINES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

const RULED = [
  "orchestrations/pool-migration.orchestrator.ts",
  "orchestrations/steps/drain-pool.ts",
  "orchestrations/contracts/instance-ids.ts",
  "shared/domain/plan.ts",
];
const FREE = [
  "orchestrations/activities/evict-pod.activity.ts",
  "orchestrations/contracts.ts",
  "shared/kube/x.ts",
];

interface Diagnostic {
  category: string;
  location: { path: string; start: { line: number } };
}

let scratch: string;
let diagnostics: Diagnostic[];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "determinism-lint-"));
  await cp(join(ROOT, "biome.json"), join(scratch, "biome.json"));
  await cp(join(ROOT, "lint"), join(scratch, "lint"), { recursive: true });
  for (const file of [...RULED, ...FREE]) {
    await mkdir(dirname(join(scratch, file)), { recursive: true });
    await writeFile(join(scratch, file), SAMPLE);
  }
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [BIOME, "lint", "--vcs-enabled=false", "--reporter=json", "--max-diagnostics=500", "."],
      { cwd: scratch },
      // Biome exits 1 when it finds errors, which is what this test expects.
      (error, out) => (out.trim() ? resolve(out) : reject(error ?? new Error("biome printed nothing"))),
    );
  });
  const report = JSON.parse(stdout.slice(stdout.indexOf("{"))) as { diagnostics: Diagnostic[] };
  diagnostics = report.diagnostics.filter(
    (d) => d.category === "plugin" || d.category === "lint/correctness/noNodejsModules",
  );
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const flaggedLines = (file: string) =>
  [...new Set(diagnostics.filter((d) => d.location.path === file).map((d) => d.location.start.line))].sort(
    (a, b) => a - b,
  );

describe("the determinism lint rule", () => {
  it.each(RULED)(
    "in %s forbids the clock, randomness, the environment, I/O and Node built-ins in every spelling, nothing else",
    (file) => {
      expect(flaggedLines(file)).toEqual(FORBIDDEN_LINES);
    },
  );

  it.each(FREE)("leaves %s alone", (file) => {
    expect(flaggedLines(file)).toEqual([]);
  });
});
