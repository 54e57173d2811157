// Instance ids, formed in one place: a singleton's id is what refuses a second start, so every starter
// (timer, HTTP, queue, orchestrator) must form it alike. Ids fit the Durable Task Scheduler's limit of 100
// characters and hold none of / \ # ? (ARM and notice ids do): what could be long or carry those
// characters is kept readable in part and made unique by a hash of the whole.

import { utcDayOf } from "../../shared/domain/lifecycle/calendar-date.ts";
import { sha256 } from "../../shared/domain/support/sha256.ts";

export const MAX_INSTANCE_ID_LENGTH = 100;

/** Room a parent leaves for its children's ids: ":" and a part of up to 15 characters. */
const CHILD_PART_LENGTH = 15;
export const MAX_PARENT_INSTANCE_ID_LENGTH = MAX_INSTANCE_ID_LENGTH - CHILD_PART_LENGTH - 1;

/** Hex digits of the hash that keeps a shortened id unique (64 bits). */
const HASH_LENGTH = 16;

/** A scan's id: its start instant to the second, "2026-11-26T02:00:00Z"; sorts with other scans. */
export function scanIdAt(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** One nightly scan per UTC day: a second firing the same day (a restart, a catch-up) starts nothing. */
export function nightlyScanInstanceId(now: Date): string {
  return `inventory-scan:${utcDayOf(now)}`;
}

/** A scan an operator asked for, by the second it was asked. */
export function operatorScanInstanceId(now: Date): string {
  return `inventory-scan:${scanIdAt(now)}`;
}

/** Either scan id form: a nightly scan's day, or an operator's scan's second. */
export const SCAN_INSTANCE_ID = /^inventory-scan:\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z)?$/;

/** The alerts' re-evaluation after a notice: once per notice, however often it is delivered. */
export function reevaluationInstanceId(noticeId: string): string {
  return `alerts:notice:${readable(noticeId, 48)}:${sha256(noticeId).slice(0, HASH_LENGTH)}`;
}

/**
 * One migration per pool at a time: "migration:<cluster name>:<pool>:<hash>:<attempt>". The name alone
 * is not unique (another resource group or subscription may use it) and the ARM id is too long and full
 * of slashes, so the hash of the whole ARM id and pool (case-insensitive, as ARM is) makes it unique; the
 * cluster name is cut to fit. `attempt` counts the pool's migrations (1 for its first): a pool rolled
 * back is migrated again under a new id, and two starts of the same attempt meet at one instance.
 */
export function migrationInstanceId(clusterId: string, pool: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > 9999) {
    throw new Error(`a migration attempt is a whole number from 1 to 9999, not ${attempt}`);
  }
  const name = clusterId.slice(clusterId.lastIndexOf("/") + 1);
  const hash = sha256(`${clusterId.toLowerCase()}|${pool.toLowerCase()}`).slice(0, HASH_LENGTH);
  const tail = `${readable(pool, 12)}:${hash}:${attempt}`;
  const fixed = `migration::${tail}`.length;
  return `migration:${readable(name, MAX_PARENT_INSTANCE_ID_LENGTH - fixed)}:${tail}`;
}

/**
 * A fleet rollout, by what was asked (policy, day, options as canonical JSON): the same request twice
 * meets one instance, so the second is refused rather than run twice.
 */
export function rolloutInstanceId(request: string): string {
  return `rollout:${sha256(request).slice(0, HASH_LENGTH)}`;
}

/**
 * A sub-orchestration's id under `parent` ("<parent>:<part>", e.g. "drain:7" for a migration's eighth
 * node), so a restarted parent addresses the same child. Parents built here leave room for it; a part is
 * refused rather than cut, since a cut part could name two children alike.
 */
export function childInstanceId(parent: string, part: string): string {
  if (part.length > CHILD_PART_LENGTH || readable(part, CHILD_PART_LENGTH) !== part) {
    throw new Error(`a child id part is at most ${CHILD_PART_LENGTH} of A-Z a-z 0-9 : . _ -, not "${part}"`);
  }
  const id = `${parent}:${part}`;
  if (id.length > MAX_INSTANCE_ID_LENGTH) {
    throw new Error(`instance id ${id} is longer than ${MAX_INSTANCE_ID_LENGTH} characters`);
  }
  return id;
}

/** The start of `text` in characters instance ids may hold. */
function readable(text: string, length: number): string {
  return text.replace(/[^A-Za-z0-9:._-]/g, "_").slice(0, length);
}
