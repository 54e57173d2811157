// Alert findings for the alert state, outbox and sink tests.
import type { AlertFinding } from "../../shared/domain/alerts/alert-policy.ts";
import type { PoolRef } from "../../shared/domain/fleet/model.ts";

export const AZL2_RETIREMENT =
  "https://github.com/MicrosoftDocs/azure-aks-docs/blob/main/articles/aks/includes/azure-linux-retirement.md";

export function poolRefOf(cluster: string, pool: string): PoolRef {
  return {
    clusterId: `/subscriptions/sub-1/resourceGroups/rg-${cluster}/providers/Microsoft.ContainerService/managedClusters/${cluster}`,
    cluster,
    subscriptionId: "sub-1",
    resourceGroup: `rg-${cluster}`,
    pool,
  };
}

/** Azure Linux 2.0 on a pool: past end of support, images removed 2026-03-31. */
export function azureLinux2Finding(cluster: string, pool: string, imageRemoval = "2026-03-31"): AlertFinding {
  return {
    pool: poolRefOf(cluster, pool),
    subject: "osSku:azurelinux2",
    label: "Azure Linux 2.0",
    state: "end-of-support",
    endOfSupport: { date: "2025-11-30", sourceUrl: AZL2_RETIREMENT },
    imageRemoval: { date: imageRemoval, sourceUrl: AZL2_RETIREMENT },
    recommendedTarget: "AzureLinux3",
  };
}

export const NIGHT = new Date("2026-01-10T02:00:00Z");
