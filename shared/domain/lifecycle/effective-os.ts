// The OS a pool's nodes actually run. The requested osSku alone can mislead: `AzureLinux` means 2.0 or
// 3.0 depending on the Kubernetes version, and nodes keep their old image until reimaged. The node image
// is the strongest evidence, then the SKU rules; anything else is unknown.

import { IMAGE_FAMILIES, SKU_RESOLUTION } from "./data/os-sku-rules.ts";
import { describeRange, minorInRange, parseKubernetesMinor } from "./kubernetes-version.ts";
import { type NodeImageVersion, parseNodeImageVersion } from "./node-image-version.ts";
import type { OsName } from "./os-name.ts";

export type EffectiveOs = OsName | "unknown";

export interface EffectiveOsInput {
  osSku?: string;
  /** The version the pool's nodes run (currentOrchestratorVersion, else orchestratorVersion). */
  kubernetesVersion: string;
  nodeImageVersion?: string;
}

export interface EffectiveOsResult {
  os: EffectiveOs;
  /** Why, with the source of the SKU rule that decided when one did. */
  reason: string;
  image?: NodeImageVersion;
}

export function osFromImage(image: NodeImageVersion): OsName | undefined {
  return IMAGE_FAMILIES.find(
    (rule) =>
      rule.family.toLowerCase() === image.family.toLowerCase() &&
      image.variant.toLowerCase().startsWith(rule.variantPrefix.toLowerCase()),
  )?.os;
}

function skuRules(osSku: string) {
  const key = Object.keys(SKU_RESOLUTION).find((sku) => sku.toLowerCase() === osSku.toLowerCase());
  return key === undefined ? undefined : { sku: key, rules: SKU_RESOLUTION[key] ?? [] };
}

/** What the requested SKU alone gives on this Kubernetes version. */
export function osFromSku(
  osSku: string | undefined,
  kubernetesVersion: string,
): { os: EffectiveOs; reason: string } {
  if (!osSku) return { os: "unknown", reason: "the pool reports no osSku" };
  const found = skuRules(osSku);
  if (!found) return { os: "unknown", reason: `osSku ${osSku} is not one the product knows` };

  const version = parseKubernetesMinor(kubernetesVersion);
  const unversioned = found.rules.every((rule) => rule.from === undefined && rule.to === undefined);
  if (!version && !unversioned) {
    return {
      os: "unknown",
      reason: `osSku ${found.sku} depends on the Kubernetes version, and "${kubernetesVersion}" is not one`,
    };
  }
  const rule = found.rules.find((candidate) => !version || minorInRange(version, candidate));
  if (!rule) {
    const ranges = found.rules.map((r) => `${r.os} on ${describeRange(r)}`).join(", ");
    return {
      os: "unknown",
      reason: `osSku ${found.sku} on Kubernetes ${kubernetesVersion} is not documented (${ranges})`,
    };
  }
  const onVersion = unversioned ? "" : ` on Kubernetes ${describeRange(rule)}`;
  return { os: rule.os, reason: `osSku ${found.sku} gives ${rule.os}${onVersion} (${rule.sourceUrl})` };
}

export function effectiveOs(input: EffectiveOsInput): EffectiveOsResult {
  const image = input.nodeImageVersion ? parseNodeImageVersion(input.nodeImageVersion) : undefined;
  const imageOs = image ? osFromImage(image) : undefined;
  const fromSku = osFromSku(input.osSku, input.kubernetesVersion);
  if (!image) return fromSku;
  if (!imageOs) {
    // An image in a family the rules do not know says nothing about the OS; the SKU may still.
    const unknownFamily = `node image family ${image.family}-${image.variant} is not known`;
    return { ...fromSku, image, reason: `${fromSku.reason}; ${unknownFamily}` };
  }
  const agreement =
    fromSku.os === imageOs
      ? `, as osSku ${input.osSku} gives`
      : input.osSku
        ? ` whatever osSku ${input.osSku} requests`
        : "";
  return { os: imageOs, image, reason: `node image ${image.raw} is ${imageOs}${agreement}` };
}
