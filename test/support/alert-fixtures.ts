// Alert findings for the alert state, outbox and sink tests, and a migration notice for the sinks.
import type { AlertFinding } from "../../shared/domain/alerts/alert-policy.ts";
import type { PoolRef } from "../../shared/domain/fleet/model.ts";
import { type MigrationNotice, migrationStatusPath } from "../../shared/domain/migration/migration-notice.ts";

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

/** The start gate of aks-prod-eus/batch's migration, unanswered past its timeout. */
export function gateTimeoutNotice(migrationId = "migration:aks-prod-eus:batch:3f9a2c"): MigrationNotice {
  return {
    id: `${migrationId}:notice:start-timeout`,
    migrationId,
    cluster: "aks-prod-eus",
    pool: "batch",
    severity: "warning",
    title: "Gate start unanswered for 24 hours",
    text: "The migration to AzureLinux3 has waited 24 hours for approval to start.",
    statusPath: migrationStatusPath(migrationId),
  };
}
