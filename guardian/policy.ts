/**
 * What a guardian is willing to sign, as pure functions of the deployment manifest: where a
 * message is verified against the route and token rules, and which transfers need the
 * operator's approval. Chain facts (the log exists, the gateway stored this id, the block is
 * still canonical) are checked by the follower and at signing time, not here.
 */
import { isAddressEqual, parseUnits, type Address } from "viem";
import { ConfigError } from "../core/service/config.js";
import { gatewayChains, tokenByHome, type ChainInfo, type Manifest } from "../core/manifest.js";
import { MESSAGE_VERSION, type Message } from "../core/message.js";

/**
 * Why a message is refused for good. Short and fixed: they are API values, metric labels and
 * what operators grep for.
 */
export type RejectReason =
  | "unsupported version"
  | "invalid source"
  | "invalid route"
  | "invalid token"
  | "wrong destination"
  | "conflicting nonce"
  /** The token's books do not balance with it in flight (accountant.ts). */
  | "unbacked";

/** An L2 of the manifest: a chain with a gateway. */
export type GatewayChain = ChainInfo & { gateway: Address };

export class MessagePolicy {
  private readonly gateways: readonly GatewayChain[];
  /** Approval threshold per home token (lower-cased), in the token's base units. */
  private readonly approvalAbove = new Map<string, bigint>();

  /**
   * @param approvalAbove transfers above this many whole tokens (scaled by each token's
   *        decimals) wait for the operator.
   */
  constructor(
    private readonly manifest: Manifest,
    approvalAbove: string,
  ) {
    this.gateways = gatewayChains(manifest);
    for (const token of manifest.tokens) {
      this.approvalAbove.set(
        token.homeToken.toLowerCase(),
        approvalThreshold(approvalAbove, token.decimals, token.symbol),
      );
    }
  }

  /**
   * The reason `message`, read from `source`'s gateway, must never be signed, or undefined when
   * its route and token are valid: it claims to come from that gateway, goes to another gateway
   * of this deployment, and carries a token of the manifest by its home identity.
   */
  check(source: GatewayChain, message: Message): RejectReason | undefined {
    if (message.version !== MESSAGE_VERSION) return "unsupported version";
    if (message.sourceChainId !== BigInt(source.chainId) || !isAddressEqual(message.sourceGateway, source.gateway)) {
      return "invalid source";
    }
    const dest = this.gateways.find((c) => BigInt(c.chainId) === message.destChainId);
    if (!dest || dest.chainId === source.chainId || !isAddressEqual(dest.gateway, message.destGateway)) {
      return "invalid route";
    }
    const token = tokenByHome(this.manifest, message.token, message.tokenChainId);
    if (!token || !token.addresses[String(source.chainId)] || !token.addresses[String(dest.chainId)]) {
      return "invalid token";
    }
    return undefined;
  }

  /** True when the transfer is above the approval threshold of its token. */
  requiresApproval(message: Message): boolean {
    const threshold = this.approvalAbove.get(message.token.toLowerCase());
    // A token outside the manifest is rejected by `check`; requiring approval too is the safe side.
    return threshold === undefined || message.amount > threshold;
  }
}

/** `wholeTokens` in base units of a token with `decimals`; refuses precision the token lacks. */
export function approvalThreshold(wholeTokens: string, decimals: number, symbol = "token"): bigint {
  const fraction = wholeTokens.split(".")[1] ?? "";
  if (fraction.replace(/0+$/, "").length > decimals) {
    throw new ConfigError(
      `guardian: APPROVAL_ABOVE=${wholeTokens} has more decimals than ${symbol} (${decimals} decimals)`,
    );
  }
  return parseUnits(wholeTokens, decimals);
}
