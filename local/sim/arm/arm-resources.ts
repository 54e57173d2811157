// Managed clusters and agent pools in ARM's wire shape (api-version 2026-06-01 field names), shared by
// the ARM endpoints and Resource Graph, which serves the same properties.

import type { SimCluster } from "../model/cluster.ts";
import { type SimPool, usesPodCidr } from "../model/pool.ts";
import { AUTOSCALER_DEFAULTS } from "../scenario/autoscaler-profile.ts";
import { compareVersions, type EffectiveOsSku, IMAGE_FAMILIES } from "../scenario/os-images.ts";

export function poolId(cluster: SimCluster, pool: string): string {
  return `${cluster.id}/agentPools/${pool}`;
}

/** Properties of an agent pool as ARM returns them (also each entry of agentPoolProfiles, plus name). */
export function poolProperties(pool: SimPool): Record<string, unknown> {
  const p = pool.props;
  return {
    ...p.extra,
    count: p.count,
    vmSize: p.vmSize,
    osDiskSizeGB: p.extra.osDiskSizeGB ?? 128,
    osDiskType: p.extra.osDiskType ?? "Managed",
    kubeletDiskType: p.extra.kubeletDiskType ?? "OS",
    maxPods: p.maxPods,
    type: "VirtualMachineScaleSets",
    ...(p.availabilityZones.length > 0 ? { availabilityZones: [...p.availabilityZones] } : {}),
    enableAutoScaling: p.enableAutoScaling,
    ...(p.minCount !== undefined ? { minCount: p.minCount } : {}),
    ...(p.maxCount !== undefined ? { maxCount: p.maxCount } : {}),
    scaleDownMode: p.extra.scaleDownMode ?? "Delete",
    provisioningState: pool.provisioningState,
    powerState: { code: "Running" },
    orchestratorVersion: p.orchestratorVersion,
    currentOrchestratorVersion: pool.currentOrchestratorVersion,
    enableNodePublicIP: p.extra.enableNodePublicIP ?? false,
    ...(p.scaleSetPriority === "Spot"
      ? { scaleSetPriority: "Spot", scaleSetEvictionPolicy: p.extra.scaleSetEvictionPolicy ?? "Delete" }
      : {}),
    ...(Object.keys(p.nodeLabels).length > 0 ? { nodeLabels: { ...p.nodeLabels } } : {}),
    ...(p.nodeTaints.length > 0 ? { nodeTaints: [...p.nodeTaints] } : {}),
    ...(p.tags ? { tags: { ...p.tags } } : {}),
    mode: p.mode,
    osType: p.osType,
    osSKU: p.osSKU,
    nodeImageVersion: p.nodeImageVersion,
    upgradeSettings: { maxSurge: "10%", maxUnavailable: "0", ...p.upgradeSettings },
    enableFIPS: p.extra.enableFIPS ?? false,
    securityProfile: p.extra.securityProfile ?? { enableVTPM: false, enableSecureBoot: false },
    eTag: pool.eTag,
  };
}

export function agentPoolResource(cluster: SimCluster, pool: SimPool): Record<string, unknown> {
  return {
    id: poolId(cluster, pool.name),
    name: pool.name,
    type: "Microsoft.ContainerService/managedClusters/agentPools",
    properties: poolProperties(pool),
  };
}

export function autoScalerProfile(cluster: SimCluster): Record<string, unknown> | undefined {
  const anyAutoscaling = [...cluster.pools.values()].some((p) => p.props.enableAutoScaling);
  const own = cluster.spec.autoScalerProfile;
  if (!anyAutoscaling && Object.keys(own).length === 0) return undefined;
  return anyAutoscaling ? { ...AUTOSCALER_DEFAULTS, ...own } : { ...own };
}

function dnsPrefix(cluster: SimCluster): string {
  return `${cluster.name}-${cluster.resourceGroup}-${cluster.subscriptionId.slice(0, 6)}`
    .toLowerCase()
    .slice(0, 54);
}

