/** Decimal token amounts as users type them, and back. Exact: no floating point anywhere. */
import { formatUnits } from "viem";
import { InvalidInputError } from "./errors.js";

const DECIMAL = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/;

/**
 * Parses a positive decimal amount of a token with `decimals` decimals into base units.
 * Trailing zeros after the point are ignored ("1.500000" is fine for a 6-decimal token); any
 * other digit beyond the token's precision is refused rather than rounded away.
 */
export function parseAmount(text: string, decimals: number, symbol: string): bigint {
  const trimmed = text.trim();
  if (trimmed.startsWith("-")) throw new InvalidInputError(`amount must be greater than zero, got "${text}".`);
  const match = DECIMAL.exec(trimmed);
  if (!match) throw new InvalidInputError(`amount "${text}" is not a decimal number (for example 1.5).`);
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) {
    throw new InvalidInputError(
      `${symbol} has ${decimals} decimals, but amount "${text}" has ${fraction.length} digits after the point.`,
    );
  }
  const value = BigInt(whole) * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  if (value === 0n) throw new InvalidInputError(`amount must be greater than zero, got "${text}".`);
  return value;
}

/** Base units as a decimal string without trailing zeros, e.g. 1500000n (6 decimals) -> "1.5". */
export function formatAmount(value: bigint, decimals: number): string {
  return formatUnits(value, decimals);
}

/** "1.5 ALPHA". */
export function formatTokens(value: bigint, decimals: number, symbol: string): string {
  return `${formatAmount(value, decimals)} ${symbol}`;
}

/**
 * Parses a native-token amount (ETH, 18 decimals) that may be zero, e.g. a drop-off "0.01".
 * `what` names it in the sentence.
 */
export function parseNativeAmount(text: string, what: string): bigint {
  const trimmed = text.trim();
  const match = DECIMAL.exec(trimmed);
  if (trimmed.startsWith("-") || !match) {
    throw new InvalidInputError(`${what} "${text}" is not a decimal amount of ETH (for example 0.01).`);
  }
  const fraction = (match[2] ?? match[3] ?? "").replace(/0+$/, "");
  if (fraction.length > 18) {
    throw new InvalidInputError(
      `${what} "${text}" has more than 18 digits after the point (1 wei is 0.000000000000000001 ETH).`,
    );
  }
  return BigInt(match[1] ?? "0") * 10n ** 18n + BigInt(fraction.padEnd(18, "0") || "0");
}

/** "0.01 ETH". */
export function formatEth(wei: bigint): string {
  return `${formatUnits(wei, 18)} ETH`;
}
