// AKS's rules for an agent pool's name and taints, which a scenario's pools and the simulated ARM's
// pool PUTs both have to follow.

/** Longest agent pool name AKS accepts for the OS (https://aka.ms/aks-naming-rules). */
export function maxPoolNameLength(osType: string): number {
  return osType === "Windows" ? 6 : 12;
}

/** A lowercase letter, then lowercase letters and digits, no longer than the OS allows. */
export function isValidPoolName(name: string, osType: string): boolean {
  return /^[a-z][a-z0-9]*$/.test(name) && name.length <= maxPoolNameLength(osType);
}

/** A pool taint as ARM takes it: key[=value]:Effect. */
export const TAINT_PATTERN = /^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/;
