/** `sdk/amount.ts`: decimal amounts as users type them, exact to the token's decimals. */
import { describe, expect, it } from "vitest";
import { formatAmount, formatTokens, parseAmount } from "../../../sdk/amount.js";
import { InvalidInputError } from "../../../sdk/errors.js";

describe("parseAmount", () => {
  it.each([
    ["1", 18, 10n ** 18n],
    ["1.5", 18, 15n * 10n ** 17n],
    ["0.000001", 6, 1n],
    ["1.", 6, 1_000_000n],
    [".5", 6, 500_000n],
    ["007.25", 6, 7_250_000n],
    [" 2 ", 6, 2_000_000n],
    // Trailing zeros beyond the token's precision change nothing, so they are accepted.
    ["1.500000000", 6, 1_500_000n],
    ["123456789012345678901234567890", 0, 123456789012345678901234567890n],
    ["0.000000000000000001", 18, 1n],
  ])("parses %s with %i decimals", (text, decimals, expected) => {
    expect(parseAmount(text, decimals, "TKN")).toBe(expected);
  });

  it.each([
    ["0", 'amount must be greater than zero, got "0".'],
    ["0.000", 'amount must be greater than zero, got "0.000".'],
    ["-1", 'amount must be greater than zero, got "-1".'],
    ["-0.5", 'amount must be greater than zero, got "-0.5".'],
    ["abc", 'amount "abc" is not a decimal number (for example 1.5).'],
    ["1e18", 'amount "1e18" is not a decimal number (for example 1.5).'],
    ["0x10", 'amount "0x10" is not a decimal number (for example 1.5).'],
    ["1,5", 'amount "1,5" is not a decimal number (for example 1.5).'],
    ["1.2.3", 'amount "1.2.3" is not a decimal number (for example 1.5).'],
    ["", 'amount "" is not a decimal number (for example 1.5).'],
    [".", 'amount "." is not a decimal number (for example 1.5).'],
    ["+1", 'amount "+1" is not a decimal number (for example 1.5).'],
    ["Infinity", 'amount "Infinity" is not a decimal number (for example 1.5).'],
  ])("refuses %j with one sentence", (text, message) => {
    expect(() => parseAmount(text, 18, "TKN")).toThrow(new InvalidInputError(message));
  });

  it("refuses more decimals than the token has, naming both counts", () => {
    expect(() => parseAmount("1.1234567", 6, "BETA")).toThrow(
      'BETA has 6 decimals, but amount "1.1234567" has 7 digits after the point.',
    );
    expect(() => parseAmount("0.5", 0, "WHOLE")).toThrow('WHOLE has 0 decimals, but amount "0.5" has 1 digits');
    expect(parseAmount("1.123456", 6, "BETA")).toBe(1_123_456n);
  });

  it("round-trips with formatAmount", () => {
    for (const [text, decimals] of [
      ["1.5", 18],
      ["0.000001", 6],
      ["42", 0],
      ["999999.999999", 6],
    ] as const) {
      expect(formatAmount(parseAmount(text, decimals, "T"), decimals)).toBe(text);
    }
    expect(formatTokens(1_500_000n, 6, "BETA")).toBe("1.5 BETA");
  });
});
