// Azure's managedClusters resource as JSON (an ARM GET, a Resource Graph objectArray row, a CLI file) read
// into the domain's Cluster, and an agentPools resource into its NodePool; every problem names the field
// as the row spells it. A format, not an
// adapter: the Resource Graph adapter and the CLI's fleet file reader both read clusters through it.

import { z } from "zod";
import { type Cluster, MANAGED_CLUSTER_ID, type NodePool } from "../domain/fleet/model.ts";

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
  tags: z.record(z.string(), z.string()).nullish(),
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
  vnetSubnetID: optionalString,
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
  tags: z.record(z.string(), z.string()).nullish(),
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

const agentPoolResourceSchema = z.object({
  name: z.string().min(1),
  properties: poolSchema.omit({ name: true }),
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
      vnetSubnetId: wire.vnetSubnetID,
      enableFips: wire.enableFIPS,
      tags: wire.tags,
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
    ...(wire.tags && Object.keys(wire.tags).length > 0 && { tags: wire.tags }),
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

export function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === "number" ? `${text}[${segment}]` : `${text ? `${text}.` : ""}${String(segment)}`,
    prefix,
  );
}

const issueMessages: z.core.$ZodErrorMap<z.core.$ZodIssue> = (issue) => {
  if (issue.input === undefined) return "is missing";
  if (issue.code === "invalid_value") {
    const allowed = issue.values.map((v) => JSON.stringify(v)).join(", ");
    return `expected one of ${allowed}, got ${JSON.stringify(issue.input)}`;
  }
  return undefined;
};

export interface ResourceProblem {
  path: readonly PropertyKey[];
  message: string;
}

/** One managedClusters resource in the wire shape as the model, or every problem with its field's path. */
export function parseClusterResource(
  row: unknown,
): { ok: true; cluster: Cluster } | { ok: false; problems: ResourceProblem[] } {
  const result = clusterSchema.safeParse(row, { error: issueMessages });
  if (result.success) return { ok: true, cluster: toCluster(result.data) };
  return { ok: false, problems: result.error.issues.map(({ path, message }) => ({ path, message })) };
}

/** An agentPools resource (an ARM GET of one pool: name and properties) as the model. */
export function readAgentPoolResource(
  resource: unknown,
): { ok: true; pool: NodePool } | { ok: false; problems: string[] } {
  const result = agentPoolResourceSchema.safeParse(resource, { error: issueMessages });
  if (result.success)
    return { ok: true, pool: toPool({ ...result.data.properties, name: result.data.name }) };
  return { ok: false, problems: problemLines(result.error.issues) };
}

function problemLines(problems: readonly ResourceProblem[]): string[] {
  return problems.map(({ path, message }) => `${formatPath("", path)}: ${message}`);
}

/** As parseClusterResource, each problem as "path: message". */
export function readClusterResource(
  row: unknown,
): { ok: true; cluster: Cluster } | { ok: false; problems: string[] } {
  const result = parseClusterResource(row);
  if (result.ok) return result;
  return { ok: false, problems: problemLines(result.problems) };
}
