// A migration's audit records as a hash chain: each record carries the hash of the one before, so
// editing, removing or reordering a stored record is found by recomputing the hashes, and records cut off
// the end by comparing the last with the chain's head, which every append writes apart from the records.

import type { AuditHead, AuditRecord, ChainedAuditRecord } from "../ports/migrations.ts";
import { canonicalJson } from "../support/canonical-json.ts";
import { sha256 } from "../support/sha256.ts";

/** What the first record of a chain links to. */
export const GENESIS_HASH = "0".repeat(64);

type ChainProblem = "sequence gap" | "broken link" | "hash mismatch" | "missing records";

export type ChainVerification =
  | { ok: true }
  | {
      ok: false;
      /** Position in the list, and the record's id. */
      index: number;
      id: string;
      problem: ChainProblem;
      detail: string;
    };

/** The record as it is appended after the record whose hash is `previousHash`, as number `sequence`. */
export function chainRecord(record: AuditRecord, sequence: number, previousHash: string): ChainedAuditRecord {
  const unhashed = { ...record, sequence, previousHash };
  return { ...unhashed, hash: sha256(canonicalJson(unhashed)) };
}

/**
 * `ok`, or the first record whose number, link or hash does not match; with the chain's `head`, records
 * missing after the last one listed are named too (as the record after it, id "(missing)"). Read the head
 * before the records: a record appended in between is then one more, not a mismatch. `null` is a store
 * that keeps heads but has none for a chain that has records: its tail cannot be vouched for.
 */
export function verifyChain(
  records: readonly ChainedAuditRecord[],
  head?: AuditHead | null,
): ChainVerification {
  let previousHash = GENESIS_HASH;
  for (const [index, record] of records.entries()) {
    const failure = (problem: ChainProblem, detail: string) =>
      ({ ok: false, index, id: record.id, problem, detail }) as const;
    if (record.sequence !== index + 1) {
      return failure("sequence gap", `sequence ${record.sequence}, expected ${index + 1}`);
    }
    if (record.previousHash !== previousHash) {
      return failure("broken link", `previousHash ${record.previousHash}, expected ${previousHash}`);
    }
    const { hash, ...unhashed } = record;
    const expected = sha256(canonicalJson(unhashed));
    if (hash !== expected) return failure("hash mismatch", `hash ${hash}, content hashes to ${expected}`);
    previousHash = hash;
  }
  if (head === undefined || (head === null && records.length === 0)) return { ok: true };
  const atHead = head && records[head.sequence - 1];
  if (!head || atHead?.hash !== head.hash) {
    return {
      ok: false,
      index: records.length,
      id: "(missing)",
      problem: "missing records",
      detail: head
        ? `the chain's head is record ${head.sequence} (hash ${head.hash}), the last one stored is record ${records.length}`
        : `the chain has ${records.length} records and no head`,
    };
  }
  return { ok: true };
}
