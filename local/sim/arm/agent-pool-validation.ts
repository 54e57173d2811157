// What AKS checks in an agent pool request before it starts anything: known fields and their types,
// then the pool's rules (name, VM size, version against the control plane, osSKU for the OS, mode,
// count and autoscaling bounds, taints, what may not change, the last system pool). A request that
// passes becomes the pool properties to apply.

import type { SimCluster } from "../model/cluster.ts";
import { defaultMaxPods, type PoolProperties, type SimPool } from "../model/pool.ts";
import {
  compareVersions,
  defaultRequestedSku,
  effectiveOsSku,
  isWindowsSku,
  REQUESTED_OS_SKUS,
  type RequestedOsSku,
} from "../scenario/os-images.ts";
import { isValidPoolName, maxPoolNameLength, TAINT_PATTERN } from "../scenario/pool-rules.ts";
import { ArmError, invalidParameter, operationNotAllowed } from "./arm-error.ts";
import { latestNodeImage } from "./arm-resources.ts";
import {
  expectType,
  type Json,
  rejectUnknownFields,
  UNKNOWN_FIELDS_REFUSED_FROM,
} from "./request-validation.ts";

// Known agent pool fields (api-version 2026-06-01): writable ones and those ARM returns read-only.
const POOL_TOP_FIELDS = new Set(["id", "name", "type", "properties", "systemData"]);
const POOL_PROPERTY_FIELDS = new Set(
  (
    "count vmSize osDiskSizeGB osDiskType kubeletDiskType workloadRuntime messageOfTheDay vnetSubnetID podSubnetID " +
    "podIPAllocationMode maxPods osType osSKU maxCount minCount enableAutoScaling scaleDownMode type mode " +
    "orchestratorVersion currentOrchestratorVersion nodeImageVersion upgradeSettings provisioningState powerState " +
    "availabilityZones enableNodePublicIP nodePublicIPPrefixID scaleSetPriority scaleSetEvictionPolicy spotMaxPrice " +
    "tags nodeLabels nodeTaints proximityPlacementGroupID kubeletConfig linuxOSConfig enableEncryptionAtHost " +
    "enableUltraSSD enableFIPS gpuInstanceProfile creationData capacityReservationGroupID hostGroupID networkProfile " +
    "windowsProfile securityProfile gpuProfile gatewayProfile artifactStreamingProfile virtualMachinesProfile " +
    "virtualMachineNodesStatus status localDNSProfile eTag"
  ).split(" "),
);
const UPGRADE_SETTINGS_FIELDS = new Set([
  "maxSurge",
  "maxUnavailable",
  "drainTimeoutInMinutes",
  "nodeSoakDurationInMinutes",
  "undrainableNodeBehavior",
]);
/** Writable fields the twin does not model: kept as sent and echoed back. */
const WRITABLE_EXTRA_FIELDS = [
  "osDiskSizeGB",
  "osDiskType",
  "kubeletDiskType",
  "workloadRuntime",
  "messageOfTheDay",
  "vnetSubnetID",
  "podSubnetID",
  "podIPAllocationMode",
  "scaleDownMode",
  "enableNodePublicIP",
  "nodePublicIPPrefixID",
  "scaleSetEvictionPolicy",
  "spotMaxPrice",
  "proximityPlacementGroupID",
  "kubeletConfig",
  "linuxOSConfig",
  "enableEncryptionAtHost",
  "enableUltraSSD",
  "enableFIPS",
  "gpuInstanceProfile",
  "creationData",
  "capacityReservationGroupID",
  "hostGroupID",
  "networkProfile",
  "windowsProfile",
  "securityProfile",
  "gpuProfile",
  "gatewayProfile",
  "artifactStreamingProfile",
  "localDNSProfile",
];

/** A pool PUT's body as AKS decodes it; returns its properties. */
export function checkPoolBody(body: Json, apiVersion: string): Json {
  const properties = (body.properties ?? {}) as Json;
  expectType(body.properties, "object", "AgentPool.properties");
  rejectUnknownFields(apiVersion, [
    [body, POOL_TOP_FIELDS],
    [properties, POOL_PROPERTY_FIELDS],
    [properties.upgradeSettings, UPGRADE_SETTINGS_FIELDS],
  ]);
  checkPropertyTypes(properties);
  return properties;
}

