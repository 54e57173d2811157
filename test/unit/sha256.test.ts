// The domain's SHA-256 (for ids orchestrations derive) gives node:crypto's digest for any text, so ids
// derived before it existed keep their value.

import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256 } from "../../shared/domain/support/sha256.ts";

const nodeSha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("domain sha256", () => {
  it("matches the FIPS 180-4 examples", () => {
    expect(sha256("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("matches node:crypto around the block boundaries (55, 56, 63, 64 bytes and more)", () => {
    for (const length of [55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
      const text = "a".repeat(length);
      expect(sha256(text), `${length} bytes`).toBe(nodeSha256(text));
    }
  });

  it("matches node:crypto for any text, multi-byte UTF-8 included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (text) => {
        expect(sha256(text)).toBe(nodeSha256(text));
      }),
      { numRuns: 300 },
    );
  });
});
