// Which OS an osSku gives, on which Kubernetes versions it may run, and where each retiring OS should go.
// Every rule cites its source; a SKU or image family missing here is reported as unknown, never guessed.

import type { OsType } from "../../fleet/model.ts";
import type { MinorRange } from "../kubernetes-version.ts";
import type { OsName } from "../os-name.ts";
import { SOURCES } from "./sources.ts";

export interface SkuResolution extends MinorRange {
  os: OsName;
  sourceUrl: string;
  note?: string;
}

/** The OS each requested osSku gives, by Kubernetes version. A version outside every row is unknown. */
export const SKU_RESOLUTION: Readonly<Record<string, readonly SkuResolution[]>> = {
  AzureLinux: [
    { os: "AzureLinux2", from: "1.27", to: "1.31", sourceUrl: SOURCES.upgradeOsVersion },
    { os: "AzureLinux3", from: "1.32", to: "1.36", sourceUrl: SOURCES.upgradeOsVersion },
  ],
  Ubuntu: [
    { os: "Ubuntu2204", from: "1.25", to: "1.34", sourceUrl: SOURCES.ubuntu2204Retirement },
    {
      os: "Ubuntu2404",
      from: "1.35",
      sourceUrl: SOURCES.ubuntu2204Retirement,
      note:
        "Conflict: another table row says 22.04 stays the default through 1.35. The Ubuntu 22.04 retirement " +
        "include, which AKS keeps current with the retirement, says `Ubuntu` moves to 24.04 on 1.35 or later; it holds.",
    },
  ],
  AzureLinux3: [{ os: "AzureLinux3", sourceUrl: SOURCES.upgradeOsVersion }],
  AzureLinuxOSGuard: [{ os: "AzureLinuxOSGuard", sourceUrl: SOURCES.osGuardIssue }],
  AzureContainerLinux: [{ os: "AzureContainerLinux", sourceUrl: SOURCES.azureContainerLinuxLimitations }],
  Flatcar: [{ os: "Flatcar", sourceUrl: SOURCES.flatcarIssue }],
  Ubuntu2204: [{ os: "Ubuntu2204", sourceUrl: SOURCES.upgradeOsVersion }],
  Ubuntu2404: [{ os: "Ubuntu2404", sourceUrl: SOURCES.upgradeOsVersion }],
  Windows2019: [{ os: "Windows2019", sourceUrl: SOURCES.windows2019Retirement }],
  Windows2022: [{ os: "Windows2022", sourceUrl: SOURCES.windows2022Retirement }],
  Windows2025: [{ os: "Windows2025", sourceUrl: SOURCES.upgradeWindowsOs }],
  WindowsAnnual: [{ os: "WindowsAnnual", sourceUrl: SOURCES.windowsAnnualRetirement }],
};

export interface ImageFamilyRule {
  family: string;
  /** Matched against the start of the variant: "V2" matches "V2gen2" and "V2gen2arm64". */
  variantPrefix: string;
  os: OsName;
}

/** What a node runs, read from its image: this wins over the requested SKU (nodes not yet reimaged). */
export const IMAGE_FAMILIES: readonly ImageFamilyRule[] = [
  { family: "AKSAzureLinux", variantPrefix: "V2", os: "AzureLinux2" },
  { family: "AKSAzureLinux", variantPrefix: "V3", os: "AzureLinux3" },
  // Azure Linux 2's images kept the CBL-Mariner name: the retirement include links its last image as
  // AKSCBLMarinerV2/gen2/202512.06.0.
  { family: "AKSCBLMariner", variantPrefix: "V2", os: "AzureLinux2" },
  { family: "AKSUbuntu", variantPrefix: "1804", os: "Ubuntu1804" },
  { family: "AKSUbuntu", variantPrefix: "2004", os: "Ubuntu2004" },
  { family: "AKSUbuntu", variantPrefix: "2204", os: "Ubuntu2204" },
  { family: "AKSUbuntu", variantPrefix: "2404", os: "Ubuntu2404" },
];

export interface SkuSupport extends MinorRange {
  osType: OsType;
  sourceUrl: string;
  /** Limits the version range does not capture. */
  caveat?: string;
  notWithFips?: boolean;
  /** Where sources disagree on the range, which one holds and why. */
  conflict?: string;
}

/** Where a SKU may run, as a migration target. */
export const SKU_SUPPORT: Readonly<Record<string, SkuSupport>> = {
  AzureLinux3: { osType: "Linux", from: "1.28", to: "1.36", sourceUrl: SOURCES.upgradeOsVersion },
  Ubuntu2404: {
    osType: "Linux",
    from: "1.32",
    to: "1.38",
    sourceUrl: SOURCES.upgradeOsVersion,
    caveat: "not available with FIPS or confidential VMs (CVM)",
    notWithFips: true,
  },
  Ubuntu2204: {
    osType: "Linux",
    from: "1.25",
    to: "1.36",
    sourceUrl: SOURCES.upgradeOsVersion,
    conflict:
      "An earlier revision of the OS version page said 1.25-1.33. The November 2026 snapshot says 1.25-1.36, " +
      "matching the retirement plan (Ubuntu2204 usable until 1.36 ends); the newer statement holds.",
  },
  AzureLinuxOSGuard: { osType: "Linux", from: "1.32", sourceUrl: SOURCES.osGuardIssue },
  AzureContainerLinux: {
    osType: "Linux",
    from: "1.34",
    sourceUrl: SOURCES.azureContainerLinuxLimitations,
    caveat: "needs Trusted Launch (Secure Boot and vTPM); no CVM, no Generation 1 VMs",
  },
  Windows2019: { osType: "Windows", to: "1.32", sourceUrl: SOURCES.windows2019Retirement },
  Windows2022: {
    osType: "Windows",
    to: "1.36",
    sourceUrl: SOURCES.windows2022Retirement,
    conflict:
      "The January 2026 revision of the retirement include (and issue 4168) barred 1.36+; the current include " +
      "bars 1.37+ after the retirement moved to 2028-06-30. The current include holds.",
  },
  Windows2025: { osType: "Windows", from: "1.32", sourceUrl: SOURCES.upgradeWindowsOs },
};

/** Targets for each OS that retires, most preferred first; the first compatible one is recommended. */
export const MIGRATION_TARGETS: Readonly<Partial<Record<OsName, readonly string[]>>> = {
  AzureLinux2: ["AzureLinux3"],
  AzureLinuxOSGuard: ["AzureContainerLinux"],
  Flatcar: ["AzureLinux3", "Ubuntu2404"],
  Ubuntu1804: ["Ubuntu2404", "Ubuntu2204"],
  Ubuntu2004: ["Ubuntu2404", "Ubuntu2204"],
  Ubuntu2204: ["Ubuntu2404"],
  Windows2019: ["Windows2025", "Windows2022"],
  Windows2022: ["Windows2025"],
  WindowsAnnual: ["Windows2025", "Windows2022"],
};

/** How a pool changes SKU: Linux SKUs switch in place; Windows versions need a new pool. */
export const MIGRATION_METHOD = {
  Linux: {
    method: "update-os-sku",
    sourceUrl: SOURCES.upgradeOsVersion,
    howTo: "switch in place with `az aks nodepool update --os-sku` (nodes may be reimaged)",
  },
  Windows: {
    method: "new-pool",
    sourceUrl: SOURCES.upgradeWindowsOs,
    howTo: "create a new pool and move workloads: Windows versions cannot be switched in place",
  },
} as const;
