/**
 * The shared read of a chain value (a destination's clock and pause flag, a chain's fees): one
 * read per fresh age for every caller, the cached value served at once while a refresh runs in
 * the background up to the stale age, a wait for a read beyond it, and a failed read never kept.
 * The guardian's cached set index is one too (its own tests in guardian.test.ts).
 */
import { describe, expect, it } from "vitest";
import { SharedRead } from "../../../core/shared-read.js";

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
    clock.ms = 1_000;
    expect(await state.get()).toBe(5);
    pending[2]!.reject(new Error("node busy"));
    await new Promise((r) => setImmediate(r));
    expect(failures.map((e) => (e as Error).message)).toEqual(["node busy"]);
  });
});
