/**
 * `relayer/chains.ts` fees: the cap over the base fee (`feesFrom`) and the tip a delivery bids
 * (`deliveryTip`): the node's suggestion, a quarter more when the head block is nearly full.
 */
import { describe, expect, it } from "vitest";
import { parseGwei } from "viem";
import { CONGESTED_PERCENT, deliveryTip, feesFrom } from "../../../relayer/chains.js";

const GAS_LIMIT = 30_000_000n;
const headUsing = (percent: bigint) => ({ gasUsed: (GAS_LIMIT * percent) / 100n, gasLimit: GAS_LIMIT });

describe("delivery fees", () => {
  it("caps at twice the base fee plus the tip", () => {
    expect(feesFrom(parseGwei("3"), parseGwei("1"))).toEqual({
      maxFeePerGas: parseGwei("7"),
      maxPriorityFeePerGas: parseGwei("1"),
    });
  });

  it("bids the suggested tip while the head has room", () => {
    expect(deliveryTip(parseGwei("1"), headUsing(0n))).toBe(parseGwei("1"));
    expect(deliveryTip(parseGwei("1"), headUsing(CONGESTED_PERCENT - 1n))).toBe(parseGwei("1"));
  });

  it("bids a quarter more on a nearly full head, and above a suggestion too small to raise", () => {
    expect(deliveryTip(parseGwei("1"), headUsing(CONGESTED_PERCENT))).toBe(parseGwei("1.25"));
    expect(deliveryTip(parseGwei("2"), headUsing(100n))).toBe(parseGwei("2.5"));
    expect(deliveryTip(2n, headUsing(100n))).toBe(3n);
    expect(deliveryTip(0n, headUsing(100n))).toBe(1n);
  });
});
