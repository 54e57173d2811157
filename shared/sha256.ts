// SHA-256 of a text as lower-case hex: the digest behind derived ids, keys and content hashes.

import { createHash } from "node:crypto";

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
