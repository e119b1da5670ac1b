/**
 * The pure parts of bench:explorer's sends (bench/explorer.ts), kept apart so unit tests can
 * check them (test/ts/explorer/bench-sends.test.ts): which account makes send i and for how
 * much, what each account must be funded with for every phase, and what the chain did with the
 * sends (the bench counts on every one of them having sent exactly one message, and says so
 * when one did not instead of waiting for a stream that cannot deliver it).
 */
import type { Address, Hex, Log } from "viem";
import { decodeMessagesSent } from "../core/logs.js";

/** The account (index) that makes send `i` of a phase. */
export function senderOf(i: number, senders: number): number {
  return i % senders;
}

/** The amount of send `i`: one whole token plus i base units (every send's amount differs). */
export function sendAmount(i: number, oneToken: bigint): bigint {
  return oneToken + BigInt(i);
}

/**
 * What each of `senders` accounts spends in `phases` phases of `n` sends each (send i of every
 * phase has the same sender and amount): the exact sum, which the bench mints and approves.
 */
export function fundingPerSender(n: number, senders: number, oneToken: bigint, phases: number): bigint[] {
  const perPhase = Array.from({ length: senders }, () => 0n);
  for (let i = 0; i < n; i++) perPhase[senderOf(i, senders)]! += sendAmount(i, oneToken);
  return perPhase.map((sum) => sum * BigInt(phases));
}

export interface SendReceipt {
  transactionHash: Hex;
  /** "0x1" success, "0x0" reverted (raw JSON-RPC). */
  status: Hex;
  blockNumber: Hex;
  logs: Pick<Log, "address" | "data" | "topics">[];
}

export interface SendOutcome {
  /** Message ids the sends emitted (one per successful send), in send order. */
  msgIds: Hex[];
  reverted: Hex[];
  /** No receipt (yet). */
  unmined: Hex[];
  /** Succeeded but emitted no MessageSent from the gateway, or more than one. */
  odd: Hex[];
}

/** Sorts the sends' receipts (`null` = not mined) by what happened. */
export function sendOutcome(hashes: readonly Hex[], receipts: readonly (SendReceipt | null)[], gateway: Address) {
  const outcome: SendOutcome = { msgIds: [], reverted: [], unmined: [], odd: [] };
  hashes.forEach((hash, i) => {
    const r = receipts[i];
    if (!r) outcome.unmined.push(hash);
    else if (r.status !== "0x1") outcome.reverted.push(hash);
    else {
      const sent = decodeMessagesSent(r.logs, gateway);
      if (sent.length === 1) outcome.msgIds.push(sent[0]!.msgId.toLowerCase() as Hex);
      else outcome.odd.push(hash);
    }
  });
  return outcome;
}

/** One sentence on the sends that did not each send one message, or undefined when all did. */
export function describeFailedSends(outcome: SendOutcome, total: number, revertReason?: string): string | undefined {
  const parts: string[] = [];
  if (outcome.reverted.length > 0) {
    parts.push(
      `${outcome.reverted.length} reverted (first ${outcome.reverted[0]}${revertReason ? `: ${revertReason}` : ""})`,
    );
  }
  if (outcome.unmined.length > 0) parts.push(`${outcome.unmined.length} not mined (first ${outcome.unmined[0]})`);
  if (outcome.odd.length > 0) {
    parts.push(`${outcome.odd.length} emitted no single MessageSent (first ${outcome.odd[0]})`);
  }
  if (parts.length === 0) return undefined;
  return `of ${total} sends, ${outcome.msgIds.length} sent a message and ${parts.join(", ")}: the bench's sends are at fault, not the explorer`;
}