export function managedClusterResource(cluster: SimCluster): Record<string, unknown> {
  const spec = cluster.spec;
  const storage = spec.storageProfile;
  const profile = autoScalerProfile(cluster);
  const fqdnHash = cluster.token.slice(4, 12);
  const prefix = dnsPrefix(cluster);
  return {
    id: cluster.id,
    location: cluster.location,
    name: cluster.name,
    type: "Microsoft.ContainerService/ManagedClusters",
    ...(Object.keys(spec.tags).length > 0 ? { tags: { ...spec.tags } } : {}),
    kind: "Base",
    sku: { name: "Base", tier: spec.tier },
    identity: {
      type: "SystemAssigned",
      principalId: uuidFrom(cluster.token),
      tenantId: cluster.ctx.tenantId,
    },
    properties: {
      provisioningState: cluster.clusterProvisioningState,
      powerState: { code: "Running" },
      kubernetesVersion: spec.kubernetesVersion,
      currentKubernetesVersion: spec.kubernetesVersion,
      dnsPrefix: prefix,
      fqdn: `${prefix}-${fqdnHash}.hcp.${cluster.location}.azmk8s.io`,
      azurePortalFQDN: `${prefix}-${fqdnHash}.portal.hcp.${cluster.location}.azmk8s.io`,
      agentPoolProfiles: [...cluster.pools.values()].map((pool) => ({
        name: pool.name,
        ...poolProperties(pool),
      })),
      nodeResourceGroup: cluster.nodeResourceGroup,
      enableRBAC: true,
      supportPlan: spec.supportPlan,
      networkProfile: {
        networkPlugin: spec.networkProfile.networkPlugin,
        ...(spec.networkProfile.networkPluginMode
          ? { networkPluginMode: spec.networkProfile.networkPluginMode }
          : {}),
        ...(spec.networkProfile.networkPolicy ? { networkPolicy: spec.networkProfile.networkPolicy } : {}),
        ...(spec.networkProfile.networkDataplane
          ? { networkDataplane: spec.networkProfile.networkDataplane }
          : {}),
        loadBalancerSku: "standard",
        outboundType: spec.networkProfile.outboundType,
        ...(usesPodCidr(spec.networkProfile) ? { podCidr: "10.244.0.0/16" } : {}),
        serviceCidr: "10.0.0.0/16",
        dnsServiceIP: "10.0.0.10",
        ipFamilies: ["IPv4"],
      },
      aadProfile: { managed: true, enableAzureRBAC: true, tenantID: cluster.ctx.tenantId },
      ...(profile ? { autoScalerProfile: profile } : {}),
      storageProfile: {
        diskCSIDriver: { enabled: storage.diskCSIDriver },
        fileCSIDriver: { enabled: storage.fileCSIDriver },
        blobCSIDriver: { enabled: storage.blobCSIDriver },
        snapshotController: { enabled: storage.snapshotController },
      },
      oidcIssuerProfile: { enabled: false },
      maxAgentPools: 100,
      disableLocalAccounts: false,
    },
  };
}

function uuidFrom(text: string): string {
  const hex = text
    .replace(/[^0-9a-f]/g, "")
    .padEnd(32, "0")
    .slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The newest image of an OS family (what a node image upgrade would bring). */
export function latestNodeImage(cluster: SimCluster, sku: EffectiveOsSku): string {
  return cluster.ctx.latestNodeImages[sku] ?? IMAGE_FAMILIES[sku].defaultVersion;
}

export function upgradeProfileResource(cluster: SimCluster, pool: SimPool): Record<string, unknown> {
  const upgrades =
    compareVersions(cluster.kubernetesVersion, pool.props.orchestratorVersion) > 0
      ? [{ kubernetesVersion: cluster.kubernetesVersion }]
      : [];
  return {
    id: `${poolId(cluster, pool.name)}/upgradeProfiles/default`,
    name: "default",
    type: "Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles",
    properties: {
      kubernetesVersion: pool.props.orchestratorVersion,
      osType: pool.props.osType,
      upgrades,
      latestNodeImageVersion: latestNodeImage(cluster, pool.effectiveSku),
    },
  };
}
