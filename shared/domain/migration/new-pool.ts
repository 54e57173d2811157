// The pool a migration creates: a name AKS accepts and no other pool of the cluster has, and the old
// pool's shape (mode, size, zones, labels, taints, subnet, autoscaler) with the target osSku.

import type { NodePool, OsType } from "../fleet/model.ts";
import type { PoolSpec } from "./migration-plan.ts";

/** AKS pool names: lowercase letters and digits, starting with a letter (aks-facts: agent pools). */
const MAX_POOL_NAME = { Linux: 12, Windows: 6 } as const satisfies Record<OsType, number>;

/** What is wrong with a pool name for this OS type, or undefined when AKS accepts it. */
export function poolNameProblem(name: string, osType: OsType): string | undefined {
  const max = MAX_POOL_NAME[osType];
  return /^[a-z][a-z0-9]*$/.test(name) && name.length <= max
    ? undefined
    : `must be 1 to ${max} lowercase letters and digits starting with a letter (a ${osType} pool name), not ${JSON.stringify(name)}`;
}

/** A short mark of the target SKU: its capitals and its version ("AzureLinux3" -> "al3"). */
function skuMark(osSku: string): string {
  const mark = `${osSku.replace(/[^A-Z]/g, "")}${/\d+$/.exec(osSku)?.[0] ?? ""}`.toLowerCase();
  return /^[a-z]/.test(mark) ? mark : `n${mark.replace(/[^a-z0-9]/g, "")}`;
}

/**
 * The old name with the target's mark ("batch" on AzureLinux3 -> "batchal3"), cut to fit; when that is
 * taken, a number after the mark ("batchal32", ...). Deterministic: the same pools give the same name.
 */
export function newPoolName(
  oldPool: string,
  existingPoolNames: readonly string[],
  osType: OsType,
  targetOsSku: string,
): string {
  const max = MAX_POOL_NAME[osType];
  const stem =
    oldPool
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "")
      .replace(/^[0-9]+/, "") || "pool";
  const taken = new Set([oldPool, ...existingPoolNames].map((name) => name.toLowerCase()));
  const mark = skuMark(targetOsSku);
  // A cluster has at most 100 pools, so a free number comes long before the number outgrows the name.
  for (let attempt = 1; ; attempt++) {
    const tail = attempt === 1 ? mark : `${mark}${attempt}`;
    // At least the stem's first letter stays, so the name starts with a letter.
    const fitted = tail.length < max ? tail : tail.slice(tail.length - (max - 1));
    const name = `${stem.slice(0, max - fitted.length)}${fitted}`;
    if (!taken.has(name)) return name;
  }
}

/** The old pool's shape under a new name and the target osSku. */
export function newPoolSpec(pool: NodePool, name: string, targetOsSku: string): PoolSpec {
  return {
    name,
    mode: pool.mode,
    osType: pool.osType,
    osSku: targetOsSku,
    vmSize: pool.vmSize,
    count: pool.count,
    orchestratorVersion: pool.orchestratorVersion,
    availabilityZones: [...pool.availabilityZones],
    nodeLabels: { ...pool.nodeLabels },
    nodeTaints: [...pool.nodeTaints],
    ...(pool.maxPods !== undefined && { maxPods: pool.maxPods }),
    ...(pool.vnetSubnetId !== undefined && { vnetSubnetId: pool.vnetSubnetId }),
    enableAutoScaling: pool.enableAutoScaling,
    ...(pool.enableAutoScaling && pool.minCount !== undefined && { minCount: pool.minCount }),
    ...(pool.enableAutoScaling && pool.maxCount !== undefined && { maxCount: pool.maxCount }),
  };
}
