// Kubernetes versions as AKS reports them ("1.31", "1.31.9"). Lifecycle and OS rules work on the minor.

export interface KubernetesMinor {
  major: number;
  minor: number;
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.\d+)?$/;

export function parseKubernetesMinor(version: string): KubernetesMinor | undefined {
  const match = VERSION.exec(version.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]) };
}

export function minorLabel(version: KubernetesMinor): string {
  return `${version.major}.${version.minor}`;
}

/** Negative when a is older than b. */
export function compareMinor(a: KubernetesMinor, b: KubernetesMinor): number {
  return a.major - b.major || a.minor - b.minor;
}

/** An inclusive range of minors; an open end is unbounded. Bounds are written "1.28". */
export interface MinorRange {
  from?: string;
  to?: string;
}

export function minorInRange(version: KubernetesMinor, range: MinorRange): boolean {
  const bound = (label: string) => {
    const parsed = parseKubernetesMinor(label);
    if (!parsed) throw new Error(`"${label}" is not a Kubernetes minor version`);
    return parsed;
  };
  if (range.from !== undefined && compareMinor(version, bound(range.from)) < 0) return false;
  if (range.to !== undefined && compareMinor(version, bound(range.to)) > 0) return false;
  return true;
}

export function describeRange(range: MinorRange): string {
  if (range.from !== undefined && range.to !== undefined) return `${range.from}-${range.to}`;
  if (range.from !== undefined) return `${range.from}+`;
  if (range.to !== undefined) return `up to ${range.to}`;
  return "all versions";
}
