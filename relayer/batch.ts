/**
 * Pure batch shaping: what goes into one `deliver` call and in which order. No I/O here, so the
 * rules are unit-tested directly.
 */
import type { Hex } from "viem";
import type { Message } from "../core/message.js";

export interface BatchItem {
  msgId: Hex;
  message: Message;
}

/**
 * Orders a batch by token, then nonce. The gateway pays out fast transfers of one bridged token
 * in a single `mintBatch` per run of equal tokens, so grouping by token is what makes a batch
 * cheap; nonce order keeps the replay bitmap writes in one word for sequential nonces.
 */
export function orderBatch<T extends BatchItem>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => {
    const ta = BigInt(a.message.token);
    const tb = BigInt(b.message.token);
    if (ta !== tb) return ta < tb ? -1 : 1;
    if (a.message.nonce !== b.message.nonce) return a.message.nonce < b.message.nonce ? -1 : 1;
    return a.msgId < b.msgId ? -1 : a.msgId > b.msgId ? 1 : 0;
  });
}

/** Items grouped by route, `<sourceChainId>-<destChainId>` (a deliverer's `route`), in their order. */
export function byRoute<T extends BatchItem>(items: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const route = `${item.message.sourceChainId}-${item.message.destChainId}`;
    const group = groups.get(route);
    if (group) group.push(item);
    else groups.set(route, [item]);
  }
  return groups;
}

/** Drops repeated msgIds, keeping the first (a job re-added after a Redis wipe, for instance). */
export function uniqueById<T extends BatchItem>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = i.msgId.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Splits a batch in two halves (to isolate a message whose revert names no message). */
export function halves<T>(items: readonly T[]): [T[], T[]] {
  const mid = Math.ceil(items.length / 2);
  return [items.slice(0, mid), items.slice(mid)];
}

/** True once `deadline` (unix seconds) has passed at `now` (unix seconds, destination chain). */
export function isExpired(message: Pick<Message, "deadline">, nowSeconds: bigint): boolean {
  return nowSeconds > message.deadline;
}
