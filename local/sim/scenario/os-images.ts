// Node OS facts the twin reports: which versioned SKU an osSku resolves to, the node image family,
// and the nodeInfo a kubelet on that image shows. SKU resolution follows
// https://github.com/MicrosoftDocs/azure-management-docs (articles/azure-linux/aks-support-cycle.md) and
// https://github.com/MicrosoftDocs/azure-aks-docs (articles/aks/upgrade-os-version.md).

/** Versioned SKUs, as the kubernetes.azure.com/os-sku-effective label spells them. */
export const EFFECTIVE_OS_SKUS = [
  "AzureLinux2",
  "AzureLinux3",
  "Ubuntu2204",
  "Ubuntu2404",
  "Windows2019",
  "Windows2022",
  "Windows2025",
] as const;
export type EffectiveOsSku = (typeof EFFECTIVE_OS_SKUS)[number];

export const REQUESTED_OS_SKUS = [
  "AzureLinux",
  "AzureLinux3",
  "CBLMariner",
  "Ubuntu",
  "Ubuntu2204",
  "Ubuntu2404",
  "Windows2019",
  "Windows2022",
  "Windows2025",
] as const;
export type RequestedOsSku = (typeof REQUESTED_OS_SKUS)[number];

export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, "").split(".").map(Number);
  const pb = b.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

const atLeast = (version: string, min: string) => compareVersions(version, min) >= 0;

/** What a requested SKU runs on a given Kubernetes version. */
export function effectiveOsSku(requested: RequestedOsSku, kubernetesVersion: string): EffectiveOsSku {
  switch (requested) {
    case "AzureLinux":
      return atLeast(kubernetesVersion, "1.32.0") ? "AzureLinux3" : "AzureLinux2";
    case "CBLMariner":
      return "AzureLinux2";
    case "AzureLinux3":
      return "AzureLinux3";
    case "Ubuntu":
      return atLeast(kubernetesVersion, "1.35.0") ? "Ubuntu2404" : "Ubuntu2204";
    case "Ubuntu2204":
    case "Ubuntu2404":
    case "Windows2019":
    case "Windows2022":
    case "Windows2025":
      return requested;
  }
}

interface ImageFamily {
  prefix: string;
  defaultVersion: string;
  osImage: string;
  kernel: string;
  containerd: (kubernetesVersion: string) => string;
  operatingSystem: "linux" | "windows";
}

export const IMAGE_FAMILIES: Readonly<Record<EffectiveOsSku, ImageFamily>> = {
  AzureLinux2: {
    prefix: "AKSAzureLinux-V2gen2-",
    defaultVersion: "AKSAzureLinux-V2gen2-202512.06.0",
    osImage: "CBL-Mariner/Linux",
    kernel: "5.15.186.1-1.cm2",
    containerd: () => "containerd://1.6.26",
    operatingSystem: "linux",
  },
  AzureLinux3: {
    prefix: "AKSAzureLinux-V3gen2-",
    defaultVersion: "AKSAzureLinux-V3gen2-202602.13.5",
    osImage: "Microsoft Azure Linux 3.0",
    kernel: "6.6.104.2-4.azl3",
    containerd: (k8s) => (atLeast(k8s, "1.33.0") ? "containerd://2.0.0" : "containerd://1.7.25"),
    operatingSystem: "linux",
  },
  Ubuntu2204: {
    prefix: "AKSUbuntu-2204gen2containerd-",
    defaultVersion: "AKSUbuntu-2204gen2containerd-202602.13.5",
    osImage: "Ubuntu 22.04.5 LTS",
    kernel: "5.15.0-1092-azure",
    containerd: () => "containerd://1.7.28-1",
    operatingSystem: "linux",
  },
  Ubuntu2404: {
    prefix: "AKSUbuntu-2404gen2containerd-",
    defaultVersion: "AKSUbuntu-2404gen2containerd-202602.13.5",
    osImage: "Ubuntu 24.04.3 LTS",
    kernel: "6.8.0-1041-azure",
    containerd: (k8s) => (atLeast(k8s, "1.35.0") ? "containerd://2.1.4-1" : "containerd://1.7.28-1"),
    operatingSystem: "linux",
  },
  Windows2019: {
    prefix: "AKSWindows-2019-containerd-",
    defaultVersion: "AKSWindows-2019-containerd-17763.7678.250812",
    osImage: "Windows Server 2019 Datacenter",
    kernel: "10.0.17763.7678",
    containerd: () => "containerd://1.7.20+azure",
    operatingSystem: "windows",
  },
  Windows2022: {
    prefix: "AKSWindows-2022-containerd-",
    defaultVersion: "AKSWindows-2022-containerd-20348.4052.250812",
    osImage: "Windows Server 2022 Datacenter",
    kernel: "10.0.20348.4052",
    containerd: () => "containerd://1.7.20+azure",
    operatingSystem: "windows",
  },
  Windows2025: {
    prefix: "AKSWindows-2025-containerd-",
    defaultVersion: "AKSWindows-2025-containerd-26100.4946.250812",
    osImage: "Windows Server 2025 Datacenter",
    kernel: "10.0.26100.4946",
    containerd: () => "containerd://1.7.20+azure",
    operatingSystem: "windows",
  },
};

/** The versioned SKU a node image belongs to, or undefined for an unknown family. */
export function skuOfImage(nodeImageVersion: string): EffectiveOsSku | undefined {
  for (const [sku, family] of Object.entries(IMAGE_FAMILIES)) {
    if (nodeImageVersion.startsWith(family.prefix)) return sku as EffectiveOsSku;
  }
  return undefined;
}

export function isWindowsSku(sku: EffectiveOsSku): boolean {
  return IMAGE_FAMILIES[sku].operatingSystem === "windows";
}

/** The default SKU ARM picks when a pool does not name one. */
export function defaultRequestedSku(osType: "Linux" | "Windows", kubernetesVersion: string): RequestedOsSku {
  if (osType === "Linux") return "Ubuntu";
  return atLeast(kubernetesVersion, "1.36.0") ? "Windows2025" : "Windows2022";
}
