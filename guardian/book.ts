/**
 * The guardian's in-memory view of every message it has seen: confirmed ones (at the chain's
 * confirmation depth, checked against the gateway's state) and the unconfirmed tail above them.
 * It holds facts, not decisions: whether a message is signable is decided by the guardian from
 * these facts, the policy and the store.
 */
import type { Hex } from "viem";
import type { Message } from "../core/message.js";
import type { ObservedMessage } from "./chain.js";
import type { RejectReason } from "./policy.js";

export interface MessageRecord extends ObservedMessage {
  sourceChainId: number;
  /** At the confirmation depth and matched against `sentMessageId`. */
  confirmed: boolean;
  /** Set when the route or token rules refuse it for good. */
  rejection?: RejectReason;
}

export class MessageBook {
  private readonly records = new Map<Hex, MessageRecord>();
  /** Confirmed message per `${chainId}:${nonce}`. */
  private readonly confirmedByNonce = new Map<string, Hex>();
  /** Called when a message becomes confirmed (the signable feed listens). */
  onConfirmed?: (record: MessageRecord) => void;

  get(msgId: Hex): MessageRecord | undefined {
    return this.records.get(msgId.toLowerCase() as Hex);
  }

  all(): MessageRecord[] {
    return [...this.records.values()];
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * Records a confirmed message. A different confirmed message at the same (chain, nonce) is one
   * the chain no longer holds (the gateway's state names this one), so it is dropped. Returns
   * true when the id was not in the book.
   */
  confirm(sourceChainId: number, observed: ObservedMessage, rejection?: RejectReason): boolean {
    const key = `${sourceChainId}:${observed.message.nonce}`;
    const previous = this.confirmedByNonce.get(key);
    if (previous !== undefined && previous !== observed.msgId) this.records.delete(previous);
    const before = this.records.get(observed.msgId);
    const record: MessageRecord = { ...observed, sourceChainId, confirmed: true, rejection };
    this.records.set(observed.msgId, record);
    this.confirmedByNonce.set(key, observed.msgId);
    if (!before?.confirmed) this.onConfirmed?.(record);
    return before === undefined;
  }

  /**
   * Replaces the chain's unconfirmed messages with `tail` (what is above the confirmation depth
   * now); ones that left the tail without being confirmed were reorged out. Returns the ids new
   * to the book.
   */
  setTail(sourceChainId: number, tail: readonly { observed: ObservedMessage; rejection?: RejectReason }[]): Hex[] {
    const keep = new Set(tail.map((t) => t.observed.msgId));
    for (const record of this.records.values()) {
      if (record.sourceChainId === sourceChainId && !record.confirmed && !keep.has(record.msgId)) {
        this.records.delete(record.msgId);
      }
    }
    const added: Hex[] = [];
    for (const { observed, rejection } of tail) {
      const existing = this.records.get(observed.msgId);
      if (existing?.confirmed) continue;
      if (!existing) added.push(observed.msgId);
      this.records.set(observed.msgId, { ...observed, sourceChainId, confirmed: false, rejection });
    }
    return added;
  }

  /** Forgets the chain's messages in blocks `>= fromBlock` (they are rescanned after a reorg). */
  dropFrom(sourceChainId: number, fromBlock: bigint): number {
    let dropped = 0;
    for (const record of [...this.records.values()]) {
      if (record.sourceChainId !== sourceChainId || record.blockNumber < fromBlock) continue;
      this.remove(record);
      dropped++;
    }
    return dropped;
  }

  /**
   * Forgets messages whose deadline passed before `cutoffSeconds`: they can no longer be
   * delivered, and keeping them would grow memory without bound.
   */
  pruneExpired(cutoffSeconds: bigint): number {
    let pruned = 0;
    for (const record of [...this.records.values()]) {
      if (record.message.deadline >= cutoffSeconds) continue;
      this.remove(record);
      pruned++;
    }
    return pruned;
  }

  private remove(record: MessageRecord) {
    this.records.delete(record.msgId);
    const key = `${record.sourceChainId}:${record.message.nonce}`;
    if (this.confirmedByNonce.get(key) === record.msgId) this.confirmedByNonce.delete(key);
  }
}

export function describeMessage(m: Message): Record<string, string> {
  return {
    nonce: m.nonce.toString(),
    route: `${m.sourceChainId}->${m.destChainId}`,
    token: m.token,
    amount: m.amount.toString(),
  };
}
