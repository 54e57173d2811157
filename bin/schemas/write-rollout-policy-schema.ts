// Writes shared/formats/rollout-policy.schema.json from the zod schema (editors validate policy files with
// it; a test keeps the file's content in step with the schema).

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { rolloutPolicyJsonSchema } from "../../shared/formats/rollout-policy.ts";

export const POLICY_SCHEMA_PATH = fileURLToPath(
  new URL("../../shared/formats/rollout-policy.schema.json", import.meta.url),
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(POLICY_SCHEMA_PATH, rolloutPolicyJsonSchema());
  // The repository's formatter owns the layout of JSON files.
  execFileSync(fileURLToPath(new URL("../../node_modules/.bin/biome", import.meta.url)), [
    "format",
    "--write",
    POLICY_SCHEMA_PATH,
  ]);
  console.log(`wrote ${POLICY_SCHEMA_PATH}`);
}
