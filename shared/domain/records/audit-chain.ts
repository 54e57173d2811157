// A migration's audit records as a hash chain: each record carries the hash of the one before, so
// editing, removing or reordering a stored record is found by recomputing the hashes.

import type { AuditRecord, ChainedAuditRecord } from "../ports/migrations.ts";
import { canonicalJson } from "../support/canonical-json.ts";
import { sha256 } from "../support/sha256.ts";

/** What the first record of a chain links to. */
export const GENESIS_HASH = "0".repeat(64);

export type ChainVerification =
  | { ok: true }
  | {
      ok: false;
      /** Position in the list, and the record's id. */
      index: number;
      id: string;
      problem: "sequence gap" | "broken link" | "hash mismatch";
      detail: string;
    };

/** The record as it is appended after the record whose hash is `previousHash`, as number `sequence`. */
export function chainRecord(record: AuditRecord, sequence: number, previousHash: string): ChainedAuditRecord {
  const unhashed = { ...record, sequence, previousHash };
  return { ...unhashed, hash: sha256(canonicalJson(unhashed)) };
}

/** `ok`, or the first record whose number, link or hash does not match. */
export function verifyChain(records: readonly ChainedAuditRecord[]): ChainVerification {
  let previousHash = GENESIS_HASH;
  for (const [index, record] of records.entries()) {
    const failure = (problem: "sequence gap" | "broken link" | "hash mismatch", detail: string) =>
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
  return { ok: true };
}
