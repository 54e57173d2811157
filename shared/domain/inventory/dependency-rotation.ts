// Which clusters a scan scans the workloads of. A large fleet may spread them over nights: with a
// rotation of N nights each cluster is scanned every N-th night, its night chosen by a stable hash of its
// id, so a night's Kubernetes work is about 1/N of the fleet and no cluster's results are older than N
// days. A rotation of 1 (the default) scans every cluster every night.

import { type IsoDate, utcMidnight } from "../lifecycle/calendar-date.ts";

const DAY_MS = 86_400_000;

/** Whether the scan of `scanDay` scans `clusterId`'s workloads. */
export function dependencyScanDue(clusterId: string, scanDay: IsoDate, rotationNights: number): boolean {
  if (rotationNights <= 1) return true;
  const day = utcMidnight(scanDay) / DAY_MS;
  return (fnv1a(clusterId.toLowerCase()) + day) % rotationNights === 0;
}

/** 32-bit FNV-1a: cheap, stable across processes and versions (ARM ids are case-insensitive). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
