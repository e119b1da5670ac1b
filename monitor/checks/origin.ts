/**
 * Check 1, origin: every message a destination gateway delivered (executed at once or queued)
 * must be one its source gateway really sent. The source gateway stores the id of every
 * message it sends by nonce, so `sentMessageId(nonce) == msgId` on the source proves the
 * delivered content is exactly what was sent: the id is the EIP-712 hash of every field,
 * including both gateways and chains.
 *
 * The read is an `eth_call` at the source's latest block, never the monitor's own log cache: a
 * cache can be stale, incomplete, or (after a bug) wrong, and the one thing this check must not
 * do is wave a forged message through because a stale view agreed with it.
 */
import { isAddressEqual, zeroHash, type Address, type Hex } from "viem";
import type { Message } from "../../core/message.js";

/** One delivered message to verify. `message` is known for fast deliveries (decoded calldata). */
export interface DeliveryToVerify {
  msgId: Hex;
  destChainId: number;
  sourceChainId: bigint;
  nonce: bigint;
  queued: boolean;
  message?: Message;
  txHash: Hex;
  blockNumber: bigint;
}

export type OriginVerdict =
  | { status: "genuine" }
  | { status: "forged"; reason: string }
  /** The source could not be asked (RPC failure): retry, never conclude. */
  | { status: "unknown"; reason: string };

/** The source side of the check: the gateway on a chain, or nothing if the chain has none. */
export interface SourceGateways {
  gatewayOf(chainId: bigint): { address: Address; sentMessageId(nonce: bigint): Promise<Hex> } | undefined;
  gatewayAddressOf(chainId: number): Address | undefined;
  /** Whether the RPC view of the chain is current (its latest block is recent). */
  isFresh(chainId: bigint): boolean;
}

export async function verifyOrigin(d: DeliveryToVerify, sources: SourceGateways): Promise<OriginVerdict> {
  const source = sources.gatewayOf(d.sourceChainId);
  if (!source) return { status: "forged", reason: `source chain ${d.sourceChainId} has no gateway in the manifest` };
  if (d.message) {
    // The gateway checked the header against its route table; these catch a route that
    // governance pointed somewhere the manifest does not know.
    if (!isAddressEqual(d.message.sourceGateway, source.address)) {
      return {
        status: "forged",
        reason: `source gateway ${d.message.sourceGateway} is not the manifest's ${source.address}`,
      };
    }
    const dest = sources.gatewayAddressOf(d.destChainId);
    if (Number(d.message.destChainId) !== d.destChainId || !dest || !isAddressEqual(d.message.destGateway, dest)) {
      return { status: "forged", reason: `addressed to ${d.message.destChainId}:${d.message.destGateway}` };
    }
  }
  let sent: Hex;
  try {
    sent = await source.sentMessageId(d.nonce);
  } catch (e) {
    return {
      status: "unknown",
      reason: `sentMessageId(${d.nonce}) on chain ${d.sourceChainId}: ${(e as Error).message}`,
    };
  }
  if (sent.toLowerCase() === d.msgId.toLowerCase()) return { status: "genuine" };
  // A lagging source node cannot have seen a send the guardians (at their confirmation depth)
  // already attested: a verdict from it could pause the bridge over a genuine message.
  if (!sources.isFresh(d.sourceChainId)) {
    return { status: "unknown", reason: `the view of source chain ${d.sourceChainId} is stale` };
  }
  return {
    status: "forged",
    reason:
      sent === zeroHash
        ? `source chain ${d.sourceChainId} never sent nonce ${d.nonce}`
        : `source chain ${d.sourceChainId} sent ${sent} with nonce ${d.nonce}, not this message`,
  };
}
