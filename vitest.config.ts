import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["protocol/**/*.test.ts", "domain/**/*.test.ts", "shard/**/*.test.ts", "gateway/**/*.test.ts", "client/**/*.test.ts", "console/**/*.test.ts", "bench/**/*.test.ts", "tools/**/*.test.ts"],
    // Integration tests start real servers with worker threads; keep them from
    // fighting over the two cores of the CI machine.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
