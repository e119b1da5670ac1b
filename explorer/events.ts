/**
 * Gateway logs → indexed rows. Every log the gateway emits is kept (decoded with the generated
 * gateway ABI; anything it cannot decode is kept raw as "Unknown"), so the index answers
 * questions nobody planned for. A `MessageSent` is also decoded into its message, whose id is
 * re-derived from the fields (`decodeMessageSent`): a log that does not match is refused.
 */
import { decodeEventLog, toEventSelector, type AbiEvent, type Hex, type Log } from "viem";
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

/** The gateway's events by signature topic, computed once (viem would hash every signature per log). */
const EVENT_BY_TOPIC = new Map<Hex, AbiEvent>(
  bridgeGatewayAbi
    .filter((item): item is AbiEvent & (typeof bridgeGatewayAbi)[number] => item.type === "event")
    .map((item) => [toEventSelector(item), item]),
);

/**
 * Decodes one gateway log of a canonical block whose time is `time`. A `MessageSent` is decoded
 * once (`decodeMessageSent`: its args are the event's); other events against their one ABI item.
 */
export function decodeGatewayLog(chainId: number, log: Log, time: number): DecodedLog {
  const base = {
    chainId,
    blockNumber: Number(log.blockNumber),
    logIndex: Number(log.logIndex),
    txHash: log.transactionHash!,
    blockHash: log.blockHash!,
    time,
  };
  const unknown = (problem: string): DecodedLog => ({
    event: { ...base, name: "Unknown", msgId: null, args: { topics: log.topics, data: log.data } },
    problem,
  });
  const topic = log.topics[0]?.toLowerCase() as Hex | undefined;
  const item = topic === undefined ? undefined : EVENT_BY_TOPIC.get(topic);
  if (!item) return unknown(`no gateway event has the signature topic ${topic ?? "(none: an anonymous log)"}`);
  if (item.name === "MessageSent") {
    try {
      const sent = decodeMessageSent(log);
      const msgId = sent.msgId.toLowerCase() as Hex;
      const args = jsonSafe({
        msgId: sent.msgId,
        message: sent.message,
        fee: sent.fee,
        quote: sent.quote,
      }) as Record<string, unknown>;
      return {
        event: { ...base, name: item.name, msgId, args },
        sent: { ...base, msgId, message: messageToJson(sent.message) },
      };
    } catch (e) {
      // Undecodable (below), or an id that does not match its message: then kept as an event
      // (what the chain says), never as a message (what the bridge would pay).
      const event = decodeOne(item, log, base);
      return "problem" in event ? event : { event: event.event, problem: (e as Error).message };
    }
  }
  return decodeOne(item, log, base);
}

function decodeOne(
  item: AbiEvent,
  log: Log,
  base: Omit<IndexedEvent, "name" | "msgId" | "args">,
): { event: IndexedEvent } | (DecodedLog & { problem: string }) {
  let decoded;
  try {
    decoded = decodeEventLog({ abi: [item], data: log.data, topics: log.topics });
  } catch (e) {
    return {
      event: { ...base, name: "Unknown", msgId: null, args: { topics: log.topics, data: log.data } },
      problem: (e as Error).message.split("\n")[0]!,
    };
  }
  const args = (decoded.args ?? {}) as Record<string, unknown>;
  const msgId = typeof args.msgId === "string" ? (args.msgId.toLowerCase() as Hex) : null;
  return { event: { ...base, name: item.name, msgId, args: jsonSafe(args) as Record<string, unknown> } };
}
