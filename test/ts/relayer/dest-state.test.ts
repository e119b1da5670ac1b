/**
 * The shared view of a destination's clock and pause flag: one read per `maxAgeMs` for every
 * batch, concurrent callers share it, a failed read is not kept.
 */
import { describe, expect, it } from "vitest";
import { DestinationState } from "../../../relayer/dest-state.js";

describe("DestinationState", () => {
  it("test_get_sharesOneReadPerMaxAge_succeeds", async () => {
    const clock = { ms: 0 };
    let reads = 0;
    const state = new DestinationState(
      async () => ({ timestamp: BigInt(++reads), paused: false }),
      500,
      () => clock.ms,
    );
    const [x, y] = await Promise.all([state.get(), state.get()]);
    expect([x.timestamp, y.timestamp, reads]).toEqual([1n, 1n, 1]);
    clock.ms = 499;
    expect((await state.get()).timestamp).toBe(1n);
    clock.ms = 500;
    expect((await state.get()).timestamp).toBe(2n);
    expect(reads).toBe(2);
  });

  it("test_get_failedReadNotKept_reverts", async () => {
    let fail = true;
    const state = new DestinationState(
      async () => {
        if (fail) throw new Error("node busy");
        return { timestamp: 7n, paused: true };
      },
      60_000,
      () => 0,
    );
    await expect(state.get()).rejects.toThrow("node busy");
    fail = false;
    expect(await state.get()).toEqual({ timestamp: 7n, paused: true });
  });
});
