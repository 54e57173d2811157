// Reads a scenario (YAML or an object), validates its shape with zod and its cross-references by hand,
// and reports every problem with the path of the bad field.

import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { compareVersions, effectiveOsSku, isWindowsSku, skuOfImage } from "./os-images.ts";
import { isValidPoolName, maxPoolNameLength } from "./pool-rules.ts";
import { type ClusterSpec, type FaultSpec, type Scenario, scenarioSchema } from "./schema.ts";
import { allDaemonSetNames } from "./system-components.ts";
import { VM_SIZES } from "./vm-sizes.ts";

export class ScenarioError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(`${source} is not a valid scenario:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ScenarioError";
    this.problems = problems;
  }
}

type Path = ReadonlyArray<PropertyKey>;

export function formatPath(path: Path): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(root)" : out;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown field`).join("\n  - ");
  }
  if (issue.code === "invalid_union" && "note" in issue === false && issue.errors.length > 0) {
    const first = issue.errors.flat()[0];
    if (first && first.path.length > 0)
      return describeIssue({ ...first, path: [...issue.path, ...first.path] });
  }
  // A record key that fails its own schema: say why, not just that it is invalid.
  const keyProblem = issue.code === "invalid_key" ? issue.issues[0] : undefined;
  if (keyProblem) return `${formatPath(issue.path)}: ${keyProblem.message}`;
  return `${formatPath(issue.path)}: ${issue.message}`;
}

export function parseScenario(input: unknown, source = "scenario"): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (!result.success) throw new ScenarioError(source, result.error.issues.map(describeIssue));
  const problems = crossCheck(result.data);
  if (problems.length > 0) throw new ScenarioError(source, problems);
  return result.data;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ScenarioError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new ScenarioError(
      file,
      document.errors.map((e) => e.message),
    );
  }
  return parseScenario(document.toJS(), file);
}

function duplicates<T>(items: readonly T[], key: (item: T) => string): Array<[index: number, key: string]> {
  const seen = new Set<string>();
  const out: Array<[number, string]> = [];
  items.forEach((item, index) => {
    const k = key(item);
    if (seen.has(k)) out.push([index, k]);
    seen.add(k);
  });
  return out;
}

function crossCheck(scenario: Scenario): string[] {
  const problems: string[] = [];
  const report = (path: Path, message: string) => problems.push(`${formatPath(path)}: ${message}`);
  const vmSizes = { ...VM_SIZES, ...scenario.vmSizes };

  for (const [i, id] of duplicates(scenario.subscriptions, (s) => s.id.toLowerCase())) {
    report(["subscriptions", i, "id"], `subscription ${id} is listed twice`);
  }
  const allClusters = scenario.subscriptions.flatMap((s, si) => s.clusters.map((c, ci) => ({ c, si, ci })));
  const clusterNames = new Set<string>();
  for (const { c, si, ci } of allClusters) {
    const at: Path = ["subscriptions", si, "clusters", ci];
    if (clusterNames.has(c.name))
      report([...at, "name"], `cluster name "${c.name}" is used twice (names must be unique in a scenario)`);
    clusterNames.add(c.name);
    checkCluster(c, at, vmSizes, report);
  }
  scenario.faults.forEach((fault, fi) => {
    if (fault.kind === "servicebus-slow-send") {
      const problem = unknownServiceBusEntity(scenario, fault.entity);
      if (problem) report(["faults", fi, "entity"], problem);
      return;
    }
    checkFault(
      fault,
      ["faults", fi],
      allClusters.map((x) => x.c),
      report,
    );
  });
  return problems;
}

