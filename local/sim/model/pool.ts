// An agent pool as ARM holds it, with the scale-set machines behind it. The pool's nodes in Kubernetes
// are these machines once their kubelet registers: one model, two views.

import {
  type EffectiveOsSku,
  effectiveOsSku,
  IMAGE_FAMILIES,
  type RequestedOsSku,
  skuOfImage,
} from "../scenario/os-images.ts";
import type { ClusterSpec, PoolSpec } from "../scenario/schema.ts";
import { type NodeResources, nodeResources, type VmSize } from "../scenario/vm-sizes.ts";
import type { TimerHandle } from "./timeline.ts";

export interface Machine {
  /** The VM's computer name, which is also the node name. */
  name: string;
  ordinal: number;
  zone: string;
  createdAt: number;
  nodeImageVersion: string;
  orchestratorVersion: string;
  osSku: EffectiveOsSku;
  kernelVersion: string;
  state: "provisioning" | "running" | "deleting";
  registration?: TimerHandle;
}

export interface UpgradeSettings {
  maxSurge?: string;
  maxUnavailable?: string;
  drainTimeoutInMinutes?: number;
  nodeSoakDurationInMinutes?: number;
  undrainableNodeBehavior?: string;
}

/** The writable pool properties the twin models; other known fields are kept and echoed back as given. */
export interface PoolProperties {
  count: number;
  vmSize: string;
  osType: "Linux" | "Windows";
  osSKU: RequestedOsSku;
  mode: "System" | "User" | "Gateway";
  orchestratorVersion: string;
  nodeImageVersion: string;
  enableAutoScaling: boolean;
  minCount?: number;
  maxCount?: number;
  maxPods: number;
  nodeLabels: Record<string, string>;
  nodeTaints: string[];
  availabilityZones: string[];
  upgradeSettings: UpgradeSettings;
  scaleSetPriority: "Regular" | "Spot";
  tags?: Record<string, string>;
  /** Further known fields (kubeletConfig, securityProfile...) as the client sent them. */
  extra: Record<string, unknown>;
}

export type PoolProvisioningState =
  | "Succeeded"
  | "Creating"
  | "Updating"
  | "Scaling"
  | "Upgrading"
  | "UpgradingNodeImageVersion"
  | "Deleting"
  | "Failed"
  | "Canceled";

export class SimPool {
  readonly name: string;
  readonly vmssId: string;
  props: PoolProperties;
  provisioningState: PoolProvisioningState = "Succeeded";
  /** Version the nodes run, which trails orchestratorVersion during an upgrade. */
  currentOrchestratorVersion: string;
  eTag: string;
  nextOrdinal = 0;
  /** By node name. */
  readonly machines = new Map<string, Machine>();
  /**
   * Set (by a test), the machines API names each machine by its scale-set instance rather than its node:
   * a pool whose machine names are not its node names.
   */
  machinesNamedByInstance = false;
  /** A kernel the scenario pins for nodeInfo; it belongs to the image the pool started on. */
  readonly pinnedKernel?: { nodeImageVersion: string; kernel: string };

  constructor(name: string, vmssId: string, props: PoolProperties, eTag: string, kernelOverride?: string) {
    this.name = name;
    this.vmssId = vmssId;
    this.props = props;
    this.currentOrchestratorVersion = props.orchestratorVersion;
    this.eTag = eTag;
    if (kernelOverride)
      this.pinnedKernel = { nodeImageVersion: props.nodeImageVersion, kernel: kernelOverride };
  }

  get effectiveSku(): EffectiveOsSku {
    return (
      skuOfImage(this.props.nodeImageVersion) ??
      effectiveOsSku(this.props.osSKU, this.props.orchestratorVersion)
    );
  }

  get windows(): boolean {
    return this.props.osType === "Windows";
  }

  /** The VM computer name of an instance ordinal, as AKS scale sets name them. */
  machineName(ordinal: number): string {
    const suffix = ordinal.toString(36).padStart(6, "0");
    return this.windows ? `aks${this.name}${suffix}` : `aks-${this.name}-${this.vmssId}-vmss${suffix}`;
  }

  /** The machine's name in the machines API (and deleteMachines). */
  armMachineName(machine: Machine): string {
    return this.machinesNamedByInstance
      ? `aks-${this.name}-${this.vmssId}-vmss_${machine.ordinal}`
      : machine.name;
  }

  /** The machine the machines API names so. */
  machineByArmName(name: string): Machine | undefined {
    if (!this.machinesNamedByInstance) return this.machines.get(name);
    return [...this.machines.values()].find((m) => this.armMachineName(m) === name);
  }

  resources(size: Omit<VmSize, "family">): NodeResources {
    return nodeResources(size, {
      maxPods: this.props.maxPods,
      kubernetesVersion: this.props.orchestratorVersion,
      windows: this.windows,
    });
  }

  liveMachines(): Machine[] {
    return [...this.machines.values()].filter((m) => m.state !== "deleting");
  }

  /** The kernel a machine on the pool's current image runs: another image brings its own. */
  currentKernel(): string {
    const pinned = this.pinnedKernel;
    return pinned?.nodeImageVersion === this.props.nodeImageVersion
      ? pinned.kernel
      : IMAGE_FAMILIES[this.effectiveSku].kernel;
  }
}

type NetworkProfile = ClusterSpec["networkProfile"];

/** Max pods per node AKS picks when a pool does not say: Azure CNI 30, overlay 250, kubenet 110. */
export function defaultMaxPods(network: NetworkProfile): number {
  return network.networkPlugin === "azure" && network.networkPluginMode === "overlay"
    ? 250
    : network.networkPlugin === "azure"
      ? 30
      : 110;
}

/** Azure CNI without overlay gives pods VNet addresses: no pod CIDR on the cluster or its nodes. */
export function usesPodCidr(network: NetworkProfile): boolean {
  return !(network.networkPlugin === "azure" && !network.networkPluginMode);
}

/** Pool properties from a scenario pool. */
export function propertiesFromSpec(
  spec: PoolSpec,
  clusterVersion: string,
  osSKU: RequestedOsSku,
  nodeImageVersion: string,
  maxPods: number,
): PoolProperties {
  return {
    count: spec.count,
    vmSize: spec.vmSize,
    osType: spec.osType,
    osSKU,
    mode: spec.mode,
    orchestratorVersion: spec.orchestratorVersion ?? clusterVersion,
    nodeImageVersion,
    enableAutoScaling: spec.enableAutoScaling,
    ...(spec.minCount !== undefined ? { minCount: spec.minCount } : {}),
    ...(spec.maxCount !== undefined ? { maxCount: spec.maxCount } : {}),
    maxPods,
    nodeLabels: { ...spec.nodeLabels },
    nodeTaints: [...spec.nodeTaints],
    availabilityZones: [...spec.availabilityZones],
    upgradeSettings: { ...spec.upgradeSettings },
    scaleSetPriority: spec.scaleSetPriority,
    extra: {},
  };
}
