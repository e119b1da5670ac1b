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