function checkCluster(
  c: ClusterSpec,
  at: Path,
  vmSizes: Record<string, unknown>,
  report: (path: Path, message: string) => void,
): void {
  for (const [i, name] of duplicates(c.pools, (p) => p.name))
    report([...at, "pools", i, "name"], `pool "${name}" is defined twice`);
  if (!c.pools.some((p) => p.mode === "System"))
    report([...at, "pools"], "a cluster needs at least one pool with mode System");
  c.pools.forEach((p, pi) => {
    const pat: Path = [...at, "pools", pi];
    if (!isValidPoolName(p.name, p.osType)) {
      report(
        [...pat, "name"],
        `"${p.name}" is not a valid ${p.osType} pool name: lowercase letters and digits, starting with a letter, at most ${maxPoolNameLength(p.osType)} characters`,
      );
    }
    if (!(p.vmSize in vmSizes)) {
      report(
        [...pat, "vmSize"],
        `unknown VM size "${p.vmSize}"; add it under vmSizes or use one of ${Object.keys(vmSizes).join(", ")}`,
      );
    }
    if (p.mode === "System" && p.osType === "Windows") report([...pat, "mode"], "System pools must be Linux");
    const version = p.orchestratorVersion ?? c.kubernetesVersion;
    if (compareVersions(version, c.kubernetesVersion) > 0) {
      report(
        [...pat, "orchestratorVersion"],
        `${version} is newer than the control plane (${c.kubernetesVersion})`,
      );
    }
    if (p.osSku) {
      const windowsSku = isWindowsSku(effectiveOsSku(p.osSku, version));
      if (windowsSku !== (p.osType === "Windows"))
        report([...pat, "osSku"], `${p.osSku} is not an ${p.osType} SKU`);
    }
    if (p.nodeImageVersion) {
      const family = skuOfImage(p.nodeImageVersion);
      if (!family)
        report([...pat, "nodeImageVersion"], `unknown node image family in "${p.nodeImageVersion}"`);
      else if (isWindowsSku(family) !== (p.osType === "Windows")) {
        report([...pat, "nodeImageVersion"], `${p.nodeImageVersion} is not an ${p.osType} image`);
      }
    }
    if (p.enableAutoScaling) {
      if (p.minCount === undefined || p.maxCount === undefined) {
        report([...pat, "enableAutoScaling"], "autoscaling pools need minCount and maxCount");
      } else if (p.count < p.minCount || p.count > p.maxCount) {
        report(
          [...pat, "count"],
          `count ${p.count} is outside minCount..maxCount (${p.minCount}..${p.maxCount})`,
        );
      }
    }
  });
  const w = c.workloads;
  const kinds = ["deployments", "statefulSets", "daemonSets", "kernelAgents", "pods"] as const;
  for (const kind of kinds) {
    const items: ReadonlyArray<{ name: string; namespace: string }> = w[kind];
    for (const [i, key] of duplicates(items, (x) => `${x.namespace}/${x.name}`)) {
      report([...at, "workloads", kind, i, "name"], `${key} is defined twice`);
    }
  }
  for (const [i, d] of w.kernelAgents.entries()) {
    if (w.daemonSets.some((x) => x.name === d.name && x.namespace === d.namespace)) {
      report([...at, "workloads", "kernelAgents", i, "name"], `${d.namespace}/${d.name} is also a daemonSet`);
    }
  }
}

/** Why a Service Bus fault cannot apply, if it cannot: the scenario's namespace has no such queue or topic. */
export function unknownServiceBusEntity(scenario: Scenario, entity: string): string | undefined {
  const sendable = [...(scenario.serviceBus?.queues ?? []), ...(scenario.serviceBus?.topics ?? [])];
  // Service Bus matches entity names without regard to case.
  return sendable.some((definition) => definition.name.toLowerCase() === entity.toLowerCase())
    ? undefined
    : `no queue or topic named "${entity}" in this scenario's serviceBus`;
}

function checkFault(
  fault: FaultSpec,
  at: Path,
  clusters: readonly ClusterSpec[],
  report: (path: Path, message: string) => void,
): void {
  if (!("cluster" in fault)) return;
  const cluster = clusters.find((c) => c.name === fault.cluster);
  if (!cluster) {
    report([...at, "cluster"], `no cluster named "${fault.cluster}" in this scenario`);
    return;
  }
  if (fault.kind === "node-not-ready" && !cluster.pools.some((p) => p.name === fault.pool)) {
    report([...at, "pool"], `cluster ${cluster.name} has no pool "${fault.pool}"`);
  }
  if (
    fault.kind === "daemonset-crash" &&
    !allDaemonSetNames(cluster).has(`${fault.namespace}/${fault.daemonSet}`)
  ) {
    report(
      [...at, "daemonSet"],
      `cluster ${cluster.name} has no daemonSet ${fault.namespace}/${fault.daemonSet}`,
    );
  }
}
