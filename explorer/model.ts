/**
 * What the explorer stores and serves: gateway events as indexed rows, the messages they
 * describe, and the JSON views the HTTP API answers with. Every number that can exceed 2^53
 * (amounts) travels as a decimal string; block numbers, chain ids, nonces and times are numbers.
 */
import type { Hex } from "viem";
import { EXPLORER_MESSAGE_STATUSES, type ExplorerEvent, type ExplorerMessageStatus } from "@portcullis/sdk";
import type { MessageJson } from "../core/message.js";

/** A message's lifecycle on chain, from its indexed events (time-independent, so filterable). */
export const MESSAGE_STATUSES = EXPLORER_MESSAGE_STATUSES;
export type MessageStatus = ExplorerMessageStatus;

/** One gateway log, decoded; `args` is JSON-safe (bigints as decimal strings). Stored and served as is. */
export type IndexedEvent = ExplorerEvent;

/** A `MessageSent`, decoded and checked against its id. */
export interface SentMessage {
  msgId: Hex;
  message: MessageJson;
  chainId: number;
  blockNumber: number;
  logIndex: number;
  txHash: Hex;
  time: number;
}

/** Where indexing of one chain got: the last block whose events are all stored. */
export interface Checkpoint {
  block: number;
  hash: Hex;
}

/** Everything read from one chain for blocks (cursor, toBlock], written in one transaction. */
export interface IndexedPage {
  chainId: number;
  gateway: Hex;
  fromBlock: number;
  to: Checkpoint;
  events: IndexedEvent[];
  sent: SentMessage[];
}

/** A stored message with its status; `events` when loaded with them. */
export interface MessageRecord {
  msgId: Hex;
  /** Undefined when events name this id but its `MessageSent` is not indexed (yet, or ever). */
  sent?: SentMessage;
  status: MessageStatus;
  events: IndexedEvent[];
}

export interface MessageFilter {
  sender?: Hex;
  recipient?: Hex;
  /** Sender or recipient. */
  address?: Hex;
  sourceChainId?: number;
  destChainId?: number;
  statuses?: MessageStatus[];
}

/** Keyset position in the newest-first message order. */
export interface MessageKey {
  time: number;
  sourceChainId: number;
  nonce: number;
}

export interface EventFilter {
  chainId?: number;
  names?: string[];
}

/** Keyset position in the newest-first event order. */
export interface EventKey {
  blockNumber: number;
  chainId: number;
  logIndex: number;
  time: number;
}
