/**
 * What a destination gateway delivered, from the delivering transaction. A fast message emits
 * only `MessageExecuted(msgId)`: its content (source chain, nonce, amount, ...) exists only in
 * the `deliver` calldata, as one `MessageHeader` plus a `Transfer` per message. This module
 * rebuilds each full `Message` = header ∪ transfer and its id through core, exactly as the
 * gateway hashed it.
 */
import {
  decodeFunctionData,
  isAddressEqual,
  toFunctionSelector,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { bridgeGatewayAbi } from "../../core/generated/abis.js";
import { decodeDeliveryBatch, messageId, type Message } from "../../core/message.js";

export interface DeliveredMessage {
  msgId: Hex;
  message: Message;
}

const DELIVER_SELECTOR = toFunctionSelector(
  bridgeGatewayAbi.find((item) => item.type === "function" && item.name === "deliver")!,
);

/**
 * The messages of one `deliver(messages, proofs, guardianSetIndex, signatures)` call to
 * `destGateway` on `destChainId` (the packed batch does not carry them), or `undefined` when
 * `input` is not a `deliver` call. Malformed calldata for the selector also gives `undefined`:
 * the gateway would have reverted on it, so it delivered nothing.
 */
export function messagesFromDeliverCalldata(
  input: Hex,
  destChainId: bigint,
  destGateway: Address,
): DeliveredMessage[] | undefined {
  if (!input.toLowerCase().startsWith(DELIVER_SELECTOR)) return undefined;
  let decoded;
  try {
    decoded = decodeFunctionData({ abi: bridgeGatewayAbi, data: input });
  } catch {
    return undefined;
  }
  if (decoded.functionName !== "deliver") return undefined;
  let messages: Message[];
  try {
    messages = decodeDeliveryBatch(decoded.args[0], destChainId, destGateway);
  } catch {
    return undefined;
  }
  return messages.map((message) => ({ msgId: messageId(message), message }));
}

/** A frame of geth's `callTracer` output (also served by anvil, reth and most providers). */
interface CallFrame {
  to?: Address;
  input?: Hex;
  error?: string;
  calls?: CallFrame[];
}

/** Every successful `deliver` call to `gateway` anywhere in a call tree. */
export function deliverCallsInTrace(frame: CallFrame, gateway: Address): Hex[] {
  if (frame.error) return []; // a reverted frame's effects (and events) were undone
  const own = frame.to && frame.input && isAddressEqual(frame.to, gateway) ? [frame.input] : [];
  return [...own, ...(frame.calls ?? []).flatMap((c) => deliverCallsInTrace(c, gateway))];
}

/**
 * The messages a transaction delivered to `gateway`. A relayer calls `deliver` directly, so the
 * transaction input is decoded first; a delivery made from inside another contract (a smart
 * account, a batching contract, an attacker's wrapper) is found in the transaction's call trace.
 * Returns an empty list when neither works (e.g. the RPC serves no traces): the caller then
 * cannot attribute the delivery and treats it as suspect.
 */
export async function deliveredInTransaction(
  client: PublicClient,
  gateway: Address,
  txHash: Hex,
): Promise<DeliveredMessage[]> {
  const [tx, chainId] = await Promise.all([client.getTransaction({ hash: txHash }), client.getChainId()]);
  const decode = (input: Hex) => messagesFromDeliverCalldata(input, BigInt(chainId), gateway);
  if (tx.to && isAddressEqual(tx.to, gateway)) {
    const direct = decode(tx.input);
    if (direct) return direct;
  }
  let trace: CallFrame;
  try {
    trace = (await client.request({
      method: "debug_traceTransaction",
      params: [txHash, { tracer: "callTracer" }],
    } as never)) as CallFrame;
  } catch {
    return [];
  }
  return deliverCallsInTrace(trace, gateway).flatMap((input) => decode(input) ?? []);
}
