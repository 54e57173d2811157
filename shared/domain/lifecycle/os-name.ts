// The versioned OS names pools run, on their own so the SKU rules (data/) and the code that reads them
// (effective-os.ts) both name them without importing each other.

export const OS_NAMES = [
  "AzureLinux2",
  "AzureLinux3",
  "AzureLinuxOSGuard",
  "AzureContainerLinux",
  "Flatcar",
  "Ubuntu1804",
  "Ubuntu2004",
  "Ubuntu2204",
  "Ubuntu2404",
  "Windows2019",
  "Windows2022",
  "Windows2025",
  "WindowsAnnual",
] as const;

/** A versioned OS, named like the versioned osSku values (and the os-sku-effective node label). */
export type OsName = (typeof OS_NAMES)[number];
