// Writes local/scenarios/scenario.schema.json from the zod schema (editors validate scenarios with it;
// a test keeps the file's content in step with the schema).

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { scenarioSchema } from "./schema.ts";

export const SCHEMA_PATH = fileURLToPath(new URL("../../scenarios/scenario.schema.json", import.meta.url));

export function scenarioJsonSchema(): string {
  const schema = z.toJSONSchema(scenarioSchema, { io: "input", unrepresentable: "any", reused: "ref" });
  return `${JSON.stringify({ ...schema, title: "aks-image-lifecycle simulator scenario" }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_PATH, scenarioJsonSchema());
  // The repository's formatter owns the layout of JSON files.
  execFileSync(fileURLToPath(new URL("../../../node_modules/.bin/biome", import.meta.url)), [
    "format",
    "--write",
    SCHEMA_PATH,
  ]);
  console.log(`wrote ${SCHEMA_PATH}`);
}