function checkPropertyTypes(p: Json): void {
  expectType(p.count, "number", "ManagedClusterAgentPoolProfileProperties.count");
  expectType(p.vmSize, "string", "ManagedClusterAgentPoolProfileProperties.vmSize");
  expectType(p.osType, "string", "ManagedClusterAgentPoolProfileProperties.osType");
  expectType(p.osSKU, "string", "ManagedClusterAgentPoolProfileProperties.osSKU");
  expectType(p.mode, "string", "ManagedClusterAgentPoolProfileProperties.mode");
  expectType(p.orchestratorVersion, "string", "ManagedClusterAgentPoolProfileProperties.orchestratorVersion");
  expectType(p.enableAutoScaling, "boolean", "ManagedClusterAgentPoolProfileProperties.enableAutoScaling");
  expectType(p.minCount, "number", "ManagedClusterAgentPoolProfileProperties.minCount");
  expectType(p.maxCount, "number", "ManagedClusterAgentPoolProfileProperties.maxCount");
  expectType(p.maxPods, "number", "ManagedClusterAgentPoolProfileProperties.maxPods");
  expectType(p.nodeLabels, "object", "ManagedClusterAgentPoolProfileProperties.nodeLabels");
  expectType(p.nodeTaints, "array", "ManagedClusterAgentPoolProfileProperties.nodeTaints");
  expectType(p.availabilityZones, "array", "ManagedClusterAgentPoolProfileProperties.availabilityZones");
  expectType(p.upgradeSettings, "object", "ManagedClusterAgentPoolProfileProperties.upgradeSettings");
}

/** The properties of a pool to create from a PUT's properties, defaulted as AKS does. */
export function newPoolProperties(cluster: SimCluster, name: string, p: Json): PoolProperties {
  const osType = (p.osType as string | undefined) ?? "Linux";
  if (osType !== "Linux" && osType !== "Windows")
    throw invalidParameter(
      "properties.osType",
      `The value of parameter osType '${osType}' is invalid. Allowed values are Linux and Windows.`,
    );
  if (!isValidPoolName(name, osType)) {
    throw invalidParameter(
      "agentPoolName",
      `Agent Pool Name '${name}' is invalid: it must start with a lowercase letter and contain only lowercase letters and numbers, at most ${maxPoolNameLength(osType)} characters for ${osType} pools. See https://aka.ms/aks-naming-rules for more details.`,
    );
  }
  const vmSize = p.vmSize as string | undefined;
  if (!vmSize)
    throw invalidParameter(
      "properties.vmSize",
      "The value of parameter agentPoolProfile.vmSize is required.",
    );
  if (!(vmSize in cluster.ctx.vmSizes)) {
    throw invalidParameter(
      "properties.vmSize",
      `The VM size of ${vmSize} is not allowed in your subscription in location '${cluster.location}'.`,
    );
  }
  const version = (p.orchestratorVersion as string | undefined) ?? cluster.kubernetesVersion;
  checkVersion(cluster, version);
  const osSKU = checkSku(
    (p.osSKU as string | undefined) ?? defaultRequestedSku(osType, version),
    osType,
    version,
  );
  const mode = checkMode(p.mode);
  const count = (p.count as number | undefined) ?? 1;
  checkCount(count, mode, p);
  const props: PoolProperties = {
    count,
    vmSize,
    osType,
    osSKU,
    mode,
    orchestratorVersion: version,
    nodeImageVersion: "",
    enableAutoScaling: (p.enableAutoScaling as boolean | undefined) ?? false,
    ...(typeof p.minCount === "number" ? { minCount: p.minCount } : {}),
    ...(typeof p.maxCount === "number" ? { maxCount: p.maxCount } : {}),
    maxPods: (p.maxPods as number | undefined) ?? defaultMaxPods(cluster.spec.networkProfile),
    nodeLabels: { ...((p.nodeLabels as Record<string, string> | undefined) ?? {}) },
    nodeTaints: checkTaints(p.nodeTaints),
    availabilityZones: [...((p.availabilityZones as string[] | undefined) ?? [])],
    upgradeSettings: { ...((p.upgradeSettings as PoolProperties["upgradeSettings"] | undefined) ?? {}) },
    scaleSetPriority:
      ((p.scaleSetPriority as string | undefined) ?? "Regular") === "Spot" ? "Spot" : "Regular",
    ...(p.tags ? { tags: { ...(p.tags as Record<string, string>) } } : {}),
    extra: extraFields(p),
  };
  props.nodeImageVersion = latestNodeImageFor(cluster, props);
  return props;
}

