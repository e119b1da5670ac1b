/**
 * Feed slots (relayer/feed-slots.ts) on the in-memory store with the Redis store's lease
 * semantics: at most `slots` relayers follow the feeds; a follower that stops frees its slot for
 * a waiting relayer; a follower whose slot is taken from it stops following and asks again.
 */
import { describe, expect, it } from "vitest";
import { feedSlotName, followWhileHoldingSlot, type FeedSlotOptions } from "../../../relayer/feed-slots.js";
import { MemoryStore } from "../../../relayer/store.js";
import { silentLogger } from "./fixtures.js";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: () => boolean, ms = 2_000) {
  for (let waited = 0; !what() && waited < ms; waited += 5) await tick(5);
  expect(what()).toBe(true);
}

/** A relayer's feed loop: `following` while its `follow` runs (until the slot's signal aborts). */
function relayer(store: MemoryStore, holder: string, slots: number) {
  const stop = new AbortController();
  const state = { following: false, starts: 0 };
  const o: FeedSlotOptions = { slots, holder, ttlMs: 150, retryMs: 10 };
  const done = followWhileHoldingSlot(
    store,
    o,
    async (signal) => {
      state.following = true;
      state.starts++;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      state.following = false;
    },
    stop.signal,
    silentLogger(),
  );
  return { state, stop: () => (stop.abort(), done) };
}

describe("followWhileHoldingSlot", () => {
  it("test_follow_atMostSlotsFollowers_succeeds", async () => {
    const store = new MemoryStore();
    const rs = ["a", "b", "c"].map((id) => relayer(store, id, 2));
    await until(() => rs.filter((r) => r.state.following).length === 2);
    // Longer than the lease's lifetime: followers renew their slots, the third keeps waiting.
    await tick(400);
    expect(rs.filter((r) => r.state.following).length).toBe(2);
    await Promise.all(rs.map((r) => r.stop()));
    expect(rs.every((r) => !r.state.following)).toBe(true);
  });

  it("test_follow_followerStops_aWaitingRelayerTakesItsSlot_succeeds", async () => {
    const store = new MemoryStore();
    const a = relayer(store, "a", 1);
    await until(() => a.state.following);
    const b = relayer(store, "b", 1);
    await tick(50);
    expect(b.state.following).toBe(false);
    // A follower that stops releases its slot at once (no wait for the lease to lapse).
    await a.stop();
    await until(() => b.state.following, 100);
    await b.stop();
  });

  it("test_follow_slotTakenAway_stopsFollowingAndAsksAgain_succeeds", async () => {
    const store = new MemoryStore();
    const a = relayer(store, "a", 1);
    await until(() => a.state.following);
    // Its lease lapsed (a frozen event loop, a Redis failover) and another relayer holds it.
    await store.releaseLease(feedSlotName(0), "a");
    await store.acquireLease(feedSlotName(0), "intruder", 150);
    await until(() => !a.state.following, 500);
    // Once the intruder's lease lapses, `a` follows again.
    await until(() => a.state.following, 1_000);
    expect(a.state.starts).toBe(2);
    await a.stop();
  });
});
