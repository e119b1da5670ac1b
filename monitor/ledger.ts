/**
 * The monitor's own view of message flow, built from gateway logs: what was sent, what is
 * queued, what is still in flight. It drives the pending, in-flight and latency metrics only;
 * the safety checks (origin, solvency) read the chains directly and never trust it.
 *
 * In memory by design: on restart the monitor rescans from each gateway's deploy block, so
 * there is no second copy of chain state to drift or corrupt.
 */
import type { Hex } from "viem";
import type { Message } from "../core/message.js";

export interface TrackedMessage {
  msgId: Hex;
  message: Message;
  sentBlock: bigint;
  /** Unix seconds of the source block. */
  sentAt: number;
  /** "sent": not delivered yet; "queued": delivered, waiting for its delay. */
  state: "sent" | "queued";
}

/** Ids remembered after a message leaves the ledger, so a rescan does not revive it. */
const COMPLETED_MEMORY = 100_000;

export class MessageLedger {
  private readonly messages = new Map<Hex, TrackedMessage>();
  private readonly completed = new Set<Hex>();
  /** Executions seen before their send (the source was polled later): execution block time. */
  private readonly earlyExecutions = new Map<Hex, number>();

  /**
   * Records a sent message. Returns the execution time when the message had already executed
   * (seen before its send), so the caller can still measure its latency; it then never enters
   * the ledger.
   */
  recordSent(msgId: Hex, message: Message, sentBlock: bigint, sentAt: number): { isNew: boolean; executedAt?: number } {
    if (this.messages.has(msgId) || this.completed.has(msgId)) return { isNew: false };
    const executedAt = this.earlyExecutions.get(msgId);
    if (executedAt !== undefined) {
      this.earlyExecutions.delete(msgId);
      this.remember(msgId);
      return { isNew: true, executedAt };
    }
    this.messages.set(msgId, { msgId, message, sentBlock, sentAt, state: "sent" });
    return { isNew: true };
  }

  get(msgId: Hex): TrackedMessage | undefined {
    return this.messages.get(msgId);
  }

  markQueued(msgId: Hex): void {
    const m = this.messages.get(msgId);
    if (m) m.state = "queued";
  }

  /**
   * The message executed (or was vetoed): it leaves the ledger. Returns it if it was tracked;
   * otherwise remembers `executedAt` for a send not seen yet.
   */
  complete(msgId: Hex, executedAt?: number): TrackedMessage | undefined {
    const m = this.messages.get(msgId);
    if (m) {
      this.messages.delete(msgId);
      this.remember(msgId);
      return m;
    }
    if (executedAt !== undefined && !this.completed.has(msgId)) this.earlyExecutions.set(msgId, executedAt);
    return undefined;
  }

  /** After a reorg of `sourceChainId` above `block`: forget sends that may no longer exist. */
  dropSentAfter(sourceChainId: bigint, block: bigint): number {
    let dropped = 0;
    for (const [id, m] of this.messages) {
      if (m.message.sourceChainId === sourceChainId && m.sentBlock > block) {
        this.messages.delete(id);
        dropped++;
      }
    }
    return dropped;
  }

  /** Sent and not delivered yet. */
  undelivered(): TrackedMessage[] {
    return [...this.messages.values()].filter((m) => m.state === "sent");
  }

  /** Sent and not executed yet (includes queued). */
  inFlight(): TrackedMessage[] {
    return [...this.messages.values()];
  }

  private remember(msgId: Hex) {
    this.completed.add(msgId);
    if (this.completed.size > COMPLETED_MEMORY) {
      const oldest = this.completed.values().next().value;
      if (oldest !== undefined) this.completed.delete(oldest);
    }
  }
}
