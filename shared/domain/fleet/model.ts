// The fleet as the product sees it: managed clusters and their agent pools, with the fields ARM and
// Resource Graph report (https://github.com/Azure/azure-rest-api-specs, specification/containerservice).
// Adapters map wire shapes to these; the
// domain never sees a wire shape.

export type NodePoolMode = "System" | "User" | "Gateway";
export type OsType = "Linux" | "Windows";

export interface NetworkProfile {
  networkPlugin?: string;
  networkPluginMode?: string;
  networkPolicy?: string;
  networkDataplane?: string;
  outboundType?: string;
}

export interface StorageProfile {
  diskCSIDriver?: boolean;
  fileCSIDriver?: boolean;
  blobCSIDriver?: boolean;
  snapshotController?: boolean;
}

export interface UpgradeSettings {
  maxSurge?: string;
  maxUnavailable?: string;
  drainTimeoutInMinutes?: number;
  nodeSoakDurationInMinutes?: number;
  undrainableNodeBehavior?: string;
}

export interface Cluster {
  /** ARM resource id, as ARM spells it. */
  id: string;
  name: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  kubernetesVersion: string;
  /** "KubernetesOfficial" or "AKSLongTermSupport" (Premium tier: versions supported to their LTS end). */
  supportPlan?: string;
  /** ARM tags on the cluster (approver groups, criticality); absent when it has none. */
  tags?: Record<string, string>;
  networkProfile: NetworkProfile;
  storageProfile: StorageProfile;
  /** Keys as on the wire, kebab-case ('scale-down-delay-after-add'). */
  autoScalerProfile: Record<string, string>;
  nodePools: NodePool[];
}

export interface NodePool {
  name: string;
  mode: NodePoolMode;
  osType: OsType;
  /** The requested SKU as ARM reports it; undefined when the resource does not say. */
  osSku?: string;
  orchestratorVersion: string;
  currentOrchestratorVersion?: string;
  nodeImageVersion?: string;
  count: number;
  minCount?: number;
  maxCount?: number;
  enableAutoScaling: boolean;
  vmSize: string;
  availabilityZones: string[];
  nodeLabels: Record<string, string>;
  /** "key=value:Effect", as ARM writes them. */
  nodeTaints: string[];
  upgradeSettings: UpgradeSettings;
  provisioningState?: string;
  powerState?: "Running" | "Stopped";
  scaleSetPriority?: "Regular" | "Spot";
  maxPods?: number;
  /** The subnet the pool's nodes join (Azure CNI); absent with kubenet or a managed VNet. */
  vnetSubnetId?: string;
  /** ARM tags on the agent pool. */
  tags?: Record<string, string>;
  /** FIPS-enabled images; some target SKUs (Ubuntu2404) have none. */
  enableFips?: boolean;
}

/** A managed cluster's ARM id; captures its subscription id, resource group and name. */
export const MANAGED_CLUSTER_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters\/([^/]+)$/i;

/** A pool with the cluster it lives in: the unit the product plans, alerts and migrates. */
export interface PoolRef {
  clusterId: string;
  cluster: string;
  subscriptionId: string;
  resourceGroup: string;
  pool: string;
}

export function poolRef(cluster: Cluster, pool: NodePool): PoolRef {
  return {
    clusterId: cluster.id,
    cluster: cluster.name,
    subscriptionId: cluster.subscriptionId,
    resourceGroup: cluster.resourceGroup,
    pool: pool.name,
  };
}

/** Stable key of a pool across scans: ARM ids are case-insensitive. */
export function poolKey(ref: Pick<PoolRef, "clusterId" | "pool">): string {
  return `${ref.clusterId.toLowerCase()}/agentpools/${ref.pool.toLowerCase()}`;
}
