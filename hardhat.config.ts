import { createRequire } from "node:module";
import { defineConfig } from "hardhat/config";
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

/** Chain ids of the in-process test chains. The devnet uses the same ids (see deploy/). */
export const TEST_CHAIN_IDS = { l1: 900, l2a: 901, l2b: 902, l2c: 903 } as const;

export default defineConfig({
  plugins: [hardhatViem],
  solidity: {
    compilers: [compiler(10_000)],
    overrides: {
      // The gateway's cold module (governance, escape hatch, claims; views one module further):
      // optimized for size so it stays under the 24 KiB code limit. Its gas is paid rarely.
      "contracts/gateway/BridgeGatewayAdmin.sol": compiler(1),
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
