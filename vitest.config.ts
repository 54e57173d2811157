import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: files with servers run side by side; each listens on port 0.
    pool: "forks",
    maxWorkers: 2,
  },
});
