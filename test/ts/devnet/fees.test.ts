/** devnet/fees.ts: the devnet deploy config's `fees`, priced or not, as the deploy schema takes them. */
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { feeConfigOf, feesSchema } from "../../../deploy/config.js";
import { DEVNET_FEES, devnetFees, UNPRICED } from "../../../devnet/fees.js";

const OPERATOR = getAddress("0x00000000000000000000000000000000000000f0");

describe("devnet fees", () => {
  it("names the relayer operator as beneficiary and fee updater; every route priced or none", () => {
    expect(feesSchema.parse(devnetFees(OPERATOR, true))).toEqual({
      beneficiary: OPERATOR,
      updaters: [OPERATOR],
      default: DEVNET_FEES,
      routes: [],
    });
    expect(devnetFees(OPERATOR, false).default).toBe(UNPRICED);
  });

  it("prices a single message above what a relayer pays for it on the devnet, with room for drop-offs", () => {
    const { config, problems } = feeConfigOf(DEVNET_FEES);
    expect(problems).toEqual([]);
    // 250,000 gas at 2 gwei: a one-message delivery uses about 150,000 gas at about 1-2 gwei.
    expect(BigInt(config.gasPerMessage) * config.gasPrice).toBe(5n * 10n ** 14n);
    expect(config.dropOffCap).toBe(10n ** 17n);
  });

  it("leaves a route unpriced as a gateway holds it before governance sets it: all zero", () => {
    const { config, problems } = feeConfigOf(UNPRICED);
    expect(problems).toEqual([]);
    expect(Object.values(config).every((v) => v === 0 || v === 0n)).toBe(true);
  });
});
