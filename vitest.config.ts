import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Data-plane and multi-process tests spawn servers; keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
