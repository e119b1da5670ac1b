/**
 * The shared read of a chain value (a destination's clock and pause flag, a chain's fees): one
 * read per fresh age for every caller, the cached value served at once while a refresh runs in
 * the background up to the stale age, a wait for a read beyond it, and a failed read never kept.
 * The guardian's cached set index is one too (its own tests in guardian.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SharedRead, type SharedReadOptions } from "../../../core/shared-read.js";

/** A SharedRead on the (fake) timers' clock whose read returns how many reads it has made. */
function countingRead(o: SharedReadOptions) {
  const counter = { reads: 0 };
  const state = new SharedRead(
    async () => ++counter.reads,
    o,
    () => Date.now(),
  );
  return { state, counter };
}

/** A read the test resolves or fails by hand, counting calls. */
function manualRead() {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { read, pending };
}

describe("SharedRead", () => {
  it("test_get_sharesOneReadPerFreshAge_succeeds", async () => {
    const clock = { ms: 0 };
    let reads = 0;
    const state = new SharedRead(
      async () => ++reads,
      { freshMs: 500, staleMs: 500 },
      () => clock.ms,
    );
    const [x, y] = await Promise.all([state.get(), state.get()]);
    expect([x, y, reads]).toEqual([1, 1, 1]);
    clock.ms = 499;
    expect(await state.get()).toBe(1);
    clock.ms = 500;
    expect(await state.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it("test_get_staleServedAtOnceWhileRefreshing_succeeds", async () => {
    const clock = { ms: 0 };
    const { read, pending } = manualRead();
    const state = new SharedRead(read, { freshMs: 500, staleMs: 3_000 }, () => clock.ms);
    const first = state.get();
    pending[0]!.resolve(10);
    expect(await first).toBe(10);

    // Past the fresh age: the cached value comes back without waiting, and one refresh starts.
    clock.ms = 1_000;
    expect(await state.get()).toBe(10);
    expect(await state.get()).toBe(10);
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(11);
    await Promise.resolve();
    await Promise.resolve();
    expect(await state.get()).toBe(11);

    // Past the stale age (counted from when the refresh started): callers wait for a read.
    clock.ms = 4_000;
    let settled = false;
    const waited = state.get().then((v) => ((settled = true), v));
    await Promise.resolve();
    expect(settled).toBe(false);
    pending[2]!.resolve(12);
    expect(await waited).toBe(12);
  });

  it("test_forget_nextGetWaitsForANewRead_succeeds: a read started before forget() is neither shared nor kept", async () => {
    const { read, pending } = manualRead();
    const state = new SharedRead(read, { freshMs: 60_000, staleMs: 60_000 }, () => 0);
    const first = state.get();
    pending[0]!.resolve(1);
    expect(await first).toBe(1);
    state.forget();
    const before = state.get(); // a read that started before the caller learnt of a change...
    state.forget();
    const after = state.get(); // ...is not the one this caller gets
    expect(pending).toHaveLength(3);
    pending[2]!.resolve(3);
    expect(await after).toBe(3);
    pending[1]!.resolve(2); // the older read ends last: not cached over the newer value
    expect(await before).toBe(2);
    expect(await state.get()).toBe(3);
    expect(pending).toHaveLength(3);
  });

  it("test_get_failedReadNotKept_reverts", async () => {
    const clock = { ms: 0 };
    let fail = true;
    let reads = 0;
    const state = new SharedRead(
      async () => {
        reads++;
        if (fail) throw new Error("node busy");
        return 7;
      },
      { freshMs: 500, staleMs: 3_000 },
      () => clock.ms,
    );
    await expect(state.get()).rejects.toThrow("node busy");
    fail = false;
    expect(await state.get()).toBe(7);

    // A failed background refresh keeps the stale value, and the next call tries again.
    fail = true;
    clock.ms = 1_000;
    expect(await state.get()).toBe(7);
    await new Promise((r) => setImmediate(r));
    fail = false;
    expect(await state.get()).toBe(7);
    await new Promise((r) => setImmediate(r));
    clock.ms = 1_100;
    expect(await state.get()).toBe(7);
    expect(reads).toBe(4);
  });

  it("test_get_failedBackgroundRefreshReported_reverts: told once per failed refresh nobody waited for", async () => {
    const clock = { ms: 0 };
    const { read, pending } = manualRead();
    const failures: unknown[] = [];
    const state = new SharedRead(
      read,
      { freshMs: 500, staleMs: 3_000, onBackgroundError: (e) => failures.push(e) },
      () => clock.ms,
    );
    // A read a caller waits for: its failure goes to that caller only.
    const waited = state.get();
    pending[0]!.reject(new Error("node down"));
    await expect(waited).rejects.toThrow("node down");
    expect(failures).toEqual([]);

    const second = state.get();
    pending[1]!.resolve(5);
    expect(await second).toBe(5);
    // Three callers in the stale window share one refresh: its failure is told once, not thrice.
    clock.ms = 1_000;
    expect(await Promise.all([state.get(), state.get(), state.latest()])).toEqual([5, 5, 5]);
    expect(pending).toHaveLength(3);
    pending[2]!.reject(new Error("node busy"));
    await new Promise((r) => setImmediate(r));
    expect(failures.map((e) => (e as Error).message)).toEqual(["node busy"]);
  });

  it("test_latest_servesHeldValueAtAnyAge_succeeds: never waits once a value is held; refreshes behind", async () => {
    const clock = { ms: 0 };
    const { read, pending } = manualRead();
    const failures: unknown[] = [];
    const state = new SharedRead(
      read,
      { freshMs: 500, staleMs: 1_000, onBackgroundError: (e) => failures.push(e) },
      () => clock.ms,
    );
    // None held: waits like get().
    const first = state.latest();
    pending[0]!.resolve(1);
    expect(await first).toBe(1);
    clock.ms = 400;
    expect(await state.latest()).toBe(1);
    expect(pending).toHaveLength(1);
    // Far past staleMs: still served at once, with one refresh behind (not one per call).
    clock.ms = 60_000;
    expect(await state.latest()).toBe(1);
    expect(await state.latest()).toBe(1);
    expect(pending).toHaveLength(2);
    pending[1]!.reject(new Error("node busy"));
    await new Promise((r) => setImmediate(r));
    expect(failures).toHaveLength(1);
    // get() keeps its bound: past staleMs it waits for a read.
    const bounded = state.get();
    expect(pending).toHaveLength(3);
    pending[2]!.resolve(2);
    expect(await bounded).toBe(2);
    expect(await state.latest()).toBe(2);
  });

  describe("keepWarmMs", () => {
    // Every keep-warm case runs on fake timers (the re-reads are timer-driven).
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it("test_keepWarm_reReadsWhileInUse_succeeds: a caller back after staleMs finds a value, no wait", async () => {
      const { state, counter } = countingRead({ freshMs: 500, staleMs: 1_000, keepWarmMs: 5_000 });
      expect(await state.get()).toBe(1);
      // Nobody asks for 3 s (three staleMs): re-read every freshMs meanwhile.
      await vi.advanceTimersByTimeAsync(3_000);
      expect(counter.reads).toBe(7);
      // The value is under freshMs old: served without a read.
      const before = counter.reads;
      expect(await state.get()).toBe(before);
      expect(counter.reads).toBe(before);
    });

    it("test_keepWarm_stopsWhenIdleOrClosed_succeeds: no reads keepWarmMs after the last get, none after close", async () => {
      const { state, counter } = countingRead({ freshMs: 500, staleMs: 1_000, keepWarmMs: 2_000 });
      await state.get();
      await vi.advanceTimersByTimeAsync(10_000);
      // Re-read at 0.5, 1.0, 1.5 and 2.0 s after the get, then idle.
      expect(counter.reads).toBe(5);
      await state.get(); // past staleMs: waits for a read, and warms again
      expect(counter.reads).toBe(6);
      state.close();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(counter.reads).toBe(6);
    });

    it("test_keepWarm_freshMsZero_succeeds: a value never fresh is not re-read in a loop", async () => {
      const { state, counter } = countingRead({ freshMs: 0, staleMs: 0, keepWarmMs: 60_000 });
      expect(await state.get()).toBe(1);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(counter.reads).toBe(1);
      expect(await state.get()).toBe(2);
    });

    it("test_keepWarm_failedReReadReported_reverts: reported, retried freshMs later, the value kept until staleMs", async () => {
      let fail = false;
      let reads = 0;
      const failures: string[] = [];
      const state = new SharedRead(
        async () => {
          reads++;
          if (fail) throw new Error("node down");
          return reads;
        },
        {
          freshMs: 500,
          staleMs: 3_000,
          keepWarmMs: 60_000,
          onBackgroundError: (e) => failures.push((e as Error).message),
        },
        () => Date.now(),
      );
      expect(await state.get()).toBe(1);
      fail = true;
      await vi.advanceTimersByTimeAsync(1_600);
      expect(failures).toEqual(["node down", "node down", "node down"]);
      expect(await state.get()).toBe(1);
      fail = false;
      await vi.advanceTimersByTimeAsync(500);
      expect(await state.get()).toBeGreaterThan(1);
    });
  });
});
