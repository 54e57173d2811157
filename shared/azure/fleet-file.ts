// Reads a fleet from files users already have: a Resource Graph REST response, `az graph query -o json`
// output, or `az aks list -o json`. All three become the domain's Cluster; errors name the file and the
// field as the user's file spells it.

import { readFile } from "node:fs/promises";
import { z } from "zod";
import { type Cluster, MANAGED_CLUSTER_ID, type NodePool } from "../domain/model.ts";

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

const kubernetesVersion = z.string().regex(/^\d+\.\d+(\.\d+)?$/, "expected a Kubernetes version like 1.31.5");
const optionalString = z.string().nullish();
const enabledFlag = z.object({ enabled: z.boolean().nullish() }).nullish();

// Wire casing (Resource Graph and ARM); az aks list files are renamed to it first.
const poolSchema = z.object({
  name: z.string().min(1),
  mode: z.enum(["System", "User", "Gateway"]),
  osType: z.enum(["Linux", "Windows"]),
  osSKU: optionalString,
  orchestratorVersion: kubernetesVersion,
  currentOrchestratorVersion: kubernetesVersion.nullish(),
  nodeImageVersion: optionalString,
  count: z.number().int().min(0),
  minCount: z.number().int().min(0).nullish(),
  maxCount: z.number().int().min(0).nullish(),
  enableAutoScaling: z.boolean().nullish(),
  vmSize: z.string().min(1),
  availabilityZones: z.array(z.string()).nullish(),
  nodeLabels: z.record(z.string(), z.string()).nullish(),
  nodeTaints: z.array(z.string()).nullish(),
  upgradeSettings: z
    .object({
      maxSurge: optionalString,
      maxUnavailable: optionalString,
      drainTimeoutInMinutes: z.number().nullish(),
      nodeSoakDurationInMinutes: z.number().nullish(),
      undrainableNodeBehavior: optionalString,
    })
    .nullish(),
  provisioningState: optionalString,
  powerState: z.object({ code: z.enum(["Running", "Stopped"]) }).nullish(),
  scaleSetPriority: z.enum(["Regular", "Spot"]).nullish(),
  maxPods: z.number().int().nullish(),
  enableFIPS: z.boolean().nullish(),
});

const clusterSchema = z.object({
  id: z.string().regex(MANAGED_CLUSTER_ID, "expected a managedClusters resource id"),
  name: z.string().min(1),
  type: z
    .string()
    .regex(/^microsoft\.containerservice\/managedclusters$/i, "expected a managedClusters resource"),
  location: z.string().min(1),
  resourceGroup: z.string().nullish(),
  subscriptionId: z.string().nullish(),
  properties: z.object({
    kubernetesVersion,
    supportPlan: optionalString,
    agentPoolProfiles: z.array(poolSchema),
    networkProfile: z
      .object({
        networkPlugin: optionalString,
        networkPluginMode: optionalString,
        networkPolicy: optionalString,
        networkDataplane: optionalString,
        outboundType: optionalString,
      })
      .nullish(),
    storageProfile: z
      .object({
        diskCSIDriver: enabledFlag,
        fileCSIDriver: enabledFlag,
        blobCSIDriver: enabledFlag,
        snapshotController: enabledFlag,
      })
      .nullish(),
    autoScalerProfile: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).nullable())
      .nullish(),
  }),
});

type WireCluster = z.infer<typeof clusterSchema>;
type WirePool = z.infer<typeof poolSchema>;

/** Drops nulls and undefined so optional model fields are absent, not null. */
function defined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

function toPool(wire: WirePool): NodePool {
  return {
    ...defined({
      osSku: wire.osSKU,
      currentOrchestratorVersion: wire.currentOrchestratorVersion,
      nodeImageVersion: wire.nodeImageVersion,
      minCount: wire.minCount,
      maxCount: wire.maxCount,
      provisioningState: wire.provisioningState,
      powerState: wire.powerState?.code,
      scaleSetPriority: wire.scaleSetPriority,
      maxPods: wire.maxPods,
      enableFips: wire.enableFIPS,
    }),
    name: wire.name,
    mode: wire.mode,
    osType: wire.osType,
    orchestratorVersion: wire.orchestratorVersion,
    count: wire.count,
    enableAutoScaling: wire.enableAutoScaling ?? false,
    vmSize: wire.vmSize,
    availabilityZones: wire.availabilityZones ?? [],
    nodeLabels: wire.nodeLabels ?? {},
    nodeTaints: wire.nodeTaints ?? [],
    upgradeSettings: defined(wire.upgradeSettings ?? {}),
  };
}

function toCluster(wire: WireCluster): Cluster {
  const [, subscriptionId, resourceGroup] = MANAGED_CLUSTER_ID.exec(wire.id) as RegExpExecArray;
  const { properties } = wire;
  const storage = properties.storageProfile ?? {};
  return {
    id: wire.id,
    name: wire.name,
    subscriptionId: wire.subscriptionId ?? (subscriptionId as string),
    resourceGroup: wire.resourceGroup ?? (resourceGroup as string),
    location: wire.location,
    kubernetesVersion: properties.kubernetesVersion,
    ...defined({ supportPlan: properties.supportPlan }),
    networkProfile: defined(properties.networkProfile ?? {}),
    storageProfile: defined({
      diskCSIDriver: storage.diskCSIDriver?.enabled,
      fileCSIDriver: storage.fileCSIDriver?.enabled,
      blobCSIDriver: storage.blobCSIDriver?.enabled,
      snapshotController: storage.snapshotController?.enabled,
    }),
    autoScalerProfile: Object.fromEntries(
      Object.entries(properties.autoScalerProfile ?? {}).flatMap(([key, value]) =>
        value === null ? [] : [[key, String(value)]],
      ),
    ),
    nodePools: properties.agentPoolProfiles.map(toPool),
  };
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
const CLI_CLUSTER_TOP_LEVEL = new Set(["id", "name", "type", "location", "resourceGroup", "subscriptionId"]);

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

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === "number" ? `${text}[${segment}]` : `${text ? `${text}.` : ""}${String(segment)}`,
    prefix,
  );
}

const MAX_REPORTED_PROBLEMS = 10;

const issueMessages: z.core.$ZodErrorMap<z.core.$ZodIssue> = (issue) => {
  if (issue.input === undefined) return "is missing";
  if (issue.code === "invalid_value") {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
    return `expected one of ${allowed}, got ${JSON.stringify(issue.input)}`;
  }
  return undefined;
};

/**
 * One managedClusters resource in the wire shape (a Resource Graph objectArray row, an ARM GET) as the
 * model, or every problem with the field's path as the row spells it.
 */
export function readClusterResource(
  row: unknown,
): { ok: true; cluster: Cluster } | { ok: false; problems: string[] } {
  const result = clusterSchema.safeParse(row, { error: issueMessages });
  if (result.success) return { ok: true, cluster: toCluster(result.data) };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => `${formatPath("", issue.path)}: ${issue.message}`),
  };
}

function parseClusters(rows: readonly unknown[], file: string, format: FleetFileFormat, rowsPath: string) {
  const fromCli = format === "az-aks-list";
  const problems: string[] = [];
  const clusters: Cluster[] = [];
  rows.forEach((row, index) => {
    const result = clusterSchema.safeParse(fromCli ? cliClusterToWire(row) : row, { error: issueMessages });
    if (result.success) {
      clusters.push(toCluster(result.data));
      return;
    }
    const name = isRecord(row) && typeof row.name === "string" ? ` (cluster ${row.name})` : "";
    for (const issue of result.error.issues) {
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
