import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import type { ConfigurationVariableResolver, HardhatConfig, HardhatUserConfig } from "hardhat/types/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";

// Hardhat cannot download solc on these machines (see TOOLCHAIN.md): we pin the npm `solc`
// package and point Hardhat at its wasm build. The path must be absolute.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.30";

function compiler(runs: number) {
  return {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: { optimizer: { enabled: true, runs }, evmVersion: "prague", viaIR: true },
  };
}

/**
 * The Solidity tests' own code (fixtures, handlers, test contracts) compiles without the
 * optimizer, in one compilation job: ~1.9 min of one core here, where the contracts' settings
 * took ~4.5 min and were the critical path of `npm test` in CI (docs/testing.md).
 *
 * What the tests exercise is still exactly what ships: they deploy the gateway, tokens and escape
 * hatch from the contracts' own artifacts (`deployCode`, test/solidity/utils/Deployers.sol),
 * compiled with the settings above. Only the libraries' unit tests (RateLimitLib, MerkleLib) call
 * library code compiled into the test contract, i.e. unoptimized; the same code runs optimized
 * inside the gateway in every gateway test. Still via IR: the test code and the libraries it
 * inlines are too deep for the legacy pipeline's stack.
 */
const TEST_SETTINGS = { optimizer: { enabled: false }, evmVersion: "prague", viaIR: true };
const TESTS_DIR = "test/solidity";
const testSources = readdirSync(new URL(`./${TESTS_DIR}`, import.meta.url), { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".sol"))
  .map((file) => `${TESTS_DIR}/${file.split("\\").join("/")}`);

/**
 * Hardhat merges root files into one compilation job only when their resolved compiler configs
 * are the same object, and it resolves every override into its own object: 24 test files became
 * 24 jobs, each compiling the shared fixtures again. This plugin points every test override at
 * one resolved config after resolution, so the tests compile as one job.
 */
const oneTestCompilationJob = {
  id: "portcullis-one-test-compilation-job",
  hookHandlers: {
    config: async () => ({
      default: async () => ({
        resolveUserConfig: async (
          userConfig: HardhatUserConfig,
          resolveVariable: ConfigurationVariableResolver,
          next: (c: HardhatUserConfig, r: ConfigurationVariableResolver) => Promise<HardhatConfig>,
        ) => {
          const resolved = await next(userConfig, resolveVariable);
          for (const profile of Object.values(resolved.solidity.profiles)) {
            const shared = profile.overrides[testSources[0]!];
            for (const source of testSources) if (shared) profile.overrides[source] = shared;
          }
          return resolved;
        },
      }),
    }),
  },
};

/** Chain ids of the in-process test chains. The devnet uses the same ids (see deploy/). */
export const TEST_CHAIN_IDS = { l1: 900, l2a: 901, l2b: 902, l2c: 903 } as const;

export default defineConfig({
  plugins: [hardhatViem, oneTestCompilationJob],
  solidity: {
    compilers: [compiler(10_000)],
    overrides: {
      // The gateway's cold module (governance, escape hatch, claims; views one module further):
      // optimized for size so it stays under the 24 KiB code limit. Its gas is paid rarely.
      "contracts/gateway/BridgeGatewayAdmin.sol": compiler(1),
      ...Object.fromEntries(testSources.map((source) => [source, { ...compiler(0), settings: TEST_SETTINGS }])),
    },
  },
  test: {
    solidity: {
      // The escape tests deploy OP Stack bytecode as published (`vm.readFile` of its artifacts).
      fsPermissions: { readDirectory: ["node_modules/@eth-optimism/contracts-bedrock/forge-artifacts"] },
    },
  },
  paths: {
    sources: "./contracts",
    tests: { solidity: `./${TESTS_DIR}` },
  },
  networks: {
    l1: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l1 },
    l2a: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2a },
    l2b: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2b },
    l2c: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2c },
  },
});
