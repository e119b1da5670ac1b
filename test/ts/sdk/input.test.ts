/**
 * `sdk/input.ts`: every offline check of `bridge transfer` input, with the exact sentence the
 * user gets. (Checks against the chains — balance, pause, routes — run in the integration test.)
 */
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import { BridgeInputError } from "../../../sdk/errors.js";
import { resolveTransfer, type TransferInput } from "../../../sdk/input.js";
import { ALPHA_HOME, testManifest } from "./fixtures.js";

const manifest = testManifest();
const ok: TransferInput = { from: "l2a", to: "l2b", token: "ALPHA", amount: "1.5" };

function refusal(input: Partial<TransferInput>): string {
  try {
    resolveTransfer(manifest, { ...ok, ...input });
  } catch (e) {
    expect(e).toBeInstanceOf(BridgeInputError);
    return (e as Error).message;
  }
  throw new Error("expected the input to be refused");
}

describe("resolveTransfer", () => {
  it("resolves chains by name or id, tokens by symbol or any address, amounts in base units", () => {
    const t = resolveTransfer(manifest, { ...ok, from: "901", to: "L2B", token: "alpha" });
    expect(t.from.name).toBe("l2a");
    expect(t.to.name).toBe("l2b");
    expect(t.sourceToken).toBe(ALPHA_HOME);
    expect(t.destToken).toBe(getAddress("0x00000000000000000000000000000000000a1fa2"));
    expect(t.amount).toBe(15n * 10n ** 17n);
    expect(t.recipient).toBeUndefined();
    const byBridgedAddress = resolveTransfer(manifest, { ...ok, token: "0x00000000000000000000000000000000000a1fa2" });
    expect(byBridgedAddress.token.symbol).toBe("ALPHA");
  });

  it.each<[string, Partial<TransferInput>, string]>([
    ["unknown source chain", { from: "l2z" }, '--from: unknown chain "l2z"; use one of l2a, l2b, l2c.'],
    ["unknown destination chain", { to: "999" }, '--to: unknown chain "999"; use one of l2a, l2b, l2c.'],
    ["a chain without gateway", { from: "l1" }, "--from: l1 has no bridge gateway; use one of l2a, l2b, l2c."],
    ["the same chain twice", { to: "901" }, "--from and --to are both l2a; a transfer must go to another chain."],
    ["an unknown token", { token: "GAMMA" }, 'unknown token "GAMMA"; this deployment bridges ALPHA, BETA.'],
    ["a token missing on the source", { from: "l2c", to: "l2b", token: "BETA" }, "BETA is not deployed on l2c."],
    ["a token missing on the destination", { token: "BETA", to: "l2c" }, "BETA is not deployed on l2c."],
    ["a zero amount", { amount: "0" }, 'amount must be greater than zero, got "0".'],
    ["a negative amount", { amount: "-2" }, 'amount must be greater than zero, got "-2".'],
    ["a malformed amount", { amount: "1.5.0" }, 'amount "1.5.0" is not a decimal number (for example 1.5).'],
    [
      "too many decimals",
      { token: "BETA", from: "l2b", to: "l2a", amount: "0.0000001" },
      'BETA has 6 decimals, but amount "0.0000001" has 7 digits after the point.',
    ],
    ["a short recipient", { recipient: "0x1234" }, '--recipient "0x1234" is not a valid address.'],
    [
      "a recipient with a bad checksum",
      { recipient: "0xFABB0ac9d68B0B445fB7357272Ff202C5651694A" },
      '--recipient "0xFABB0ac9d68B0B445fB7357272Ff202C5651694A" is not a valid address (its checksum is wrong).',
    ],
    [
      "the zero recipient",
      { recipient: "0x0000000000000000000000000000000000000000" },
      "--recipient must not be the zero address.",
    ],
  ])("refuses %s", (_name, input, message) => {
    const sentence = refusal(input);
    expect(sentence).toBe(message);
    // One sentence: a single line ending in a full stop, no stack or list.
    expect(sentence).not.toContain("\n");
    expect(sentence.endsWith(".")).toBe(true);
  });

  it("accepts a lower-case recipient and checksums it", () => {
    const t = resolveTransfer(manifest, { ...ok, recipient: "0xfabb0ac9d68b0b445fb7357272ff202c5651694a" });
    expect(t.recipient).toBe("0xFABB0ac9d68B0B445fB7357272Ff202C5651694a");
  });
});
