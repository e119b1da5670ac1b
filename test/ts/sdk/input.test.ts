/**
 * `sdk/input.ts`: every offline check of a transfer request, with the exact sentence and the
 * field it is keyed by. (Checks against the chains — balance, pause, routes, limits — are in
 * test/ts/sdk/transfer.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { getAddress } from "viem";
import type { TransferField } from "../../../sdk/errors.js";
import { checkTransfer, type TransferRequest } from "../../../sdk/input.js";
import { ALPHA_HOME, testManifest } from "./fixtures.js";

const manifest = testManifest();
const ok: TransferRequest = { from: "l2a", to: "l2b", token: "ALPHA", amount: "1.5" };

function resolveTransfer(m: typeof manifest, request: TransferRequest) {
  const { transfer, problems } = checkTransfer(m, request);
  expect(problems).toEqual({});
  return transfer!;
}

/** The one problem `input` has: its field and its sentence. */
function refusal(input: Partial<TransferRequest>): [TransferField, string] {
  const { transfer, problems } = checkTransfer(manifest, { ...ok, ...input });
  expect(transfer).toBeUndefined();
  const entries = Object.entries(problems) as [TransferField, string][];
  expect(entries, JSON.stringify(problems)).toHaveLength(1);
  return entries[0]!;
}

