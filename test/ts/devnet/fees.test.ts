/** devnet/fees.ts: the governance calls that price a devnet's routes. */
import { describe, expect, it } from "vitest";
import { decodeFunctionData, getAddress, keccak256, stringToHex } from "viem";
import { bridgeGatewayAbi } from "../../../core/generated/abis.js";
import { DEVNET_FEES, feeCalls } from "../../../devnet/fees.js";
import { testManifest } from "../sdk/fixtures.js";

const OPERATOR = getAddress("0x00000000000000000000000000000000000000f0");

describe("feeCalls", () => {
  it("prices every route of one gateway, names the beneficiary and grants the fee updater", () => {
    const manifest = testManifest();
    const calls = feeCalls(manifest, 901, OPERATOR);
    const l2a = manifest.chains.find((c) => c.chainId === 901)!;
    expect(calls.every((c) => c.target === l2a.gateway)).toBe(true);
    const decoded = calls.map((c) => decodeFunctionData({ abi: bridgeGatewayAbi, data: c.data }));
    expect(decoded).toEqual([
      { functionName: "setFeeConfig", args: [902n, DEVNET_FEES] },
      { functionName: "setFeeConfig", args: [903n, DEVNET_FEES] },
      { functionName: "setFeeBeneficiary", args: [OPERATOR] },
      { functionName: "grantRole", args: [keccak256(stringToHex("FEE_UPDATER_ROLE")), OPERATOR] },
    ]);
  });

  it("prices a single message above what a relayer pays for it on the devnet, with room for drop-offs", () => {
    // 250,000 gas at 2 gwei: a one-message delivery uses about 150,000 gas at about 1-2 gwei.
    expect(BigInt(DEVNET_FEES.gasPerMessage) * DEVNET_FEES.gasPrice).toBe(5n * 10n ** 14n);
    expect(DEVNET_FEES.gasPrice).toBeGreaterThanOrEqual(DEVNET_FEES.minGasPrice);
    expect(DEVNET_FEES.gasPrice).toBeLessThanOrEqual(DEVNET_FEES.maxGasPrice);
    expect(DEVNET_FEES.dropOffCap).toBeGreaterThan(0n);
  });
});
