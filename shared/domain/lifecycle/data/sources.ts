// Where each lifecycle fact comes from (public pages gathered 2026-11-25; the include files were checked
// against their text). Every date and rule in the domain data cites one of these.

const AKS_DOCS = "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks";

export const SOURCES = {
  azureLinuxRetirement: `${AKS_DOCS}/includes/azure-linux-retirement.md`,
  azureLinux2Issue: "https://github.com/Azure/AKS/issues/4988",
  azureLinuxSupportCycle:
    "https://github.com/MicrosoftDocs/azure-management-docs/blob/main/articles/azure-linux/aks-support-cycle.md",
  upgradeOsVersion: `${AKS_DOCS}/upgrade-os-version.md`,
  upgradeWindowsOs: `${AKS_DOCS}/upgrade-windows-os.md`,
  osGuardRetirement: `${AKS_DOCS}/includes/os-guard-preview-retirement.md`,
  osGuardIssue: "https://github.com/Azure/AKS/issues/5950",
  azureContainerLinuxLimitations: `${AKS_DOCS}/includes/azure-container-linux-limitations.md`,
  flatcarRetirement: `${AKS_DOCS}/includes/flatcar-preview-retirement.md`,
  flatcarIssue: "https://github.com/Azure/AKS/issues/5648",
  ubuntu1804Issue: "https://github.com/Azure/AKS/issues/4873",
  ubuntu2004Retirement: `${AKS_DOCS}/includes/ubuntu-20-04-retirement.md`,
  ubuntu2004Issue: "https://github.com/Azure/AKS/issues/4874",
  ubuntu2204Retirement: `${AKS_DOCS}/includes/ubuntu-22-04-retirement.md`,
  windows2019Retirement: `${AKS_DOCS}/includes/windows-server-2019-retirement.md`,
  windows2019Issue: "https://github.com/Azure/AKS/issues/4091",
  windows2022Retirement: `${AKS_DOCS}/includes/windows-server-2022-retirement.md`,
  windows2022Issue: "https://github.com/Azure/AKS/issues/4168",
  windowsAnnualRetirement: `${AKS_DOCS}/includes/windows-annual-channel-retirement.md`,
  supportedKubernetesVersions: `${AKS_DOCS}/supported-kubernetes-versions.md`,
  endOfLifeDateAks:
    "https://github.com/endoflife-date/endoflife.date/blob/master/products/azure-kubernetes-service.md",
} as const;
