/**
 * Offline checks of a transfer request against the deployment manifest: chains, token, amount,
 * addresses, deadline. Pure, so every sentence a user can get is unit-tested; what needs the
 * chains (balance, pause, routes, limits, allowance) is checked by `validateTransfer` in
 * `transfer.ts`. Problems come back keyed by field, in plain words.
 */
import { getAddress, isAddress, zeroAddress, type Address } from "viem";
import { findToken, gatewayChains, type GatewayChain, type Manifest, type TokenInfo } from "../core/manifest.js";
import { parseAmount, parseNativeAmount } from "./amount.js";
import { InvalidInputError, PortcullisError, type TransferField, type TransferProblems } from "./errors.js";

export type { GatewayChain };

/** A transfer as a user describes it. */
export interface TransferRequest {
  /** Source chain: its name ("l2a") or chain id. */
  from: string | number;
  /** Destination chain: its name or chain id. */
  to: string | number;
  /** Token: its symbol, its home address or any of its local addresses. */
  token: string;
  /** Whole tokens as a decimal string ("1.5"), or base units as a bigint. */
  amount: string | bigint;
  /** Who sends (owns the tokens and signs). Needed for the checks against the chains. */
  sender?: string;
  /** Who receives on the destination; default the sender. */
  recipient?: string;
  /** How long the transfer stays deliverable, in seconds from now; default the gateway's window. */
  deadlineSeconds?: number;
  /**
   * Native gas for the recipient on the destination (gas drop-off): ETH as a decimal string
   * ("0.01") or wei as a bigint; default none. Paid on the source with the fee, capped per
   * message by governance (the cap is checked against the source gateway).
   */
  dropOff?: string | bigint;
  /**
   * `false`: pay no delivery fee. Relayers then leave the message alone (by default they deliver
   * only what paid its quote) and the sender delivers it with `relay` (or escapes it after the
   * deadline). Default `true`: pay the quote.
   */
  payFee?: boolean;
}

/** A request whose every field is understood. */
export interface ResolvedTransfer {
  from: GatewayChain;
  to: GatewayChain;
  token: TokenInfo;
  /** The token's address on the source chain (what `send` takes). */
  sourceToken: Address;
  /** The token's address on the destination chain (what the recipient receives). */
  destToken: Address;
  /** Base units. */
  amount: bigint;
  /** Undefined when the request named none. */
  sender?: Address;
  /** The sender when the request named no recipient (undefined if neither). */
  recipient?: Address;
  deadlineSeconds?: number;
  /** Native wei for the recipient on the destination (0: none). */
  dropOff: bigint;
  /** Whether the sender pays the delivery fee (see `TransferRequest.payFee`). */
  payFee: boolean;
}

/** The chains with a gateway, for sentences. */
function l2Names(manifest: Manifest): string {
  return gatewayChains(manifest)
    .map((c) => c.name)
    .join(", ");
}

/** A chain with a gateway by name or id; `role` names it in the sentence ("source", "destination"). */
export function resolveChain(manifest: Manifest, nameOrId: string | number, role = "chain"): GatewayChain {
  const key = String(nameOrId).trim().toLowerCase();
  const chain = manifest.chains.find((c) => c.name.toLowerCase() === key || String(c.chainId) === key);
  const label = role === "chain" ? "chain" : `${role} chain`;
  if (!chain) {
    throw new InvalidInputError(`unknown ${label} "${nameOrId}"; the chains with a gateway are ${l2Names(manifest)}.`);
  }
  if (chain.gateway === undefined) {
    throw new InvalidInputError(
      `${chain.name} has no bridge gateway; the chains with a gateway are ${l2Names(manifest)}.`,
    );
  }
  return chain as GatewayChain;
}

export function resolveToken(manifest: Manifest, symbolOrAddress: string): TokenInfo {
  try {
    return findToken(manifest, symbolOrAddress.trim());
  } catch {
    const known = manifest.tokens.map((t) => t.symbol).join(", ");
    throw new InvalidInputError(`unknown token "${symbolOrAddress}"; this deployment bridges ${known}.`);
  }
}

