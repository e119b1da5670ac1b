/**
 * Pure batch shaping: what goes into one `deliver` call (its order is core/batch-order.ts). No I/O
 * here, so the rules are unit-tested directly.
 */
import type { Message } from "../core/message.js";
import type { BatchItem } from "../core/batch-order.js";

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
