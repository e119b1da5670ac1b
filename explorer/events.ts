/**
 * Gateway logs → indexed rows. Every log the gateway emits is kept (decoded with the generated
 * gateway ABI; anything it cannot decode is kept raw as "Unknown"), so the index answers
 * questions nobody planned for. A `MessageSent` is also decoded into its message, whose id is
 * re-derived from the fields (`decodeMessageSent`): a log that does not match is refused.
 */
import { decodeEventLog, type Hex, type Log } from "viem";
import { bridgeGatewayAbi } from "../core/generated/abis.js";
import { decodeMessageSent } from "../core/logs.js";
import { messageToJson } from "../core/message.js";
import type { IndexedEvent, SentMessage } from "./model.js";

/** Turns bigints into decimal strings, recursively (event args are JSON then). */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonSafe(v)]));
  }
  return value;
}

export interface DecodedLog {
  event: IndexedEvent;
  sent?: SentMessage;
  /** Why the log could not be decoded, when it could not. */
  problem?: string;
}

/** Decodes one gateway log of a canonical block whose time is `time`. */
export function decodeGatewayLog(chainId: number, log: Log, time: number): DecodedLog {
  const base = {
    chainId,
    blockNumber: Number(log.blockNumber),
    logIndex: Number(log.logIndex),
    txHash: log.transactionHash!,
    blockHash: log.blockHash!,
    time,
  };
  let decoded;
  try {
    decoded = decodeEventLog({ abi: bridgeGatewayAbi, data: log.data, topics: log.topics });
  } catch (e) {
    return {
      event: { ...base, name: "Unknown", msgId: null, args: { topics: log.topics, data: log.data } },
      problem: (e as Error).message.split("\n")[0],
    };
  }
  const args = (decoded.args ?? {}) as Record<string, unknown>;
  const msgId = typeof args.msgId === "string" ? (args.msgId.toLowerCase() as Hex) : null;
  const event: IndexedEvent = {
    ...base,
    name: decoded.eventName,
    msgId,
    args: jsonSafe(args) as Record<string, unknown>,
  };
  if (decoded.eventName !== "MessageSent") return { event };
  try {
    const sent = decodeMessageSent(log);
    return {
      event,
      sent: { ...base, msgId: sent.msgId.toLowerCase() as Hex, message: messageToJson(sent.message) },
    };
  } catch (e) {
    // Kept as an event (what the chain says), never as a message (what the bridge would pay).
    return { event, problem: (e as Error).message };
  }
}
