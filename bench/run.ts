// npm run bench: runs every bench/*.bench.ts, each in its own Node process (so its memory figures are its own),
// one after another. A bench module exports a default async function that prints its figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const benchDir = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(benchDir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error(`No bench/*.bench.ts file matches ${only.join(", ") || "anything"}.`);
  process.exit(1);
}

const failed: string[] = [];
for (const file of files) {
  console.log(`\n== ${file}`);
  const url = pathToFileURL(join(benchDir, file)).href;
  const script = `const bench = await import(${JSON.stringify(url)}); if (typeof bench.default === "function") await bench.default();`;
  const result = spawnSync(process.execPath, ["--input-type=module", "--no-warnings", "-e", script], {
    stdio: "inherit",
    cwd: join(benchDir, ".."),
  });
  if (result.status !== 0) failed.push(file);
}
if (failed.length > 0) {
  console.error(`\nFailed: ${failed.join(", ")}`);
  process.exit(1);
}
