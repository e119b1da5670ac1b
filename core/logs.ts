/** Decoding of gateway events into the shared `Message` type. */
import { decodeEventLog, encodeEventTopics, isAddressEqual, type Address, type Hex, type Log } from "viem";
import { bridgeGatewayAbi } from "./generated/abis.js";
import { messageId, type Message } from "./message.js";

export interface SentMessage {
  msgId: Hex;
  message: Message;
  /** What the sender paid with the send (native wei of the source chain). */
  fee: bigint;
  /** What `quoteFee` asked at that moment: `fee < quote` means unpaid (left for self-relay). */
  quote: bigint;
}

/**
 * Decodes a `MessageSent` log and re-derives its id from the fields, so a log whose indexed id
 * does not match its content (impossible from a genuine gateway) is refused rather than trusted.
 */
export function decodeMessageSent(log: Pick<Log, "data" | "topics">): SentMessage {
  const decoded = decodeEventLog({
    abi: bridgeGatewayAbi,
    eventName: "MessageSent",
    data: log.data,
    topics: log.topics as [Hex, ...Hex[]],
  });
  const message: Message = { ...decoded.args.message };
  const msgId = messageId(message);
  if (msgId !== decoded.args.msgId) {
    throw new Error(`MessageSent log id ${decoded.args.msgId} does not match its message (${msgId})`);
  }
  return { msgId, message, fee: decoded.args.fee, quote: decoded.args.quote };
}

const MESSAGE_SENT_TOPIC = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent" })[0];

/**
 * Every `MessageSent` among `logs` (a receipt's, or a `getLogs` page), in log order. With
 * `gateway`, logs emitted by any other contract are ignored, so a look-alike event is never read.
 */
export function decodeMessagesSent(
  logs: readonly Pick<Log, "address" | "data" | "topics">[],
  gateway?: Address,
): SentMessage[] {
  return logs
    .filter((log) => log.topics[0] === MESSAGE_SENT_TOPIC)
    .filter((log) => gateway === undefined || isAddressEqual(log.address, gateway))
    .map(decodeMessageSent);
}