describe("checkTransfer", () => {
  it("takes a drop-off in ETH or wei (none by default) and pays the fee unless told not to", () => {
    expect(resolveTransfer(manifest, ok)).toMatchObject({ dropOff: 0n, payFee: true });
    expect(resolveTransfer(manifest, { ...ok, dropOff: "0.01" }).dropOff).toBe(10n ** 16n);
    expect(resolveTransfer(manifest, { ...ok, dropOff: "0" }).dropOff).toBe(0n);
    expect(resolveTransfer(manifest, { ...ok, dropOff: 5n })).toMatchObject({ dropOff: 5n, payFee: true });
    expect(resolveTransfer(manifest, { ...ok, payFee: false })).toMatchObject({ dropOff: 0n, payFee: false });
  });

  it("resolves chains by name or id, tokens by symbol or any address, amounts in base units", () => {
    const t = resolveTransfer(manifest, { ...ok, from: "901", to: "L2B", token: "alpha" });
    expect(t.from.name).toBe("l2a");
    expect(t.to.name).toBe("l2b");
    expect(t.sourceToken).toBe(ALPHA_HOME);
    expect(t.destToken).toBe(getAddress("0x00000000000000000000000000000000000a1fa2"));
    expect(t.amount).toBe(15n * 10n ** 17n);
    expect(t.recipient).toBeUndefined();
    const sender = "0xfabb0ac9d68b0b445fb7357272ff202c5651694a";
    expect(resolveTransfer(manifest, { ...ok, sender }).recipient).toBe(getAddress(sender));
    const byBridgedAddress = resolveTransfer(manifest, { ...ok, token: "0x00000000000000000000000000000000000a1fa2" });
    expect(byBridgedAddress.token.symbol).toBe("ALPHA");
  });

  it.each<[string, Partial<TransferRequest>, TransferField, string]>([
    [
      "unknown source chain",
      { from: "l2z" },
      "from",
      'unknown source chain "l2z"; the chains with a gateway are l2a, l2b, l2c.',
    ],
    [
      "unknown destination chain",
      { to: 999 },
      "to",
      'unknown destination chain "999"; the chains with a gateway are l2a, l2b, l2c.',
    ],
    [
      "a chain without gateway",
      { from: "l1" },
      "from",
      "l1 has no bridge gateway; the chains with a gateway are l2a, l2b, l2c.",
    ],
    [
      "the same chain twice",
      { to: "901" },
      "to",
      "the source and destination are both l2a; a transfer must go to another chain.",
    ],
    ["an unknown token", { token: "GAMMA" }, "token", 'unknown token "GAMMA"; this deployment bridges ALPHA, BETA.'],
    [
      "a token missing on the source",
      { from: "l2c", to: "l2b", token: "BETA" },
      "token",
      "BETA is not deployed on l2c.",
    ],
    ["a token missing on the destination", { token: "BETA", to: "l2c" }, "token", "BETA is not deployed on l2c."],
    ["a zero amount", { amount: "0" }, "amount", 'amount must be greater than zero, got "0".'],
    ["a zero amount in base units", { amount: 0n }, "amount", "amount must be greater than zero, got 0 base units."],
    ["a negative amount", { amount: "-2" }, "amount", 'amount must be greater than zero, got "-2".'],
    ["a malformed amount", { amount: "1.5.0" }, "amount", 'amount "1.5.0" is not a decimal number (for example 1.5).'],
    [
      "too many decimals",
      { token: "BETA", from: "l2b", to: "l2a", amount: "0.0000001" },
      "amount",
      'BETA has 6 decimals, but amount "0.0000001" has 7 digits after the point.',
    ],
    ["a short recipient", { recipient: "0x1234" }, "recipient", 'recipient "0x1234" is not a valid address.'],
    [
      "a recipient with a bad checksum",
      { recipient: "0xFABB0ac9d68B0B445fB7357272Ff202C5651694A" },
      "recipient",
      'recipient "0xFABB0ac9d68B0B445fB7357272Ff202C5651694A" is not a valid address (its checksum is wrong).',
    ],
    [
      "the zero recipient",
      { recipient: "0x0000000000000000000000000000000000000000" },
      "recipient",
      "recipient must not be the zero address.",
    ],
    ["a malformed sender", { sender: "bob" }, "sender", 'sender "bob" is not a valid address.'],
    [
      "a deadline that is no number of seconds",
      { deadlineSeconds: 1.5 },
      "deadline",
      "the deadline must be a positive whole number of seconds from now, got 1.5.",
    ],
    [
      "a drop-off on a transfer that pays no fee",
      { dropOff: "0.01", payFee: false },
      "dropOff",
      "a transfer that pays no delivery fee cannot carry a gas drop-off; pay the fee or drop the drop-off.",
    ],
    [
      "a drop-off that is no amount of ETH",
      { dropOff: "lots" },
      "dropOff",
      'drop-off "lots" is not a decimal amount of ETH (for example 0.01).',
    ],
    [
      "a negative drop-off",
      { dropOff: "-0.1" },
      "dropOff",
      'drop-off "-0.1" is not a decimal amount of ETH (for example 0.01).',
    ],
    ["a negative drop-off in wei", { dropOff: -1n }, "dropOff", "drop-off must not be negative, got -1 wei."],
    [
      "a drop-off finer than a wei",
      { dropOff: "0.0000000000000000001" },
      "dropOff",
      'drop-off "0.0000000000000000001" has more than 18 digits after the point (1 wei is 0.000000000000000001 ETH).',
    ],
  ])("refuses %s", (_name, input, field, message) => {
    const [problemField, sentence] = refusal(input);
    expect(problemField).toBe(field);
    expect(sentence).toBe(message);
    // One sentence: a single line ending in a full stop, no stack or list, no command-line flag.
    expect(sentence).not.toContain("\n");
    expect(sentence).not.toMatch(/--[a-z]/);
    expect(sentence.endsWith(".")).toBe(true);
  });

  it("reports every field's problem at once, keyed by field", () => {
    const { transfer, problems } = checkTransfer(manifest, {
      from: "l2z",
      to: "l2b",
      token: "GAMMA",
      amount: "1",
      recipient: "0x12",
      deadlineSeconds: -1,
    });
    expect(transfer).toBeUndefined();
    expect(Object.keys(problems).sort()).toEqual(["deadline", "from", "recipient", "token"]);
  });

  it("accepts a lower-case recipient and checksums it", () => {
    const t = resolveTransfer(manifest, { ...ok, recipient: "0xfabb0ac9d68b0b445fb7357272ff202c5651694a" });
    expect(t.recipient).toBe("0xFABB0ac9d68B0B445fB7357272Ff202C5651694a");
  });
});