/** An existing pool's properties after a PUT: what it leaves out stays as it is. */
export function updatedPoolProperties(cluster: SimCluster, pool: SimPool, p: Json): PoolProperties {
  const current = pool.props;
  if (p.vmSize !== undefined && p.vmSize !== current.vmSize) {
    throw new ArmError(400, "PropertyChangeNotAllowed", "Changing property 'vmSize' is not allowed.", {
      target: "properties.vmSize",
    });
  }
  if (p.osType !== undefined && p.osType !== current.osType) {
    throw new ArmError(400, "PropertyChangeNotAllowed", "Changing property 'osType' is not allowed.", {
      target: "properties.osType",
    });
  }
  const version = (p.orchestratorVersion as string | undefined) ?? current.orchestratorVersion;
  checkVersion(cluster, version);
  if (compareVersions(version, current.orchestratorVersion) < 0) {
    throw invalidParameter(
      "properties.orchestratorVersion",
      `Downgrading agent pool version from ${current.orchestratorVersion} to ${version} is not allowed.`,
    );
  }
  const osSKU = checkSku((p.osSKU as string | undefined) ?? current.osSKU, current.osType, version);
  const mode = checkMode(p.mode ?? current.mode);
  if (mode !== "System" && isOnlySystemPool(cluster, pool)) {
    throw invalidParameter("properties.mode", "There has to be at least one system agent pool.");
  }
  const count = (p.count as number | undefined) ?? current.count;
  const enableAutoScaling = (p.enableAutoScaling as boolean | undefined) ?? current.enableAutoScaling;
  // Left out keeps the bound; null (how clients disable the autoscaler) clears it.
  const minCount = p.minCount === null ? undefined : ((p.minCount as number | undefined) ?? current.minCount);
  const maxCount = p.maxCount === null ? undefined : ((p.maxCount as number | undefined) ?? current.maxCount);
  checkCount(count, mode, { enableAutoScaling, minCount, maxCount });
  const next: PoolProperties = {
    ...current,
    count,
    osSKU,
    mode,
    orchestratorVersion: version,
    enableAutoScaling,
    minCount,
    maxCount,
    nodeLabels:
      p.nodeLabels !== undefined ? { ...(p.nodeLabels as Record<string, string>) } : current.nodeLabels,
    nodeTaints: p.nodeTaints !== undefined ? checkTaints(p.nodeTaints) : current.nodeTaints,
    upgradeSettings:
      p.upgradeSettings !== undefined
        ? { ...(p.upgradeSettings as PoolProperties["upgradeSettings"]) }
        : current.upgradeSettings,
    ...(p.tags !== undefined ? { tags: { ...(p.tags as Record<string, string>) } } : {}),
    extra: { ...current.extra, ...extraFields(p) },
  };
  const versionChanged = version !== current.orchestratorVersion;
  const skuChanged = effectiveOsSku(osSKU, version) !== pool.effectiveSku;
  if (versionChanged || skuChanged || osSKU !== current.osSKU)
    next.nodeImageVersion = latestNodeImageFor(cluster, next);
  return next;
}

/** Deleting the cluster's last system pool is refused. */
export function checkPoolDeletable(cluster: SimCluster, pool: SimPool): void {
  if (isOnlySystemPool(cluster, pool))
    throw operationNotAllowed("There has to be at least one system agent pool.");
}

