// Reads a fleet from files users already have: a Resource Graph REST response, `az graph query -o json`
// output, or `az aks list -o json`. All three become the domain's Cluster; errors name the file and the
// field as the user's file spells it.

import { readFile } from "node:fs/promises";
import type { Cluster } from "../../shared/domain/fleet/model.ts";
import { formatPath, parseClusterResource } from "../../shared/formats/managed-cluster.ts";

export type FleetFileFormat = "resource-graph" | "az-graph-query" | "az-aks-list";

export const FORMAT_NAMES: Readonly<Record<FleetFileFormat, string>> = {
  "resource-graph": "Resource Graph REST response",
  "az-graph-query": "az graph query output",
  "az-aks-list": "az aks list output",
};

export interface FleetFile {
  format: FleetFileFormat;
  clusters: Cluster[];
  /** Things the report should say but that do not stop it (a truncated response, no clusters). */
  warnings: string[];
}

export class FleetFileError extends Error {
  override name = "FleetFileError";
}

// az aks list: the CLI's casing for the wire names it changes.
const CLI_POOL_KEYS: Readonly<Record<string, string>> = {
  osSku: "osSKU",
  osDiskSizeGb: "osDiskSizeGB",
  enableFips: "enableFIPS",
  vnetSubnetId: "vnetSubnetID",
  podSubnetId: "podSubnetID",
};
const CLI_STORAGE_KEYS: Readonly<Record<string, string>> = {
  diskCsiDriver: "diskCSIDriver",
  fileCsiDriver: "fileCSIDriver",
  blobCsiDriver: "blobCSIDriver",
};
const WIRE_TO_CLI: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries({ ...CLI_POOL_KEYS, ...CLI_STORAGE_KEYS }).map(([cli, wire]) => [wire, cli]),
);

/** az aks list keeps these at the top of a cluster; everything else is `properties` on the wire. */
const CLI_CLUSTER_TOP_LEVEL = new Set([
  "id",
  "name",
  "type",
  "location",
  "resourceGroup",
  "subscriptionId",
  "tags",
]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function renameKeys(value: unknown, names: Readonly<Record<string, string>>): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [names[key] ?? key, v]));
}

/** The CLI prints autoscaler settings camelCase; the wire (and the model) keep them kebab-case. */
function kebabCase(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function cliClusterToWire(cli: unknown): unknown {
  if (!isRecord(cli)) return cli;
  const entries = Object.entries(cli);
  const properties = Object.fromEntries(entries.filter(([key]) => !CLI_CLUSTER_TOP_LEVEL.has(key)));
  const { agentPoolProfiles: pools, autoScalerProfile: autoscaler } = properties;
  return {
    ...Object.fromEntries(entries.filter(([key]) => CLI_CLUSTER_TOP_LEVEL.has(key))),
    properties: {
      ...properties,
      ...(Array.isArray(pools) && {
        agentPoolProfiles: pools.map((pool) => renameKeys(pool, CLI_POOL_KEYS)),
      }),
      storageProfile: renameKeys(properties.storageProfile, CLI_STORAGE_KEYS),
      ...(isRecord(autoscaler) && {
        autoScalerProfile: Object.fromEntries(Object.entries(autoscaler).map(([k, v]) => [kebabCase(k), v])),
      }),
    },
  };
}

/** A wire path back in the CLI's terms: no `properties` level, the CLI's casing. */
function cliPath(path: readonly PropertyKey[]): PropertyKey[] {
  return path
    .filter((segment, index) => !(index === 0 && segment === "properties"))
    .map((segment) => (typeof segment === "string" ? (WIRE_TO_CLI[segment] ?? segment) : segment));
}

const MAX_REPORTED_PROBLEMS = 10;

function parseClusters(rows: readonly unknown[], file: string, format: FleetFileFormat, rowsPath: string) {
  const fromCli = format === "az-aks-list";
  const problems: string[] = [];
  const clusters: Cluster[] = [];
  rows.forEach((row, index) => {
    const result = parseClusterResource(fromCli ? cliClusterToWire(row) : row);
    if (result.ok) {
      clusters.push(result.cluster);
      return;
    }
    const name = isRecord(row) && typeof row.name === "string" ? ` (cluster ${row.name})` : "";
    for (const issue of result.problems) {
      const path = fromCli ? cliPath(issue.path) : issue.path;
      problems.push(`${formatPath(`${rowsPath}[${index}]`, path)}${name}: ${issue.message}`);
    }
  });
  if (problems.length) {
    const shown = problems.slice(0, MAX_REPORTED_PROBLEMS);
    const more = problems.length > shown.length ? [`... and ${problems.length - shown.length} more`] : [];
    const lines = [...shown, ...more].map((problem) => `  ${problem}`);
    throw new FleetFileError([`${file}: not a usable ${FORMAT_NAMES[format]}:`, ...lines].join("\n"));
  }
  return clusters;
}

function hasMorePages(response: Record<string, unknown>, format: FleetFileFormat): boolean {
  if (format === "az-graph-query") return response.skip_token !== undefined && response.skip_token !== null;
  return Boolean(response.$skipToken) || String(response.resultTruncated) === "true";
}

/** Parses the text of a fleet file; `file` names it in messages. */
export function parseFleetFile(text: string, file: string): FleetFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FleetFileError(`${file}: not valid JSON: ${(error as Error).message}`);
  }

  const warnings: string[] = [];
  let format: FleetFileFormat;
  let rows: readonly unknown[];
  let rowsPath = "";
  if (isRecord(json) && "data" in json) {
    const { data } = json;
    format = "total_records" in json || "skip_token" in json ? "az-graph-query" : "resource-graph";
    if (isRecord(data) && "columns" in data && "rows" in data) {
      throw new FleetFileError(
        `${file}: data is in resultFormat "table"; query Resource Graph with options.resultFormat "objectArray"`,
      );
    }
    if (!Array.isArray(data))
      throw new FleetFileError(`${file}: data: expected an array of managedClusters rows`);
    rows = data;
    rowsPath = "data";
    if (hasMorePages(json, format)) {
      warnings.push(`${file}: the query has more pages than this file holds ($skipToken): pools are missing`);
    }
  } else if (Array.isArray(json)) {
    const first: unknown = json[0];
    format = isRecord(first) && "properties" in first ? "az-graph-query" : "az-aks-list";
    rows = json;
  } else {
    throw new FleetFileError(
      `${file}: expected a Resource Graph response (an object with "data"), az graph query output, ` +
        "or az aks list output (an array of clusters)",
    );
  }

  const clusters = parseClusters(rows, file, format, rowsPath);
  if (clusters.length === 0) warnings.push(`${file}: lists no clusters`);
  return { format, clusters, warnings };
}

export async function readFleetFile(path: string): Promise<FleetFile> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : (error as Error).message;
    throw new FleetFileError(`${path}: cannot read the fleet file: ${why}`);
  }
  return parseFleetFile(text, path);
}
