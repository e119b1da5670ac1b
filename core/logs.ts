/** Decoding of gateway events into the shared `Message` type. */
import { encodeEventTopics, isAddressEqual, type Address, type Hex, type Log } from "viem";
import { bridgeGatewayAbi } from "./generated/abis.js";
import { MESSAGE_WORDS, messageFromWords, messageIdOfWords, type Message } from "./message.js";

export interface SentMessage {
  msgId: Hex;
  message: Message;
  /** What the sender paid with the send (native wei of the source chain). */
  fee: bigint;
  /** What `quoteFee` asked at that moment: `fee < quote` means unpaid (left for self-relay). */
  quote: bigint;
}

/** topics[0] of `MessageSent`. */
export const MESSAGE_SENT_TOPIC = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageSent" })[0];

/**
 * Decodes a `MessageSent` log and re-derives its id from the fields, so a log whose indexed id
 * does not match its content (impossible from a genuine gateway) is refused rather than trusted.
 *
 * Written out rather than through viem's `decodeEventLog`: every field of the event's data is
 * static (the message's 13 words, then `fee` and `quote`), so it is read by slicing, and the id is
 * hashed from the very words the log carries. viem's decoder looked the event up by hashing the
 * signature of each event of the gateway's ABI in turn, for every log: guardians, relayers, the
 * monitor and the explorer decode every message of every block, and under a burst that was their
 * largest single cost. `test/ts/core/logs.test.ts` proves the two decoders agree.
 */
export function decodeMessageSent(log: Pick<Log, "data" | "topics">): SentMessage {
  if (log.topics[0] !== MESSAGE_SENT_TOPIC || log.topics.length !== 2) {
    throw new Error("not a MessageSent log (topics)");
  }
  const data = log.data.toLowerCase();
  if (data.length !== 2 + 64 * (MESSAGE_WORDS + 2)) {
    throw new Error(`MessageSent log data is ${(data.length - 2) / 2} bytes, not ${32 * (MESSAGE_WORDS + 2)}`);
  }
  const words = data.slice(2, 2 + 64 * MESSAGE_WORDS);
  const message = messageFromWords(words);
  const msgId = messageIdOfWords(words);
  const logId = log.topics[1]!.toLowerCase();
  if (msgId !== logId) {
    throw new Error(`MessageSent log id ${logId} does not match its message (${msgId})`);
  }
  const word = (i: number) => BigInt(`0x${data.slice(2 + 64 * i, 2 + 64 * (i + 1))}`);
  return { msgId, message, fee: word(MESSAGE_WORDS), quote: word(MESSAGE_WORDS + 1) };
}

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

/** topics[0] of `MessageExecuted(bytes32 indexed msgId)`. */
export const MESSAGE_EXECUTED_TOPIC = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageExecuted" })[0];
/** topics[0] of `MessageQueued(bytes32 indexed msgId, uint64 indexed sourceChainId, uint64 nonce, uint64 executableAt)`. */
export const MESSAGE_QUEUED_TOPIC = encodeEventTopics({ abi: bridgeGatewayAbi, eventName: "MessageQueued" })[0];

/** What a delivery did to each of its messages, from its receipt's logs. */
export interface DeliveryOutcomes {
  /** Lower-case ids of the messages executed (released or minted) by it. */
  executed: Set<string>;
  /** Lower-case ids of the messages it queued behind the delay, with their `executableAt`. */
  queued: Map<string, bigint>;
}

/**
 * The `MessageExecuted` and `MessageQueued` events `gateway` emitted among `logs` (a delivery's
 * receipt). By hand for the reason `decodeMessageSent` is: both carry the id as their one indexed
 * topic after the signature, and `executableAt` is the last static word of `MessageQueued`'s data.
 * A log of the right signature but the wrong shape throws: only a gateway of another version
 * could emit it, and the caller must not guess.
 */
export function decodeDeliveryOutcomes(
  logs: readonly Pick<Log, "address" | "data" | "topics">[],
  gateway: Address,
): DeliveryOutcomes {
  const out: DeliveryOutcomes = { executed: new Set(), queued: new Map() };
  for (const log of logs) {
    const topic = log.topics[0];
    if (topic !== MESSAGE_EXECUTED_TOPIC && topic !== MESSAGE_QUEUED_TOPIC) continue;
    if (!isAddressEqual(log.address, gateway)) continue;
    const msgId = log.topics[1]?.toLowerCase();
    if (topic === MESSAGE_EXECUTED_TOPIC) {
      if (log.topics.length !== 2 || log.data !== "0x") throw new Error("malformed MessageExecuted log");
      out.executed.add(msgId!);
      continue;
    }
    // data: nonce, executableAt (uint64 each, one word apiece).
    if (log.topics.length !== 3 || log.data.length !== 2 + 64 * 2) throw new Error("malformed MessageQueued log");
    const executableAt = BigInt(`0x${log.data.slice(2 + 64)}`);
    if (executableAt >= 1n << 64n) throw new Error("malformed MessageQueued log (executableAt is not a uint64)");
    out.queued.set(msgId!, executableAt);
  }
  return out;
}
