/**
 * bench:relay's chain clocks (bench/chain-clock.ts): a chain whose timestamps run a second ahead
 * of the wall clock is measured as such, so the latency of a transfer between it and a chain on
 * time comes out the same both ways. The chains here are simulated on a virtual clock: anvil's
 * own behaviour (timestamps ahead after fast mining) is what the module exists for.
 */
import { describe, expect, it } from "vitest";
import {
  blockTimeMs,
  clockOffsetMs,
  secondsAhead,
  type ClockOptions,
  type HeadSource,
} from "../../../bench/chain-clock.js";

/** A chain mining a block every `blockMs` from `phaseMs`, stamped `aheadMs` ahead (whole seconds). */
function simulated(clock: { t: number }, o: { phaseMs: number; aheadMs: number; blockMs?: number }): HeadSource {
  const blockMs = o.blockMs ?? 1_000;
  return {
    getBlock: async () => {
      const n = Math.floor((clock.t - o.phaseMs) / blockMs);
      const minedAt = o.phaseMs + n * blockMs;
      return { number: BigInt(n), timestamp: BigInt(Math.floor((minedAt + o.aheadMs) / 1_000)) };
    },
  };
}

function options(clock: { t: number }, pollMs = 20): ClockOptions {
  return {
    blocks: 3,
    pollMs,
    timeoutMs: 10_000,
    now: () => clock.t,
    sleep: async (ms) => {
      clock.t += ms;
    },
  };
}

describe("chain clocks", () => {
  it("measures a chain stamped a second ahead as a second ahead, to within the poll", async () => {
    const clock = { t: 1_000_000_250 };
    const ahead = simulated(clock, { phaseMs: 300, aheadMs: 1_000 });
    const offset = await clockOffsetMs(ahead, options(clock));
    // Mined at x.300 and stamped x+1: the offset is 700 ms, seen at most one poll late.
    expect(offset).toBeGreaterThan(700 - 20 - 1);
    expect(offset).toBeLessThanOrEqual(700);
  });

  it("a transfer takes as long both ways between a chain on time and one a second ahead", async () => {
    const clock = { t: 2_000_000_000 };
    // Both mine late in the second (x.800): a chain on time is 0 s ahead, not 1 s behind.
    const onTime = simulated(clock, { phaseMs: 800, aheadMs: 0 });
    const ahead = simulated(clock, { phaseMs: 800, aheadMs: 1_000 });
    const onTimeAhead = secondsAhead(await clockOffsetMs(onTime, options(clock)));
    const aheadAhead = secondsAhead(await clockOffsetMs(ahead, options(clock)));
    expect([onTimeAhead, aheadAhead]).toEqual([0, 1]);
    // A send mined at wall 10.8 s on one chain, executed in the block mined 3 s later on the other.
    const sendAt = 2_000_010_800;
    const stamp = (aheadMs: number, at: number) => BigInt(Math.floor((at + aheadMs) / 1_000));
    const there = blockTimeMs(stamp(1_000, sendAt + 3_000), aheadAhead) - blockTimeMs(stamp(0, sendAt), onTimeAhead);
    const back = blockTimeMs(stamp(0, sendAt + 3_000), onTimeAhead) - blockTimeMs(stamp(1_000, sendAt), aheadAhead);
    expect([there, back]).toEqual([3_000, 3_000]);
    // Raw timestamps said 4 s and 2 s.
    expect(Number(stamp(1_000, sendAt + 3_000) - stamp(0, sendAt))).toBe(4);
    expect(Number(stamp(0, sendAt + 3_000) - stamp(1_000, sendAt))).toBe(2);
  });

  it("counts whole seconds ahead: on time in (−1 s, 0], a second ahead in (0, 1 s], behind below", () => {
    expect([-999, -500, -20, 0].map(secondsAhead)).toEqual([0, 0, 0, 0]);
    expect([1, 700, 1_000].map(secondsAhead)).toEqual([1, 1, 1]);
    expect([-1_000, -1_500].map(secondsAhead)).toEqual([-1, -1]);
  });

  it("gives up with a sentence when the chain does not mine", async () => {
    const clock = { t: 0 };
    const stalled: HeadSource = { getBlock: async () => ({ number: 7n, timestamp: 100n }) };
    await expect(clockOffsetMs(stalled, { ...options(clock), timeoutMs: 1_000 })).rejects.toThrow(
      "the chain mined 0 of 3 blocks in 1000 ms",
    );
  });
});