/** A non-zero address; mixed case must be a valid EIP-55 checksum, so a typo is refused. */
export function parseAddress(text: string, what: string): Address {
  const trimmed = text.trim();
  if (!isAddress(trimmed)) {
    const hint = /^0x[0-9a-fA-F]{40}$/.test(trimmed) ? " (its checksum is wrong)" : "";
    throw new InvalidInputError(`${what} "${text}" is not a valid address${hint}.`);
  }
  if (trimmed.toLowerCase() === zeroAddress) throw new InvalidInputError(`${what} must not be the zero address.`);
  return getAddress(trimmed);
}

/**
 * Checks a request against the manifest. Returns the resolved transfer when every field is
 * understood, and the problems found (empty when none). A field that depends on another one
 * (the amount's decimals on the token) is checked only when that one is fine.
 */
export function checkTransfer(
  manifest: Manifest,
  request: TransferRequest,
): { transfer?: ResolvedTransfer; problems: TransferProblems } {
  const problems: TransferProblems = {};
  const attempt = <T>(field: TransferField, read: () => T): T | undefined => {
    try {
      return read();
    } catch (e) {
      if (!(e instanceof PortcullisError)) throw e;
      problems[field] = e.shortMessage;
      return undefined;
    }
  };

  const from = attempt("from", () => resolveChain(manifest, request.from, "source"));
  let to = attempt("to", () => resolveChain(manifest, request.to, "destination"));
  if (from && to && from.chainId === to.chainId) {
    problems.to = `the source and destination are both ${from.name}; a transfer must go to another chain.`;
    to = undefined;
  }
  const token = attempt("token", () => resolveToken(manifest, request.token));
  const sourceToken = token && from ? token.addresses[String(from.chainId)] : undefined;
  const destToken = token && to ? token.addresses[String(to.chainId)] : undefined;
  if (token && from && !sourceToken) problems.token = `${token.symbol} is not deployed on ${from.name}.`;
  else if (token && to && !destToken) problems.token = `${token.symbol} is not deployed on ${to.name}.`;

  const amount = token ? attempt("amount", () => amountOf(request.amount, token)) : undefined;
  const sender =
    request.sender === undefined ? undefined : attempt("sender", () => parseAddress(request.sender!, "sender"));
  const recipient =
    request.recipient === undefined
      ? sender
      : attempt("recipient", () => parseAddress(request.recipient!, "recipient"));
  const deadline = request.deadlineSeconds;
  if (deadline !== undefined && (!Number.isInteger(deadline) || deadline <= 0)) {
    problems.deadline = `the deadline must be a positive whole number of seconds from now, got ${deadline}.`;
  }
  let dropOff = attempt("dropOff", () => dropOffOf(request.dropOff));
  if (dropOff !== undefined && dropOff > 0n && request.payFee === false) {
    // The gateway takes an unpaid send only without a drop-off: nobody would be paid to supply it.
    problems.dropOff =
      "a transfer that pays no delivery fee cannot carry a gas drop-off; pay the fee or drop the drop-off.";
    dropOff = undefined;
  }

  if (
    Object.keys(problems).length > 0 ||
    !from ||
    !to ||
    !token ||
    !sourceToken ||
    !destToken ||
    amount === undefined ||
    dropOff === undefined
  ) {
    return { problems };
  }
  return {
    problems,
    transfer: {
      from,
      to,
      token,
      sourceToken,
      destToken,
      amount,
      sender,
      recipient,
      deadlineSeconds: deadline,
      dropOff,
      payFee: request.payFee ?? true,
    },
  };
}

function amountOf(amount: string | bigint, token: TokenInfo): bigint {
  if (typeof amount === "string") return parseAmount(amount, token.decimals, token.symbol);
  if (amount <= 0n) throw new InvalidInputError(`amount must be greater than zero, got ${amount} base units.`);
  return amount;
}

/** The drop-off in wei: none, ETH as a decimal string, or wei as a bigint. */
function dropOffOf(dropOff: string | bigint | undefined): bigint {
  if (dropOff === undefined) return 0n;
  if (typeof dropOff === "string") return parseNativeAmount(dropOff, "drop-off");
  if (dropOff < 0n) throw new InvalidInputError(`drop-off must not be negative, got ${dropOff} wei.`);
  return dropOff;
}
