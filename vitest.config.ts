import { defineConfig } from "vitest/config";

// Two projects: `unit` is hermetic and fast (core codec, Merkle, config parsing, in-process
// Hardhat chains); `integration` starts real processes (anvil chains, redis-server, services)
// on 127.0.0.1 and runs them one file at a time so the two cores are not oversubscribed.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/ts/**/*.test.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
