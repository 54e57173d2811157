// What AKS checks in a managed cluster PUT or PATCH before it starts anything. The twin applies the
// autoscaler profile and tags; pools change through their own API, and it models no control-plane
// upgrade, so it refuses one rather than pretend.

import type { SimCluster } from "../model/cluster.ts";
import {
  AUTOSCALER_SETTINGS,
  type AutoScalerProfile,
  type AutoScalerSetting,
  isBooleanSetting,
} from "../scenario/autoscaler-profile.ts";
import { ArmError } from "./arm-error.ts";
import {
  expectType,
  type Json,
  rejectUnknownFields,
  UNKNOWN_FIELDS_REFUSED_FROM,
} from "./request-validation.ts";

const CLUSTER_TOP_FIELDS = new Set([
  "id",
  "name",
  "type",
  "location",
  "tags",
  "sku",
  "kind",
  "extendedLocation",
  "identity",
  "properties",
  "systemData",
  "eTag",
]);
const CLUSTER_PROPERTY_FIELDS = new Set(
  (
    "provisioningState powerState maxAgentPools kubernetesVersion currentKubernetesVersion dnsPrefix fqdnSubdomain fqdn " +
    "privateFQDN azurePortalFQDN agentPoolProfiles linuxProfile windowsProfile servicePrincipalProfile addonProfiles " +
    "podIdentityProfile oidcIssuerProfile nodeResourceGroup nodeResourceGroupProfile enableRBAC supportPlan " +
    "networkProfile aadProfile autoUpgradeProfile upgradeSettings autoScalerProfile apiServerAccessProfile " +
    "diskEncryptionSetID identityProfile privateLinkResources disableLocalAccounts httpProxyConfig securityProfile " +
    "storageProfile ingressProfile publicNetworkAccess workloadAutoScalerProfile azureMonitorProfile serviceMeshProfile " +
    "resourceUID metricsProfile nodeProvisioningProfile bootstrapProfile aiToolchainOperatorProfile schedulerProfile " +
    "hostedSystemProfile status"
  ).split(" "),
);

/** What a cluster PUT changes in the twin; a field left out keeps its value. */
export interface ClusterChange {
  autoScalerProfile?: AutoScalerProfile;
  tags?: Record<string, string>;
}

export function checkClusterPut(cluster: SimCluster, body: Json, apiVersion: string): ClusterChange {
  const properties = (body.properties ?? {}) as Json;
  rejectUnknownFields(apiVersion, [
    [body, CLUSTER_TOP_FIELDS],
    [properties, CLUSTER_PROPERTY_FIELDS],
  ]);
  if (typeof body.location !== "string")
    throw new ArmError(400, "LocationRequired", "The location property is required for this definition.");
  const profiles = properties.agentPoolProfiles as Array<{ name?: string }> | undefined;
  if (profiles) {
    const requested = new Set(profiles.map((p) => p.name));
    const existing = new Set(cluster.pools.keys());
    if ([...requested].some((n) => n === undefined || !existing.has(n))) {
      throw new ArmError(
        400,
        "BadRequest",
        "A new agent pool was introduced. Adding agent pools to an existing cluster is not allowed through managed cluster operations. For agent pool specific change, please use per agent pool operations: https://aka.ms/agent-pool-rest-api",
      );
    }
  }
  const version = properties.kubernetesVersion as string | undefined;
  if (version !== undefined && version !== cluster.kubernetesVersion) {
    throw new ArmError(
      400,
      "NotSupportedBySimulator",
      `The simulator does not model control plane upgrades (requested ${version}, running ${cluster.kubernetesVersion}).`,
    );
  }
  return {
    ...(properties.autoScalerProfile !== undefined
      ? { autoScalerProfile: checkAutoScalerProfile(properties.autoScalerProfile, apiVersion) }
      : {}),
    ...(body.tags !== undefined ? { tags: { ...(body.tags as Record<string, string>) } } : {}),
  };
}

/** A tags PATCH (ARM's updateTags): the tags that replace the cluster's. */
export function checkTagsPatch(body: Json): Record<string, string> {
  rejectUnknownFields(UNKNOWN_FIELDS_REFUSED_FROM, [[body, new Set(["tags"])]]);
  return { ...((body.tags as Record<string, string> | undefined) ?? {}) };
}

/** Settings typed as the API types them (booleans stay booleans); null ones are left unset. */
function checkAutoScalerProfile(value: unknown, apiVersion: string): AutoScalerProfile {
  expectType(value, "object", "ManagedClusterProperties.autoScalerProfile");
  const entries = Object.entries(value as Json).filter(([, v]) => v !== null);
  rejectUnknownFields(apiVersion, [[Object.fromEntries(entries), AUTOSCALER_SETTINGS]]);
  const known = entries.filter(([setting]) => AUTOSCALER_SETTINGS.has(setting));
  for (const [setting, v] of known) {
    const type = isBooleanSetting(setting as AutoScalerSetting) ? "boolean" : "string";
    expectType(v, type, `ManagedClusterPropertiesAutoScalerProfile.${setting}`);
  }
  return Object.fromEntries(known) as AutoScalerProfile;
}
