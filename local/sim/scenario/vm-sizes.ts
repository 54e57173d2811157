// VM sizes the simulator knows (vCPUs, memory and quota family from the Azure VM size pages) and the
// allocatable resources AKS leaves for pods. Reservations follow aks-docs
// articles/aks/node-resource-reservations.md
// (https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/node-resource-reservations.md).

import { compareVersions } from "./os-images.ts";

export interface VmSize {
  vCPUs: number;
  memoryGiB: number;
  /** The quota family Microsoft.Compute counts its vCPUs under (usages and resource SKUs). */
  family: string;
}

export const VM_SIZES: Readonly<Record<string, VmSize>> = {
  Standard_B2s: { vCPUs: 2, memoryGiB: 4, family: "standardBSFamily" },
  Standard_B4ms: { vCPUs: 4, memoryGiB: 16, family: "standardBSFamily" },
  Standard_DS2_v2: { vCPUs: 2, memoryGiB: 7, family: "standardDSv2Family" },
  Standard_DS3_v2: { vCPUs: 4, memoryGiB: 14, family: "standardDSv2Family" },
  Standard_D2s_v3: { vCPUs: 2, memoryGiB: 8, family: "standardDSv3Family" },
  Standard_D4s_v3: { vCPUs: 4, memoryGiB: 16, family: "standardDSv3Family" },
  Standard_D8s_v3: { vCPUs: 8, memoryGiB: 32, family: "standardDSv3Family" },
  Standard_D2s_v5: { vCPUs: 2, memoryGiB: 8, family: "standardDSv5Family" },
  Standard_D4s_v5: { vCPUs: 4, memoryGiB: 16, family: "standardDSv5Family" },
  Standard_D8s_v5: { vCPUs: 8, memoryGiB: 32, family: "standardDSv5Family" },
  Standard_D16s_v5: { vCPUs: 16, memoryGiB: 64, family: "standardDSv5Family" },
  Standard_D32s_v5: { vCPUs: 32, memoryGiB: 128, family: "standardDSv5Family" },
  Standard_D2ds_v5: { vCPUs: 2, memoryGiB: 8, family: "standardDDSv5Family" },
  Standard_D4ds_v5: { vCPUs: 4, memoryGiB: 16, family: "standardDDSv5Family" },
  Standard_D8ds_v5: { vCPUs: 8, memoryGiB: 32, family: "standardDDSv5Family" },
  Standard_D16ds_v5: { vCPUs: 16, memoryGiB: 64, family: "standardDDSv5Family" },
  Standard_D4as_v5: { vCPUs: 4, memoryGiB: 16, family: "standardDASv5Family" },
  Standard_D8as_v5: { vCPUs: 8, memoryGiB: 32, family: "standardDASv5Family" },
  Standard_E4s_v5: { vCPUs: 4, memoryGiB: 32, family: "standardESv5Family" },
  Standard_E8s_v5: { vCPUs: 8, memoryGiB: 64, family: "standardESv5Family" },
  Standard_E16s_v5: { vCPUs: 16, memoryGiB: 128, family: "standardESv5Family" },
  Standard_F8s_v2: { vCPUs: 8, memoryGiB: 16, family: "standardFSv2Family" },
  Standard_F16s_v2: { vCPUs: 16, memoryGiB: 32, family: "standardFSv2Family" },
};

/** A family's regional vCPU limit when the scenario's subscription names none. */
export const DEFAULT_FAMILY_VCPU_LIMIT = 350;

export interface NodeResources {
  capacityMilliCpu: number;
  capacityMemoryBytes: number;
  allocatableMilliCpu: number;
  allocatableMemoryBytes: number;
}

const MI = 2 ** 20;
const GI = 2 ** 30;

/** Kube-reserved CPU in millicores by core count (the table in the reservations article). */
const CPU_RESERVED: ReadonlyArray<readonly [cores: number, milli: number]> = [
  [1, 60],
  [2, 100],
  [4, 140],
  [8, 180],
  [16, 260],
  [32, 420],
  [64, 740],
];

function reservedCpu(cores: number): number {
  let reserved = CPU_RESERVED[0]?.[1] ?? 0;
  for (const [atLeast, milli] of CPU_RESERVED) if (cores >= atLeast) reserved = milli;
  return reserved;
}

/** AKS before 1.29: a regressive share of memory plus a 750Mi eviction threshold. */
function reservedMemoryLegacy(total: number): number {
  const bands: Array<[upTo: number, share: number]> = [
    [4 * GI, 0.25],
    [8 * GI, 0.2],
    [16 * GI, 0.1],
    [128 * GI, 0.06],
    [Number.POSITIVE_INFINITY, 0.02],
  ];
  let reserved = 0;
  let floor = 0;
  for (const [upTo, share] of bands) {
    if (total <= floor) break;
    reserved += (Math.min(total, upTo) - floor) * share;
    floor = upTo;
  }
  return reserved + 750 * MI;
}

export function nodeResources(
  size: Omit<VmSize, "family">,
  options: { maxPods: number; kubernetesVersion: string; windows: boolean },
): NodeResources {
  const capacityMilliCpu = size.vCPUs * 1000;
  const capacityMemoryBytes = size.memoryGiB * GI;
  const modern = compareVersions(options.kubernetesVersion, "1.29.0") >= 0;
  const memoryReserved = modern
    ? Math.min(20 * MI * options.maxPods + 50 * MI, 0.25 * capacityMemoryBytes) + 100 * MI
    : reservedMemoryLegacy(capacityMemoryBytes);
  const windowsExtra = options.windows ? 2 * GI : 0;
  return {
    capacityMilliCpu,
    capacityMemoryBytes,
    allocatableMilliCpu: capacityMilliCpu - reservedCpu(size.vCPUs),
    allocatableMemoryBytes: Math.floor(capacityMemoryBytes - memoryReserved - windowsExtra),
  };
}
