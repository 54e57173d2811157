// Kubernetes resource quantities ("250m", "1.5", "512Mi", "2G") as the apiserver parses them.

const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const decimal: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

export const QUANTITY_PATTERN = /^(\d+(?:\.\d+)?)(m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/;

/** The quantity as a plain number of base units (cores, bytes). */
export function parseQuantity(text: string): number {
  const match = QUANTITY_PATTERN.exec(text.trim());
  if (!match) throw new Error(`quantities must match ${QUANTITY_PATTERN.source}, got "${text}"`);
  const value = Number(match[1]);
  const suffix = match[2] ?? "";
  const factor = binary[suffix] ?? decimal[suffix];
  return value * (factor as number);
}

export function milliCores(text: string | undefined): number {
  return text === undefined ? 0 : Math.round(parseQuantity(text) * 1000);
}

export function bytes(text: string | undefined): number {
  return text === undefined ? 0 : Math.round(parseQuantity(text));
}

/** Memory as the kubelet reports it in node status: whole Ki. */
export function formatKi(byteCount: number): string {
  return `${Math.floor(byteCount / 1024)}Ki`;
}

export function formatMilliCores(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}
