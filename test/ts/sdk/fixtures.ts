/** A small hand-written manifest, messages and tallies for the SDK's and CLI's offline tests. */
import { expect } from "vitest";
import { getAddress, type Address, type Hex } from "viem";
import { parseManifest, type GatewayChain, type Manifest } from "../../../core/manifest.js";
import { MESSAGE_VERSION } from "../../../core/message.js";
import { InvalidInputError } from "../../../sdk/errors.js";
import type { Attestations } from "../../../sdk/status.js";
import type { SentRecord } from "../../../sdk/tracker.js";

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

/** The guardians' tally of a message: `signable` of 2 signed (3 guardians), plus `extra`. */
export function attestations(signable: number, extra: Partial<Attestations> = {}): Attestations {
  return {
    signable,
    threshold: 2,
    guardians: 3,
    awaitingApproval: 0,
    unconfirmed: 0,
    unknown: 0,
    unreachable: 0,
    rejected: [],
    ...extra,
  };
}

/** A 5 ALPHA transfer l2a → l2b, sent at unix second 1_700_000_000 in block 12. */
export function sentRecord(manifest: Manifest = testManifest()): SentRecord {
  const [, l2a, l2b] = manifest.chains as GatewayChain[];
  return {
    msgId: `0x${"ab".repeat(32)}` as Hex,
    message: {
      version: MESSAGE_VERSION,
      nonce: 7n,
      sourceChainId: 901n,
      destChainId: 902n,
      sourceGateway: l2a!.gateway,
      destGateway: l2b!.gateway,
      sender: "0x00000000000000000000000000000000000000c1",
      recipient: "0x00000000000000000000000000000000000000c2",
      tokenChainId: 901n,
      token: ALPHA_HOME,
      amount: 5n * 10n ** 18n,
      deadline: 1_700_086_400n,
      dropOff: 0n,
    },
    source: l2a!,
    dest: l2b!,
    token: manifest.tokens[0],
    txHash: `0x${"cd".repeat(32)}` as Hex,
    blockNumber: 12n,
    timestamp: 1_700_000_000,
  };
}

/** A distinct test address: G(1) = 0x…01. */
export const G = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

/**
 * The sentence `f` refuses with: an `InvalidInputError` whose `shortMessage` is one sentence;
 * with `sdkWords`, also free of command-line flags (the SDK's sentences never name one).
 */
export function refusal(f: () => unknown, options: { sdkWords?: boolean } = {}): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    const message = (e as InvalidInputError).shortMessage;
    expect(message).toMatch(/\.$/);
    if (options.sdkWords) expect(message, "no command-line words in the SDK").not.toMatch(/--[a-z]/);
    return message;
  }
  throw new Error("expected the input to be refused");
}
