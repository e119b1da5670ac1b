/**
 * Which relayers follow the guardians' signable feeds. Following is the same work in every
 * relayer that does it — each reads every guardian's feed, checks every entry and enqueues
 * every message a quorum lists (the enqueues after the first are no-ops) — so relayers beyond
 * the first few add CPU and Redis load, not speed: at four relayers on two routes the feeds took
 * most of their CPU, on two cores shared with the chains and guardians, and the burst's
 * deliveries waited for it.
 *
 * So at most FEED_FOLLOWERS relayers follow, each holding one slot: a lease in the relayer
 * store (`<prefix>:relayer:lock:feed:<i>`, one key each, so it works on Redis Cluster), renewed
 * every third of its lifetime (LOCK_TTL_MS). A relayer without a slot asks for one every
 * `retryMs` and meanwhile only delivers: it takes the jobs the followers enqueued, which were
 * listed by a quorum already, so its batches need not wait for listings. With two or more
 * followers (the default is two) no single relayer is needed for messages to be enqueued; a
 * dead follower's slot is free again within LOCK_TTL_MS, and the observer enqueues every
 * message anyway.
 */
import { sleep } from "../core/service/lifecycle.js";
import type { Logger } from "../core/service/logger.js";
import { keepLease, type RelayerStore } from "./store.js";

export interface FeedSlotOptions {
  /** How many relayers may follow the feeds at once (FEED_FOLLOWERS). */
  slots: number;
  holder: string;
  /** The lease's lifetime (LOCK_TTL_MS). */
  ttlMs: number;
  /** How often a relayer without a slot asks again. */
  retryMs: number;
}

export const feedSlotName = (i: number) => `feed:${i}`;

/**
 * Runs `follow` while this relayer holds a feed slot, until `signal` aborts. `follow` gets a
 * signal that aborts when the slot is lost (a renewal refused, or none succeeding for the
 * lease's lifetime), and must return then; the slot is asked for again afterwards.
 */
export async function followWhileHoldingSlot(
  store: Pick<RelayerStore, "acquireLease" | "releaseLease">,
  o: FeedSlotOptions,
  follow: (signal: AbortSignal) => Promise<void>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const log = logger.child({ component: "feed-slots" });
  while (!signal.aborted) {
    const slot = await acquireSlot(store, o).catch(() => undefined);
    if (slot === undefined) {
      await sleep(o.retryMs, signal);
      continue;
    }
    log.info({ slot }, "following the guardians' feeds (holding a feed slot)");
    const held = new AbortController();
    const onAbort = () => held.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const stopRenewing = keepLease(
      store,
      { name: slot, holder: o.holder, ttlMs: o.ttlMs, everyMs: Math.max(100, Math.floor(o.ttlMs / 3)) },
      () => held.abort(),
    );
    try {
      await follow(held.signal);
    } catch (e) {
      log.error({ err: (e as Error).message }, "following the feeds failed; asking for a slot again");
    } finally {
      stopRenewing();
      held.abort();
      signal.removeEventListener("abort", onAbort);
    }
    if (signal.aborted) {
      await store.releaseLease(slot, o.holder).catch(() => undefined);
    } else {
      log.warn({ slot }, "feed slot lost; following stopped until a slot is free");
    }
  }
}

/** The first free slot, now leased to this relayer; undefined when every slot is held. */
async function acquireSlot(store: Pick<RelayerStore, "acquireLease">, o: FeedSlotOptions): Promise<string | undefined> {
  for (let i = 0; i < o.slots; i++) {
    const name = feedSlotName(i);
    if (await store.acquireLease(name, o.holder, o.ttlMs)) return name;
  }
  return undefined;
}
