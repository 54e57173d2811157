// Can a pool run a target osSku on its Kubernetes version, and which target should a retiring pool take?
// Every verdict carries its reasons, so an operator sees why, not just yes or no.

import type { OsType } from "../fleet/model.ts";
import { MIGRATION_METHOD, MIGRATION_TARGETS, SKU_RESOLUTION, SKU_SUPPORT } from "./data/os-sku-rules.ts";
import type { EffectiveOs } from "./effective-os.ts";
import { compareMinor, describeRange, minorInRange, parseKubernetesMinor } from "./kubernetes-version.ts";
import type { Calendar, LifecycleStatus, ResolvedEntry } from "./lifecycle-calendar.ts";
import { findEntry, lifecycleStatusAt } from "./lifecycle-calendar.ts";
import { describeLifecycle } from "./lifecycle-text.ts";

export interface CompatibilityInput {
  kubernetesVersion: string;
  osType: OsType;
  enableFips?: boolean;
}

export type MigrationMethod = (typeof MIGRATION_METHOD)[OsType]["method"];

export interface Compatibility {
  osSku: string;
  compatible: boolean;
  /** How the pool gets there, when it can. */
  method?: MigrationMethod;
  reasons: string[];
}

export function checkCompatibility(osSku: string, pool: CompatibilityInput): Compatibility {
  const support = SKU_SUPPORT[osSku];
  const no = (reason: string): Compatibility => ({ osSku, compatible: false, reasons: [reason] });
  if (!support) return no(`no version rule is known for osSku ${osSku}`);
  if (support.osType !== pool.osType) {
    return no(`${osSku} is a ${support.osType} SKU and this is a ${pool.osType} pool`);
  }
  const version = parseKubernetesMinor(pool.kubernetesVersion);
  if (!version) return no(`"${pool.kubernetesVersion}" is not a Kubernetes version`);
  const range = describeRange(support);
  if (!minorInRange(version, support)) {
    const lowest = support.from === undefined ? undefined : parseKubernetesMinor(support.from);
    const hint =
      lowest && compareMinor(version, lowest) < 0
        ? `upgrade Kubernetes to ${support.from} first`
        : `it is not allowed above ${support.to}`;
    return no(
      `${osSku} runs on Kubernetes ${range}, not ${pool.kubernetesVersion}: ${hint} (${support.sourceUrl})`,
    );
  }
  if (support.notWithFips && pool.enableFips) {
    return no(`${osSku} is not available with FIPS, which this pool has enabled (${support.sourceUrl})`);
  }
  const how = MIGRATION_METHOD[pool.osType];
  const reasons = [`${osSku} runs on Kubernetes ${range} (${support.sourceUrl})`];
  if (support.caveat) reasons.push(`${osSku} is ${support.caveat}`);
  reasons.push(`${how.howTo} (${how.sourceUrl})`);
  return { osSku, compatible: true, method: how.method, reasons };
}

/** Said when a pinned SKU stops at a version the pool is on or past: its next upgrade needs a new SKU. */
export function skuVersionLimit(osSku: string | undefined, kubernetesVersion: string): string | undefined {
  const support = osSku === undefined ? undefined : SKU_SUPPORT[osSku];
  const version = parseKubernetesMinor(kubernetesVersion);
  const top = support?.to === undefined ? undefined : parseKubernetesMinor(support.to);
  if (!support || !version || !top || compareMinor(version, top) < 0) return undefined;
  return `osSku ${osSku} is not allowed above Kubernetes ${support.to}: change the SKU before upgrading (${support.sourceUrl})`;
}

export interface Recommendation extends Compatibility {
  /** The target's own lifecycle at `now`, when the calendar knows it. */
  targetStatus?: LifecycleStatus;
}

function targetEntry(calendar: Calendar, osSku: string): ResolvedEntry | undefined {
  const os = SKU_RESOLUTION[osSku]?.[0]?.os ?? osSku;
  return findEntry(calendar, { kind: "osSku", value: os });
}

/** The first compatible target in order of preference, else the preferred one with what blocks it. */
export function recommendTarget(
  current: EffectiveOs,
  pool: CompatibilityInput,
  calendar: Calendar,
  now: Date,
): Recommendation | undefined {
  const candidates = current === "unknown" ? undefined : MIGRATION_TARGETS[current];
  if (!candidates?.length) return undefined;
  const verdicts = candidates.map((osSku) => checkCompatibility(osSku, pool));
  const chosen = verdicts.find((verdict) => verdict.compatible) ?? (verdicts[0] as Compatibility);
  const passedOver = verdicts
    .slice(0, verdicts.indexOf(chosen))
    .map((verdict) => `${verdict.osSku} would be preferred, but ${verdict.reasons.join("; ")}`);

  const entry = targetEntry(calendar, chosen.osSku);
  const targetStatus = entry ? lifecycleStatusAt(entry, now) : undefined;
  const targetWarning =
    entry && targetStatus && targetStatus.state !== "supported"
      ? [`the target itself retires: ${describeLifecycle(entry.label, targetStatus)}`]
      : [];
  return {
    ...chosen,
    reasons: [...passedOver, ...chosen.reasons, ...targetWarning],
    ...(targetStatus && { targetStatus }),
  };
}
