// The project's dependency rules (DESIGN.md, README's layout) as code: which file may import which.
// Imports are read from the text (static, re-exports, side-effect and dynamic imports, type-only ones
// included: a type import ties a module to another just the same), resolved to paths from the root.

import { dirname, join, posix } from "node:path";

export interface SourceFile {
  /** From the repository's root, with forward slashes. */
  path: string;
  text: string;
}

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

interface Rule {
  name: string;
  /** Whether `file` importing `target` (a path from the root, or a package name) breaks the rule. */
  breaks(file: string, target: string): boolean;
}

const STATIC_IMPORT = /^\s*(?:import|export)\b[^;"'`]*?\bfrom\s*(["'])([^"'\n]+)\1/gm;
const SIDE_EFFECT_IMPORT = /^\s*import\s*(["'])([^"'\n]+)\1/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*(["'])([^"'\n]+)\1\s*\)/g;

/** What a file imports: paths from the root for relative specifiers, package names for the rest. */
export function importsOf(file: SourceFile): string[] {
  const specifiers = [
    ...[...file.text.matchAll(STATIC_IMPORT)].map((match) => match[2] as string),
    ...[...file.text.matchAll(SIDE_EFFECT_IMPORT)].map((match) => match[2] as string),
    ...file.text
      .split("\n")
      .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
      .flatMap((line) => [...line.matchAll(DYNAMIC_IMPORT)].map((match) => match[2] as string)),
  ];
  return specifiers.map((specifier) =>
    specifier.startsWith(".") ? posix.normalize(join(dirname(file.path), specifier)) : specifier,
  );
}

const under =
  (...folders: string[]) =>
  (path: string): boolean =>
    folders.some((folder) => path.startsWith(folder));

const isProduct = under("functions/", "orchestrations/", "shared/");
const isDomain = under("shared/domain/");
/** The drain rules and the Kubernetes facts they read, shared by the migration risk and the node drain. */
const isDrainRule = under("shared/domain/drain/", "shared/domain/workloads/");
const isContract = (path: string) =>
  path === "orchestrations/contracts.ts" || path.startsWith("orchestrations/contracts/");
const isOrchestratorCode = (path: string) =>
  (path.startsWith("orchestrations/") && path.endsWith(".orchestrator.ts")) ||
  path.startsWith("orchestrations/steps/");
/** The composition root builds adapters; a composition/ folder may take its place. */
const isCompositionRoot = under("shared/composition.ts", "shared/composition/");
const ADAPTER_FAMILIES = ["shared/azure/", "shared/kube/", "shared/sqlite/", "shared/sinks/"];
const adapterFamily = (path: string) => ADAPTER_FAMILIES.find((family) => path.startsWith(family));
const isUseCase = under(
  "shared/inventory/",
  "shared/notices/",
  "shared/report/",
  "shared/alerts/",
  "shared/migration/",
  "shared/rollout/",
);
const ORCHESTRATOR_PACKAGES = new Set(["durable-functions", "@azure/functions"]);
/** What only adapters (and the edges: functions, bin) may import. */
const OUTSIDE_WORLD = /^(node:|@azure\/|@kubernetes\/)/;

export const RULES: readonly Rule[] = [
  {
    name: "functions/ -> orchestrations/ -> shared/: shared/ imports neither, orchestrations/ no function",
    breaks: (file, target) =>
      (file.startsWith("shared/") && under("orchestrations/", "functions/")(target)) ||
      (file.startsWith("orchestrations/") && target.startsWith("functions/")),
  },
  {
    name: "shared/domain/ imports only shared/domain/ (no package, no node: module)",
    breaks: (file, target) => isDomain(file) && !isDomain(target),
  },
  {
    name: "the drain rules (shared/domain/drain/, workloads/) do not import the migration risk (shared/domain/risk/)",
    breaks: (file, target) => isDrainRule(file) && target.startsWith("shared/domain/risk/"),
  },
  {
    name: "contracts import only the domain and each other",
    breaks: (file, target) => isContract(file) && !isDomain(target) && !isContract(target),
  },
  {
    name: "orchestrators and steps import only contracts, steps, the domain and durable-functions",
    breaks: (file, target) =>
      isOrchestratorCode(file) &&
      !isContract(target) &&
      !target.startsWith("orchestrations/steps/") &&
      !isDomain(target) &&
      !ORCHESTRATOR_PACKAGES.has(target),
  },
  {
    name: "adapters at the edge: only the composition root and their own family import shared/azure, shared/kube, shared/sqlite",
    breaks: (file, target) => {
      const family = adapterFamily(target);
      return family !== undefined && isProduct(file) && !file.startsWith(family) && !isCompositionRoot(file);
    },
  },
  {
    name: "adapters import no use case (shared/inventory, notices, report, alerts)",
    breaks: (file, target) => adapterFamily(file) !== undefined && isUseCase(target),
  },
  {
    name: "use cases reach the outside world only through ports: no Azure or Kubernetes SDK, no Node module",
    breaks: (file, target) => isUseCase(file) && OUTSIDE_WORLD.test(target),
  },
  {
    name: "product code never imports local/ (nor bin/, bench/, test/)",
    breaks: (file, target) => isProduct(file) && under("local/", "bin/", "bench/", "test/")(target),
  },
  {
    name: "local/host and local/sim never import product code (nor bin/)",
    breaks: (file, target) =>
      under("local/host/", "local/sim/")(file) && (isProduct(target) || target.startsWith("bin/")),
  },
];

export function violations(files: readonly SourceFile[]): Violation[] {
  return files.flatMap((file) =>
    importsOf(file).flatMap((target) =>
      RULES.filter((rule) => rule.breaks(file.path, target)).map((rule) => ({
        file: file.path,
        imports: target,
        rule: rule.name,
      })),
    ),
  );
}
