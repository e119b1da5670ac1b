/**
 * Check 3, delivery: how long sent messages wait for their destination. A message counts as
 * pending from its source block until the destination gateway processes it (executes or
 * queues it); the oldest pending age per route is the relayer and guardian lag a user feels.
 * A message older than the SLO raises an alert once (confirmed on chain first, see `Monitor`).
 */
import type { TrackedMessage } from "../ledger.js";

export interface RouteBacklog {
  sourceChainId: number;
  destChainId: number;
  count: number;
  /** 0 when nothing is pending. */
  oldestAgeSeconds: number;
}

/** Backlog of every route in `routes` (so an idle route reports 0, not nothing). */
export function backlogByRoute(
  undelivered: readonly TrackedMessage[],
  routes: readonly (readonly [number, number])[],
  nowSeconds: number,
): RouteBacklog[] {
  const byRoute = new Map<string, RouteBacklog>();
  for (const [sourceChainId, destChainId] of routes) {
    byRoute.set(`${sourceChainId}->${destChainId}`, { sourceChainId, destChainId, count: 0, oldestAgeSeconds: 0 });
  }
  for (const m of undelivered) {
    const key = `${m.message.sourceChainId}->${m.message.destChainId}`;
    let backlog = byRoute.get(key);
    if (!backlog) {
      backlog = {
        sourceChainId: Number(m.message.sourceChainId),
        destChainId: Number(m.message.destChainId),
        count: 0,
        oldestAgeSeconds: 0,
      };
      byRoute.set(key, backlog);
    }
    backlog.count++;
    backlog.oldestAgeSeconds = Math.max(backlog.oldestAgeSeconds, Math.max(0, nowSeconds - m.sentAt));
  }
  return [...byRoute.values()];
}

/** Pending messages older than `sloSeconds`, oldest first. */
export function overdue(
  undelivered: readonly TrackedMessage[],
  nowSeconds: number,
  sloSeconds: number,
): TrackedMessage[] {
  return undelivered.filter((m) => nowSeconds - m.sentAt > sloSeconds).sort((a, b) => a.sentAt - b.sentAt);
}