/** A deleteMachines body: the names of machines of the pool, not the last of the last system pool. */
export function checkMachinesToDelete(cluster: SimCluster, pool: SimPool, body: Json): string[] {
  rejectUnknownFields(UNKNOWN_FIELDS_REFUSED_FROM, [[body, new Set(["machineNames"])]]);
  const names = body.machineNames;
  if (!Array.isArray(names) || names.length === 0 || names.some((n) => typeof n !== "string")) {
    throw invalidParameter("machineNames", "machineNames must be a non-empty list of machine names.");
  }
  const unknown = names.filter((n) => !pool.machineByArmName(n as string));
  if (unknown.length > 0)
    throw invalidParameter(
      "machineNames",
      `Machines [${unknown.join(", ")}] were not found in agent pool '${pool.name}'.`,
    );
  if (isOnlySystemPool(cluster, pool) && pool.liveMachines().length - names.length < 1)
    throw operationNotAllowed("There has to be at least one node in a system agent pool.");
  return names as string[];
}

function isOnlySystemPool(cluster: SimCluster, pool: SimPool): boolean {
  return (
    pool.props.mode === "System" &&
    [...cluster.pools.values()].filter((p) => p.props.mode === "System").length === 1
  );
}

function checkVersion(cluster: SimCluster, version: string): void {
  if (!/^\d+\.\d+(\.\d+)?$/.test(version))
    throw invalidParameter(
      "properties.orchestratorVersion",
      `Version ${version} is not a valid Kubernetes version.`,
    );
  if (compareVersions(version, cluster.kubernetesVersion) > 0) {
    throw new ArmError(
      400,
      "NodePoolMcVersionIncompatible",
      `Node pool version ${version} and control plane version ${cluster.kubernetesVersion} are incompatible. Minor version of node pool version ${version.split(".")[1]} is bigger than control plane version ${cluster.kubernetesVersion.split(".")[1]}.`,
    );
  }
}

function checkSku(sku: string, osType: string, version: string): RequestedOsSku {
  if (!(REQUESTED_OS_SKUS as readonly string[]).includes(sku)) {
    throw invalidParameter(
      "properties.osSKU",
      `The value of parameter osSKU '${sku}' is invalid or not modelled by the simulator. Supported: ${REQUESTED_OS_SKUS.join(", ")}.`,
    );
  }
  const windows = isWindowsSku(effectiveOsSku(sku as RequestedOsSku, version));
  if (windows !== (osType === "Windows"))
    throw invalidParameter("properties.osSKU", `OSSKU '${sku}' is not supported for OSType '${osType}'.`);
  return sku as RequestedOsSku;
}

function checkMode(mode: unknown): PoolProperties["mode"] {
  const value = (mode as string | undefined) ?? "User";
  if (value !== "System" && value !== "User" && value !== "Gateway") {
    throw invalidParameter(
      "properties.mode",
      `The value of parameter mode '${value}' is invalid. Valid values are User, System and Gateway.`,
    );
  }
  return value;
}

function checkCount(count: number, mode: string, p: Json): void {
  const min = mode === "System" ? 1 : 0;
  if (!Number.isInteger(count) || count < min || count > 1000) {
    throw invalidParameter(
      "properties.count",
      `The value of parameter agentPoolProfile.count is invalid: ${count}. It must be between ${min} and 1000 for ${mode} pools.`,
    );
  }
  if (p.enableAutoScaling === true) {
    const minCount = p.minCount as number | undefined;
    const maxCount = p.maxCount as number | undefined;
    if (
      minCount === undefined ||
      maxCount === undefined ||
      minCount > maxCount ||
      count < minCount ||
      count > maxCount
    ) {
      throw invalidParameter(
        "properties.minCount",
        "When enableAutoScaling is true, minCount and maxCount must be set, minCount <= count <= maxCount.",
      );
    }
  }
}

function checkTaints(value: unknown): string[] {
  const taints = (value as string[] | undefined) ?? [];
  for (const taint of taints) {
    if (!TAINT_PATTERN.test(taint)) {
      throw invalidParameter(
        "properties.nodeTaints",
        `Taint '${taint}' is invalid: it must be in the form key=value:effect.`,
      );
    }
  }
  return [...taints];
}

function extraFields(p: Json): Json {
  const out: Json = {};
  for (const key of WRITABLE_EXTRA_FIELDS) if (p[key] !== undefined) out[key] = p[key];
  return out;
}

function latestNodeImageFor(cluster: SimCluster, props: PoolProperties): string {
  return latestNodeImage(cluster, effectiveOsSku(props.osSKU, props.orchestratorVersion));
}
