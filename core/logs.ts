/** Decoding of gateway events into the shared `Message` type. */
import { decodeEventLog, type Hex, type Log } from "viem";
import { bridgeGatewayAbi } from "./generated/abis.js";
import { messageId, type Message } from "./message.js";

export interface SentMessage {
  msgId: Hex;
  message: Message;
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
  return { msgId, message };
}
