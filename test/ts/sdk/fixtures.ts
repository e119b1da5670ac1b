/** A small hand-written manifest for the CLI's offline tests (no chain is contacted). */
import { getAddress } from "viem";
import { parseManifest, type Manifest } from "../../../core/manifest.js";

export const ALPHA_HOME = getAddress("0x00000000000000000000000000000000000a1fa0");
export const BETA_HOME = getAddress("0x00000000000000000000000000000000000be7a0");

export function testManifest(overrides: Partial<{ network: string; devKeys: boolean }> = {}): Manifest {
  return parseManifest({
    version: 1,
    network: overrides.network ?? "devnet",
    chains: [
      { name: "l1", chainId: 900, rpcUrl: "http://127.0.0.1:1", kind: "l1", confirmations: 1 },
      {
        name: "l2a",
        chainId: 901,
        rpcUrl: "http://127.0.0.1:2",
        kind: "l2",
        confirmations: 1,
        gateway: "0x1000000000000000000000000000000000000001",
        deployBlock: 1,
      },
      {
        name: "l2b",
        chainId: 902,
        rpcUrl: "http://127.0.0.1:3",
        kind: "l2",
        confirmations: 1,
        gateway: "0x2000000000000000000000000000000000000002",
        deployBlock: 1,
      },
      {
        name: "l2c",
        chainId: 903,
        rpcUrl: "http://127.0.0.1:4",
        kind: "l2",
        confirmations: 1,
        gateway: "0x3000000000000000000000000000000000000003",
        deployBlock: 1,
      },
    ],
    guardianSet: {
      index: 0,
      threshold: 2,
      guardians: [
        { address: "0x00000000000000000000000000000000000000f1", url: "http://127.0.0.1:5" },
        { address: "0x00000000000000000000000000000000000000f2", url: "http://127.0.0.1:6" },
        { address: "0x00000000000000000000000000000000000000f3", url: "http://127.0.0.1:7" },
      ],
    },
    tokens: [
      {
        symbol: "ALPHA",
        name: "Alpha Token",
        decimals: 18,
        homeChainId: 901,
        homeToken: ALPHA_HOME,
        addresses: {
          "901": ALPHA_HOME,
          "902": "0x00000000000000000000000000000000000a1fa2",
          "903": "0x00000000000000000000000000000000000a1fa3",
        },
      },
      {
        symbol: "BETA",
        name: "Beta Token",
        decimals: 6,
        homeChainId: 902,
        homeToken: BETA_HOME,
        // Deliberately not deployed on l2c.
        addresses: { "902": BETA_HOME, "901": "0x00000000000000000000000000000000000be7a1" },
      },
    ],
    params: { largeDelaySeconds: 20 },
    roles: {
      l2a: {
        governor: "0x00000000000000000000000000000000000000a0",
        pausers: ["0x00000000000000000000000000000000000000a1"],
        vetoers: ["0x00000000000000000000000000000000000000a1"],
      },
    },
    ...(overrides.devKeys === false
      ? {}
      : {
          devKeys: {
            deployer: `0x${"11".repeat(32)}`,
            monitor: `0x${"22".repeat(32)}`,
            guardians: [`0x${"33".repeat(32)}`],
            relayers: [`0x${"44".repeat(32)}`],
            users: [`0x${"55".repeat(32)}`, `0x${"66".repeat(32)}`],
          },
        }),
  });
}
