/** Bounded concurrency, counted slots and work left running in the background. */
import { describe, expect, it } from "vitest";
import { mapLimit, PendingWork, Semaphore } from "../../../core/async.js";

describe("mapLimit", () => {
  it("test_mapLimit_boundsConcurrencyKeepsOrder_succeeds", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, n));
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

describe("Semaphore", () => {
  it("test_acquire_waitsForAFreeSlotInOrder_succeeds", async () => {
    const s = new Semaphore(2);
    const a = await s.acquire();
    const b = await s.acquire();
    const order: string[] = [];
    const c = s.acquire().then((r) => (order.push("c"), r));
    const d = s.acquire().then((r) => (order.push("d"), r));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([]);
    a();
    a(); // a second release of the same slot frees nothing more
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(["c", "d"]);
    expect(s.inUse).toBe(0);
  });

  it("test_acquire_abortedWait_takesNoSlot_reverts", async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
    held();
    expect(s.inUse).toBe(0);
    expect(() => new Semaphore(0)).toThrow();
  });
});

describe("PendingWork", () => {
  const deferred = () => {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    return { promise, resolve, reject };
  };

  it("test_settled_waitsForWorkTrackedMeanwhile_succeeds", async () => {
    const work = new PendingWork();
    const first = deferred();
    const second = deferred();
    work.track(first.promise);
    let done = false;
    const settled = work.settled().then(() => (done = true));
    // Work tracked while an earlier one runs (a hand-over started during another) is waited for too.
    work.track(second.promise);
    first.resolve();
    await new Promise((r) => setTimeout(r, 5));
    expect(done).toBe(false);
    expect(work.size).toBe(1);
    second.resolve();
    await settled;
    expect(done).toBe(true);
    expect(work.size).toBe(0);
  });

  it("test_settled_afterFailedWork_forgetsIt_succeeds", async () => {
    const work = new PendingWork();
    const failing = deferred();
    // The caller handles the failure (as every caller does); PendingWork only keeps track.
    const seen: string[] = [];
    work.track(failing.promise.catch((e: Error) => void seen.push(e.message)));
    failing.reject(new Error("boom"));
    await work.settled();
    expect(seen).toEqual(["boom"]);
    expect(work.size).toBe(0);
  });
});
