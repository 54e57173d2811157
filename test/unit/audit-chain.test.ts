import { describe, expect, it } from "vitest";
import type { ChainedAuditRecord } from "../../shared/domain/ports/migrations.ts";
import { chainRecord, GENESIS_HASH, verifyChain } from "../../shared/domain/records/audit-chain.ts";
import { canonicalJson } from "../../shared/domain/support/canonical-json.ts";
import { sha256 } from "../../shared/domain/support/sha256.ts";
import { anAuditRecord } from "../support/migration-fixtures.ts";

/** A valid chain of `length` records, built as a store appends them. */
function chainOf(length: number): ChainedAuditRecord[] {
  const chain: ChainedAuditRecord[] = [];
  for (let n = 1; n <= length; n++) {
    const record = anAuditRecord({ id: `step-${n}`, target: `aks-batch-${n}` });
    chain.push(chainRecord(record, n, chain.at(-1)?.hash ?? GENESIS_HASH));
  }
  return chain;
}

describe("verifyChain", () => {
  it("accepts an empty chain and one built link by link", () => {
    expect(verifyChain([])).toEqual({ ok: true });
    expect(verifyChain(chainOf(4))).toEqual({ ok: true });
  });

  it("hashes the canonical JSON of the record without its hash", () => {
    const [first] = chainOf(1) as [ChainedAuditRecord];
    const { hash, ...unhashed } = first;
    expect(hash).toBe(sha256(canonicalJson(unhashed)));
  });

  it("names an edited record as a hash mismatch", () => {
    const chain = chainOf(3);
    chain[1] = { ...(chain[1] as ChainedAuditRecord), reason: "nothing happened" };
    expect(verifyChain(chain)).toMatchObject({ ok: false, index: 1, id: "step-2", problem: "hash mismatch" });
  });

  it("names a record rehashed after an edit as the break in the link after it", () => {
    const chain = chainOf(3);
    const { sequence, previousHash, hash: _old, ...second } = chain[1] as ChainedAuditRecord;
    chain[1] = chainRecord({ ...second, reason: "nothing happened" }, sequence, previousHash);
    expect(verifyChain(chain)).toMatchObject({ ok: false, index: 2, id: "step-3", problem: "broken link" });
  });

  it("names the record after a removed one as a sequence gap", () => {
    const chain = chainOf(3);
    chain.splice(1, 1);
    expect(verifyChain(chain)).toMatchObject({ ok: false, index: 1, id: "step-3", problem: "sequence gap" });
  });

  it("names records cut off the end against the chain's head, and accepts a chain that reaches it", () => {
    const chain = chainOf(4);
    const last = chain[3] as ChainedAuditRecord;
    const head = { sequence: 4, hash: last.hash };
    expect(verifyChain(chain, head)).toEqual({ ok: true });
    expect(verifyChain(chain.slice(0, 2), head)).toEqual({
      ok: false,
      index: 2,
      id: "(missing)",
      problem: "missing records",
      detail: `the chain's head is record 4 (hash ${last.hash}), the last one stored is record 2`,
    });
    expect(verifyChain([], head)).toMatchObject({ ok: false, index: 0, problem: "missing records" });
    // A record appended after the head was read is one more, not a mismatch.
    expect(verifyChain(chainOf(5), head)).toEqual({ ok: true });
    // A store that keeps heads but has none for a chain with records cannot vouch for its tail.
    expect(verifyChain(chain, null)).toMatchObject({
      ok: false,
      problem: "missing records",
      detail: "the chain has 4 records and no head",
    });
    expect(verifyChain([], null)).toEqual({ ok: true });
    // A head that names another last record, at the same number, is a mismatch too.
    expect(verifyChain(chain, { sequence: 4, hash: "a".repeat(64) })).toMatchObject({
      problem: "missing records",
    });
  });

  it("names a first record that does not start from the genesis value as a broken link", () => {
    const forged = chainRecord(anAuditRecord({ id: "step-1" }), 1, "f".repeat(64));
    expect(verifyChain([forged])).toMatchObject({ ok: false, index: 0, problem: "broken link" });
  });
});
