/**
 * Turns at taking a route's jobs (relayer/take-turn.ts), on the in-memory store with the Redis
 * store's lease semantics: one holder at a time per route, a release wakes a waiting peer (and
 * one not told asks again after pollMs), a relayer that just took a batch lets a waiting peer go
 * next, a dead holder's turn lapses, a wait ends when its signal aborts.
 */
import { describe, expect, it } from "vitest";
import { MemoryStore } from "../../../relayer/store.js";
import { TakeTurn, type TakeTurnTimings } from "../../../relayer/take-turn.js";

const fast: TakeTurnTimings = { ttlMs: 200, renewMs: 50, pollMs: 5, yieldMs: 40 };
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves to "held" once `p` resolves, else "waiting" after `ms`. */
async function within<T>(p: Promise<T>, ms: number): Promise<"held" | "waiting"> {
  return Promise.race([p.then(() => "held" as const), tick(ms).then(() => "waiting" as const)]);
}

describe("TakeTurn", () => {
  it("test_acquire_oneHolderPerRoute_succeeds: a peer waits until the holder releases", async () => {
    const store = new MemoryStore();
    const a = new TakeTurn(store, "deliver.1-2", "a", fast);
    const b = new TakeTurn(store, "deliver.1-2", "b", fast);
    const signal = new AbortController().signal;
    const held = await a.acquire(signal);
    const waiting = b.acquire(signal);
    // Longer than the lease's lifetime: the holder renews it while it waits for jobs.
    expect(await within(waiting, fast.ttlMs * 2)).toBe("waiting");
    await held.release(false);
    expect(await within(waiting, 500)).toBe("held");
    await (await waiting).release(false);
  });

  it("test_release_wakesAWaitingPeer_succeeds: announced, not found by polling", async () => {
    const store = new MemoryStore();
    const slow = { ...fast, pollMs: 60_000 };
    const signal = new AbortController().signal;
    const held = await new TakeTurn(store, "deliver.1-2", "a", slow).acquire(signal);
    const waiting = new TakeTurn(store, "deliver.1-2", "b", slow).acquire(signal);
    expect(await within(waiting, 100)).toBe("waiting");
    await held.release(false);
    expect(await within(waiting, 1_000)).toBe("held");
    await (await waiting).release(false);
  });

  it("test_acquire_releaseNotAnnounced_asksAgainAfterPollMs_succeeds", async () => {
    const store = new MemoryStore();
    // Announcements lost (a Redis subscription down): the waiter still asks every pollMs.
    store.announceRelease = async () => undefined;
    const signal = new AbortController().signal;
    const held = await new TakeTurn(store, "deliver.1-2", "a", { ...fast, pollMs: 60_000 }).acquire(signal);
    const waiting = new TakeTurn(store, "deliver.1-2", "b", { ...fast, pollMs: 50 }).acquire(signal);
    await held.release(false);
    expect(await within(waiting, 1_000)).toBe("held");
    await (await waiting).release(false);
  });

  it("test_acquire_otherRoute_independent_succeeds", async () => {
    const store = new MemoryStore();
    const signal = new AbortController().signal;
    const held = await new TakeTurn(store, "deliver.1-2", "a", fast).acquire(signal);
    const other = new TakeTurn(store, "deliver.2-1", "b", fast).acquire(signal);
    expect(await within(other, 100)).toBe("held");
    await held.release(false);
    await (await other).release(false);
  });

  it("test_release_afterABatch_aWaitingPeerGoesNext_succeeds", async () => {
    const store = new MemoryStore();
    const signal = new AbortController().signal;
    const a = new TakeTurn(store, "deliver.1-2", "a", fast);
    const b = new TakeTurn(store, "deliver.1-2", "b", fast);
    const first = await a.acquire(signal);
    const peer = b.acquire(signal);
    await tick(20);
    await first.release(true);
    // `a` comes straight back for the next turn, as its delivery loop does: the peer gets it.
    const again = a.acquire(signal);
    expect(await within(peer, 500)).toBe("held");
    expect(await within(again, 20)).toBe("waiting");
    await (await peer).release(false);
    await (await again).release(false);
  });

  it("test_release_withoutABatch_noYield_succeeds: an empty wait does not hold the relayer back", async () => {
    const store = new MemoryStore();
    const signal = new AbortController().signal;
    const a = new TakeTurn(store, "deliver.1-2", "a", { ...fast, yieldMs: 10_000 });
    await (await a.acquire(signal)).release(false);
    expect(await within(a.acquire(signal), 100)).toBe("held");
  });

  it("test_acquire_deadHolder_lapsesAfterTheLease_succeeds", async () => {
    const store = new MemoryStore();
    // A holder that died: its lease is never renewed nor released.
    await store.acquireLease("take:deliver.1-2", "dead", fast.ttlMs);
    const started = Date.now();
    const held = await new TakeTurn(store, "deliver.1-2", "b", fast).acquire(new AbortController().signal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(fast.ttlMs - 20);
    await held.release(false);
  });

  it("test_acquire_abortedWhileWaiting_rejects_fails", async () => {
    const store = new MemoryStore();
    const signal = new AbortController().signal;
    const held = await new TakeTurn(store, "deliver.1-2", "a", fast).acquire(signal);
    const stop = new AbortController();
    const waiting = new TakeTurn(store, "deliver.1-2", "b", fast).acquire(stop.signal);
    stop.abort();
    await expect(waiting).rejects.toThrow();
    await held.release(false);
  });
});
