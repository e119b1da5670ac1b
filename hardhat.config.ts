import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";

// Hardhat cannot download solc on these machines (see TOOLCHAIN.md): we pin the npm `solc`
// package and point Hardhat at its wasm build. The path must be absolute.
const require = createRequire(import.meta.url);
const SOLC_VERSION = "0.8.30";

/** Chain ids of the in-process test chains. The devnet uses the same ids (see deploy/). */
export const TEST_CHAIN_IDS = { l1: 900, l2a: 901, l2b: 902, l2c: 903 } as const;

export default defineConfig({
  plugins: [hardhatViem],
  solidity: {
    version: SOLC_VERSION,
    path: require.resolve("solc/soljson.js"),
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "prague",
      viaIR: true,
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
    tests: { solidity: "./test/solidity" },
  },
  networks: {
    l1: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l1 },
    l2a: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2a },
    l2b: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2b },
    l2c: { type: "edr-simulated", chainType: "l1", chainId: TEST_CHAIN_IDS.l2c },
  },
});
