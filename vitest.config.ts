import { defineConfig } from "vitest/config";

/**
 * Integration files run this many at a time (PORTCULLIS_INTEGRATION_WORKERS overrides). Each
 * starts its own devnet in its own temp directory, on ports from the allocator (devnet/ports.ts),
 * so they cannot collide; most of their time is spent waiting for blocks, delays and timelocks,
 * so several fit on two cores. docs/testing.md has the measurements behind the number.
 */
const INTEGRATION_WORKERS = Number(process.env.PORTCULLIS_INTEGRATION_WORKERS || 3);

// Two projects: `unit` is hermetic and fast (core codec, Merkle, config parsing, in-process
// Hardhat chains); `integration` starts real processes (anvil chains, redis-server, services)
// on 127.0.0.1. `npm test` runs them side by side (scripts/test.ts); a plain `vitest run` runs
// the integration group first, then the unit group (projects with different worker counts need
// their own `groupOrder`).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/ts/**/*.test.ts"],
          // One module graph per worker instead of one per file: with isolation, re-importing
          // viem, Hardhat and our modules for each of ~70 files was 40% of the unit run (about
          // 160 of 400 s on these 2 cores, beside the integration files). No unit test mocks
          // modules or leaves globals changed (the only spies restore themselves), so sharing
          // the graph is safe; `--isolate` brings isolation back for a run that needs it.
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/integration/setup/bundle.ts"],
          testTimeout: 600_000,
          hookTimeout: 300_000,
          maxWorkers: INTEGRATION_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
    ],
  },
});
