/**
 * Offline checks of what a user typed, against the deployment manifest: chains, token, amount,
 * recipient. Everything here is pure, so every message a user can get is unit-tested; what
 * needs the chains (balances, pause, routes, limits) is checked in `bridge.ts` before sending.
 */
import { getAddress, isAddress, zeroAddress, type Address, type Hex } from "viem";
import { findToken, type GatewayChain, type Manifest, type TokenInfo } from "../core/manifest.js";
import { parseAmount } from "./amount.js";
import { BridgeInputError } from "./errors.js";

export type { GatewayChain };

export interface TransferInput {
  from: string;
  to: string;
  /** Symbol, home address or any local address of the token. */
  token: string;
  /** Decimal amount in whole tokens, e.g. "1.5". */
  amount: string;
  recipient?: string;
}

export interface ResolvedTransfer {
  from: GatewayChain;
  to: GatewayChain;
  token: TokenInfo;
  /** The token's address on the source chain (what `send` takes). */
  sourceToken: Address;
  /** The token's address on the destination chain (what the recipient receives). */
  destToken: Address;
  amount: bigint;
  /** Undefined: the sender. */
  recipient?: Address;
}

export function resolveChain(manifest: Manifest, nameOrId: string, flag: string): GatewayChain {
  const key = nameOrId.trim().toLowerCase();
  const chain = manifest.chains.find((c) => c.name.toLowerCase() === key || String(c.chainId) === key);
  const l2s = manifest.chains.filter((c) => c.gateway !== undefined).map((c) => c.name);
  if (!chain) throw new BridgeInputError(`${flag}: unknown chain "${nameOrId}"; use one of ${l2s.join(", ")}.`);
  if (chain.gateway === undefined) {
    throw new BridgeInputError(`${flag}: ${chain.name} has no bridge gateway; use one of ${l2s.join(", ")}.`);
  }
  return chain as GatewayChain;
}

export function resolveToken(manifest: Manifest, symbolOrAddress: string): TokenInfo {
  try {
    return findToken(manifest, symbolOrAddress.trim());
  } catch {
    const known = manifest.tokens.map((t) => t.symbol).join(", ");
    throw new BridgeInputError(`unknown token "${symbolOrAddress}"; this deployment bridges ${known}.`);
  }
}

/** A non-zero address; mixed case must be a valid EIP-55 checksum, so a typo is refused. */
export function parseAddress(text: string, what: string): Address {
  const trimmed = text.trim();
  if (!isAddress(trimmed)) {
    const hint = /^0x[0-9a-fA-F]{40}$/.test(trimmed) ? " (its checksum is wrong)" : "";
    throw new BridgeInputError(`${what} "${text}" is not a valid address${hint}.`);
  }
  if (trimmed.toLowerCase() === zeroAddress) throw new BridgeInputError(`${what} must not be the zero address.`);
  return getAddress(trimmed);
}

export function resolveTransfer(manifest: Manifest, input: TransferInput): ResolvedTransfer {
  const from = resolveChain(manifest, input.from, "--from");
  const to = resolveChain(manifest, input.to, "--to");
  if (from.chainId === to.chainId) {
    throw new BridgeInputError(`--from and --to are both ${from.name}; a transfer must go to another chain.`);
  }
  const token = resolveToken(manifest, input.token);
  const sourceToken = token.addresses[String(from.chainId)];
  const destToken = token.addresses[String(to.chainId)];
  if (!sourceToken) throw new BridgeInputError(`${token.symbol} is not deployed on ${from.name}.`);
  if (!destToken) throw new BridgeInputError(`${token.symbol} is not deployed on ${to.name}.`);
  const amount = parseAmount(input.amount, token.decimals, token.symbol);
  const recipient = input.recipient === undefined ? undefined : parseAddress(input.recipient, "--recipient");
  return { from, to, token, sourceToken, destToken, amount, recipient };
}
